"""``pledge-verify --witness`` and ``--server`` (docs/record.md, checks 14 and 15;
docs/protocol.md §12): compare the record with a head someone else has seen, so that a record
cut at an earlier head, or taken from a forked log, is refused.

- A witness's published head file (docs/protocol.md §13): ``{"v", "kind": "witness-head",
  "campaign", "witness", "size", "timestamp", "root", "cosignature"}``, read from a file or
  fetched from a URL. Its cosignature must verify under a witness key of the manifest.
- The server's heads (docs/protocol.md §14): ``GET <server>/api/campaigns/<slug>/log/heads`` →
  ``{"log_id", "log_key", "heads": [{"batch", "size", "timestamp", "root", "signature",
  "cosignatures"}]}``. Its latest head with ``w`` valid cosignatures is compared.

Either is refused when its head is larger than the record's latest head (the record is cut) or
when the record's leaves give another root at its size (a fork).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from crypto import merkle
from crypto.errors import CryptoError
from crypto.formats.errors import CheckFailed, FormatError
from crypto.formats.files import KEY_BYTES, SIGNATURE_BYTES
from crypto.formats.jsonfile import Obj, expect, parse_json, read_json
from crypto.formats.record import Record
from crypto.formats.server_url import check_server_url

from ..sign.errors import BadReply, ServerRefused, ServerUnreachable
from ..text import printable
from .record_log import when

WITNESS_HEAD_KIND = "witness-head"
MAX_REPLY_BYTES = 256 << 20  # every head of a long campaign, with its cosignatures
TIMEOUT_S = 60.0
USER_AGENT = "pledge-verify/2"


@dataclass(frozen=True)
class SeenHead:
    """A head someone else has seen and who: the comparison's result for the summary."""

    who: str
    size: int
    timestamp: int
    root: bytes


def _compare(record: Record, tree: merkle.MerkleTree, seen: SeenHead) -> SeenHead:
    latest = record.heads[-1] if record.heads else None
    latest_size = latest.size if latest else 0
    if seen.size > latest_size:
        raise CheckFailed(f"the record is cut: {seen.who} has a head of size {seen.size} "
                          f"({when(seen.timestamp)}), larger than the record's latest head "
                          f"(size {latest_size})")
    if tree.root(seen.size) != seen.root:
        raise CheckFailed(f"fork: {seen.who} has a head of size {seen.size} whose root differs "
                          f"from the record's leaves 0..{seen.size - 1}")
    return seen


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: returning ``None`` makes ``urllib`` raise it as an HTTPError."""

    def redirect_request(self, req: urllib.request.Request, fp: object, code: int, msg: str,
                         headers: object, newurl: str) -> None:
        return None


def _get(url: str) -> Any:
    """GET the JSON at ``url``: ``https://``, or ``http://`` to this machine only; no
    redirects; no credentials, fragment; parsed strictly (no duplicate keys, no floats)."""
    parts = urlsplit(url)
    try:
        check_server_url(f"{parts.scheme}://{parts.netloc}")
    except ValueError as exc:
        raise CheckFailed(f"{printable(url, 200)}: {exc}") from None
    if parts.fragment or parts.username or parts.password:
        raise CheckFailed(f"{printable(url, 200)}: the URL must not carry a user name or fragment")
    request = urllib.request.Request(url, headers={  # noqa: S310  (scheme checked above)
        "Accept": "application/json", "User-Agent": USER_AGENT})
    opener = urllib.request.build_opener(_NoRedirect())
    where = printable(parts.path, 200)
    try:
        with opener.open(request, timeout=TIMEOUT_S) as response:
            data = response.read(MAX_REPLY_BYTES + 1)
    except urllib.error.HTTPError as exc:
        with exc:
            body = exc.read(4096)
        try:
            message = parse_json(body, where).get("message")
        except (CheckFailed, AttributeError):
            message = None
        text = printable(message) if isinstance(message, str) and message else \
            f"the server answered {where} with HTTP {exc.code}"
        raise ServerRefused(exc.code, "http", text) from None
    except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts included
        reason = getattr(exc, "reason", exc)
        raise ServerUnreachable(f"cannot reach {parts.scheme}://{parts.netloc}: "
                                f"{printable(reason, 200)}") from None
    if len(data) > MAX_REPLY_BYTES:
        raise BadReply(f"the reply to {where} is larger than {MAX_REPLY_BYTES} bytes")
    try:
        return parse_json(data, f"the reply to {where}")
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


# --- 14. a witness's published head ---------------------------------------------------------


def check_witness_head(record: Record, source: str) -> SeenHead:
    """Read a witness's published head (a file, or an ``http(s)://`` URL) and compare it."""
    if source.startswith(("http://", "https://")):
        where = printable(source, 200)
        value = _get(source)
    else:
        where = source
        value = read_json(Path(source), source)
    doc = expect(Obj(value, where), WITNESS_HEAD_KIND,
                 {"campaign", "witness", "size", "timestamp", "root", "cosignature"})
    m = record.manifest
    if doc.text("campaign", max_len=64) != m.campaign_id:
        raise CheckFailed(f"{where}: the witness head is for another campaign than the record's")
    key = doc.raw("witness", size=KEY_BYTES)
    size, timestamp = doc.integer("size"), doc.integer("timestamp")
    root = doc.raw("root", size=merkle.HASH_LEN)
    if key not in m.witnesses:
        raise CheckFailed(f"{where}: key {key.hex()} is not a witness of the manifest")
    try:
        merkle.verify_cosignature(key, m.log_id, size, timestamp, root,
                                  doc.raw("cosignature", size=SIGNATURE_BYTES))
    except CryptoError:
        raise CheckFailed(f"{where}: witness {m.witnesses[key]!r}'s cosignature does not "
                          "verify") from None
    tree = merkle.MerkleTree.from_leaves(record.leaves)
    return _compare(record, tree, SeenHead(f"witness {m.witnesses[key]!r}", size, timestamp, root))


