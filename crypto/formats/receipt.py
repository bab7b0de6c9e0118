"""The signer's receipt file (docs/protocol.md §13, docs/signing-api.md)::

    {"v": 2, "kind": "pledge-receipt", "server": "https://...", "campaign": "<public id>",
     "slug": "...", "ctx": "<hex>", "leaf_hash": "<hex>", "nullifier": "<hex>",
     "opening": {"nonce": "<hex>", "prepared_message": "<hex>", "slug": "<lab>",
                 "token_signature": "<hex>"},
     "withdrawal_secret": "<hex>",
     "head": {"size": int, "timestamp": int, "root": "<hex>", "signature": "<hex>"}}

``slug`` is the campaign's; ``opening.slug`` is the signer's lab.

``ctx`` is the hash of the manifest the signature was sealed under: the manifest holds the log's
key, so a later check trusts a tree head only under the key of the campaign the signer checked.
``head`` is absent until the first check that finds the entry in the log; from then on it keeps
that signed head, and every later check proves the log it sees extends it (an RFC 9162
consistency proof), so the log cannot drop the entry without the signer's tool noticing.

``opening`` is the entry's opening (:mod:`crypto.opening`): the lab, the token and the nonce
the entry's ``lab_commitment`` was computed from. The log shows only the commitment; the
receipt keeps what opens it, so the signer's tools can show which lab the entry commits to and
check it against the published leaf. A receipt whose opening is not the token of its
``nullifier`` is refused as damaged.

``withdrawal_secret`` is the 32-byte Ed25519 seed of the entry's withdrawal key: whoever holds
the receipt can withdraw the signature, and the leaf hash points at it in the public log. So the
file is written with mode 600, never over an existing file, and it is the same document the
browser offers for download.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EncodingError
from ..opening import Opening, parse_opening
from . import jsonfile
from .errors import FileProblem, FormatError
from .server_url import check_server_url
from .tokenfile import PUBLIC_ID_BYTES

KIND = "pledge-receipt"
HASH_BYTES = 32
SEED_BYTES = 32
FIELDS = ("server", "campaign", "slug", "ctx", "leaf_hash", "nullifier", "opening", "withdrawal_secret")
OPTIONAL = ("head",)
HEAD_FIELDS = ("size", "timestamp", "root", "signature")


@dataclass(frozen=True)
class KeptHead:
    """A signed tree head the receipt's entry was found under (signature over the v2 head
    message by the manifest's log key)."""

    size: int
    timestamp: int
    root: bytes
    signature: bytes

    def doc(self) -> dict[str, Any]:
        """The ``head`` object of a receipt."""
        return {"size": self.size, "timestamp": self.timestamp, "root": self.root,
                "signature": self.signature}


@dataclass(frozen=True)
class Receipt:
    """What a signer keeps after signing: where, which entry, and the key that withdraws it."""

    server: str
    campaign: str
    slug: str
    ctx: bytes
    leaf_hash: bytes
    nullifier: bytes
    opening: Opening = field(repr=False)
    withdrawal_secret: bytes = field(repr=False)
    head: KeptHead | None = None

    def doc(self) -> dict[str, Any]:
        """The receipt document (bytes as lowercase hex when written)."""
        doc: dict[str, Any] = {
            "v": jsonfile.VERSION, "kind": KIND, "server": self.server,
            "campaign": self.campaign, "slug": self.slug, "ctx": self.ctx,
            "leaf_hash": self.leaf_hash, "nullifier": self.nullifier,
            "opening": self.opening.doc(), "withdrawal_secret": self.withdrawal_secret,
        }
        if self.head is not None:
            doc["head"] = self.head.doc()
        return doc


def default_path() -> Path:
    """``pledge-receipt-<8 random hex digits>.json`` in the current folder: a name that says
    nothing about the campaign, and differs from one signature to the next."""
    return Path(f"pledge-receipt-{secrets.token_hex(4)}.json")


def write_receipt(path: Path, receipt: Receipt) -> None:
    """Create the receipt file (mode 600); refuse to overwrite anything."""
    jsonfile.write_document(path, receipt.doc(), secret=True)


def keep_head(path: Path, receipt: Receipt, head: KeptHead) -> Receipt:
    """Rewrite the receipt file with ``head`` kept in it (mode 600, replaced atomically, so a
    crash leaves the old file or the new one, never half of either)."""
    updated = dataclasses.replace(receipt, head=head)
    partial = path.with_name(f".{path.name}.{os.getpid()}.new")
    discard_receipt(partial)
    jsonfile.write_document(partial, updated.doc(), secret=True)
    try:
        os.replace(partial, path)
    except OSError as exc:
        discard_receipt(partial)
        raise FileProblem(f"cannot update {path}: {exc.strerror}") from exc
    return updated


def discard_receipt(path: Path) -> None:
    """Remove a receipt this run wrote for a submission the server refused."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def parse_receipt(doc: jsonfile.Obj) -> Receipt:
    """A receipt document, every field checked."""
    jsonfile.expect(doc, KIND, FIELDS, OPTIONAL)
    try:
        server = check_server_url(doc.text("server", max_len=2000))
    except ValueError as exc:
        raise FormatError(f"{doc.where}: field server: {exc}") from None
    campaign = doc.text("campaign", max_len=2 * PUBLIC_ID_BYTES)
    jsonfile.unhex(campaign, f"{doc.where}: field campaign", size=PUBLIC_ID_BYTES)
    head = None
    if "head" in doc.data:
        kept = doc.child("head").exact_keys(HEAD_FIELDS)
        head = KeptHead(kept.integer("size"), kept.integer("timestamp"),
                        kept.raw("root", size=HASH_BYTES), kept.raw("signature", size=64))
    nullifier = doc.raw("nullifier", size=HASH_BYTES)
    return Receipt(
        server=server, campaign=campaign, slug=doc.text("slug", max_len=200),
        ctx=doc.raw("ctx", size=HASH_BYTES),
        leaf_hash=doc.raw("leaf_hash", size=HASH_BYTES),
        nullifier=nullifier, opening=_opening(doc, nullifier),
        withdrawal_secret=doc.raw("withdrawal_secret", size=SEED_BYTES),
        head=head,
    )


def _opening(doc: jsonfile.Obj, nullifier: bytes) -> Opening:
    """The receipt's opening, strictly, and the token of the receipt's own nullifier."""
    try:
        opening = parse_opening(doc.data["opening"])
    except EncodingError as exc:
        raise FormatError(f"{doc.where}: field opening: {exc}") from None
    if opening.nullifier != nullifier:
        raise FormatError(f"{doc.where}: field opening: its token is not the one of the receipt's "
                          "nullifier; the receipt is damaged")
    return opening


def load_receipt(path: Path) -> Receipt:
    """Read a receipt file; :class:`FileProblem` if it is missing or not a receipt."""
    try:
        return parse_receipt(jsonfile.read_document(path, KIND))
    except FormatError as exc:
        raise FileProblem(str(exc)) from exc
