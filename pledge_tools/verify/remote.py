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

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from crypto import merkle
from crypto.errors import CryptoError
from crypto.formats import witness as witness_files
from crypto.formats.errors import CheckFailed, FormatError
from crypto.formats.files import KEY_BYTES, SIGNATURE_BYTES
from crypto.formats.jsonfile import Obj
from crypto.formats.record import Record
from crypto.formats.server_url import check_server_url

from ..sign.errors import BadReply
from ..sign.http import JsonApi
from ..text import printable
from .record_log import when

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


def _get(origin: str, path: str) -> dict[str, Any]:
    """GET the JSON object at ``path`` on ``origin`` with the signer's client (``https://``, or
    ``http://`` to this machine; no redirects; parsed strictly), allowing a long campaign's heads."""
    return JsonApi(origin, TIMEOUT_S, max_reply_bytes=MAX_REPLY_BYTES, user_agent=USER_AGENT).get(path)


# --- 14. a witness's published head ---------------------------------------------------------


def check_witness_head(record: Record, source: str) -> SeenHead:
    """Read a witness's published head (a file, or an ``http(s)://`` URL) and compare it."""
    try:
        if source.startswith(("http://", "https://")):
            parts = urlsplit(source)
            where = printable(source, 200)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            doc = Obj(_get(f"{parts.scheme}://{parts.netloc}", path), where)
            head = witness_files.parse_witness_head(doc)
        else:
            where = source
            head = witness_files.load_witness_head(Path(source))
    except ValueError as exc:  # a URL check_server_url refuses
        raise CheckFailed(f"--witness {printable(source, 200)}: {exc}") from None
    m = record.manifest
    if head.campaign != m.campaign_id:
        raise CheckFailed(f"{where}: the witness head is for another campaign than the record's")
    if head.witness not in m.witnesses:
        raise CheckFailed(f"{where}: key {head.witness.hex()} is not a witness of the manifest")
    try:
        head.verify()
    except CheckFailed:
        raise CheckFailed(f"{where}: witness {m.witnesses[head.witness]!r}'s cosignature does not "
                          "verify") from None
    key, size, timestamp, root = head.witness, head.size, head.timestamp, head.root
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
    reply = _get(origin, f"/api/campaigns/{quote(slug, safe='')}/log/heads")
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