# --- 15. the server's heads -----------------------------------------------------------------


def _valid_cosignatures(record: Record, head: Obj, size: int, timestamp: int, root: bytes) -> int:
    m, count = record.manifest, 0
    cosignatures = head.child("cosignatures")
    for key_hex in cosignatures.data:
        try:
            key = bytes.fromhex(key_hex)
            merkle.verify_cosignature(key, m.log_id, size, timestamp, root,
                                      cosignatures.raw(key_hex, size=SIGNATURE_BYTES))
        except (ValueError, CryptoError):
            continue
        count += key in m.witnesses
    return count


def check_server(record: Record, server: str) -> SeenHead | None:
    """Fetch the server's heads and compare its latest head with ``w`` valid cosignatures
    (``None``: it has none)."""
    m = record.manifest
    slug = str(m.raw["slug"])
    where = f"the server's heads ({printable(server, 100)})"
    try:
        origin = check_server_url(server)
    except ValueError as exc:
        raise CheckFailed(f"--server {printable(server, 200)}: {exc}") from None
    reply = _get(f"{origin}/api/campaigns/{quote(slug, safe='')}/log/heads")
    try:
        doc = Obj(reply, where).exact_keys({"log_id", "log_key", "heads"})
        if doc.raw("log_id", max_size=255) != m.log_id:  # hex of the log id's bytes (§14)
            raise CheckFailed(f"{where}: they are for another log than the record's")
        if doc.raw("log_key", size=KEY_BYTES) != m.log_key:
            raise CheckFailed(f"{where}: the server's log key is not the manifest's log_key")
        best: SeenHead | None = None
        for head in doc.objects("heads"):
            head.exact_keys({"batch", "size", "timestamp", "root", "signature", "cosignatures"})
            size, timestamp = head.integer("size"), head.integer("timestamp")
            root = head.raw("root", size=merkle.HASH_LEN)
            try:
                merkle.verify_tree_head(m.log_key, m.log_id, size, timestamp, root,
                                        head.raw("signature", size=SIGNATURE_BYTES))
            except CryptoError:
                raise CheckFailed(f"{where}: the head of batch {head.integer('batch')} does not "
                                  "verify under the manifest's log_key") from None
            if _valid_cosignatures(record, head, size, timestamp, root) >= m.w and \
                    (best is None or size >= best.size):
                best = SeenHead("the server", size, timestamp, root)
    except FormatError as exc:
        raise BadReply(str(exc)) from None
    if best is None:
        return None
    return _compare(record, merkle.MerkleTree.from_leaves(record.leaves), best)
