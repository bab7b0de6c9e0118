"""The signer's receipt file (docs/signing-api.md, "Submitting a signature")::

    {"v": 2, "kind": "pledge-receipt", "server": "https://...", "campaign": "<public id>",
     "slug": "...", "leaf_hash": "<hex>", "nullifier": "<hex>", "withdrawal_secret": "<hex>"}

``withdrawal_secret`` is the 32-byte Ed25519 seed of the entry's withdrawal key: whoever holds
the receipt can withdraw the signature, and the leaf hash points at it in the public log. So the
file is written with mode 600, never over an existing file, and it is the same document the
browser offers for download.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import jsonfile
from .errors import FileProblem, FormatError
from .server_url import check_server_url
from .tokenfile import PUBLIC_ID_BYTES

KIND = "pledge-receipt"
HASH_BYTES = 32
SEED_BYTES = 32
FIELDS = ("server", "campaign", "slug", "leaf_hash", "nullifier", "withdrawal_secret")


@dataclass(frozen=True)
class Receipt:
    """What a signer keeps after signing: where, which entry, and the key that withdraws it."""

    server: str
    campaign: str
    slug: str
    leaf_hash: bytes
    nullifier: bytes
    withdrawal_secret: bytes = field(repr=False)

    def doc(self) -> dict[str, Any]:
        """The receipt document (bytes as lowercase hex when written)."""
        return {
            "v": jsonfile.VERSION, "kind": KIND, "server": self.server,
            "campaign": self.campaign, "slug": self.slug, "leaf_hash": self.leaf_hash,
            "nullifier": self.nullifier, "withdrawal_secret": self.withdrawal_secret,
        }


def default_path(slug: str) -> Path:
    """``pledge-receipt-<slug>.json`` in the current folder."""
    return Path(f"pledge-receipt-{slug}.json")


def write_receipt(path: Path, receipt: Receipt) -> None:
    """Create the receipt file (mode 600); refuse to overwrite anything."""
    jsonfile.write_document(path, receipt.doc(), secret=True)


def discard_receipt(path: Path) -> None:
    """Remove a receipt this run wrote for a submission the server refused."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def parse_receipt(doc: jsonfile.Obj) -> Receipt:
    """A receipt document, every field checked."""
    jsonfile.expect(doc, KIND, FIELDS)
    try:
        server = check_server_url(doc.text("server", max_len=2000))
    except ValueError as exc:
        raise FormatError(f"{doc.where}: field server: {exc}") from None
    campaign = doc.text("campaign", max_len=2 * PUBLIC_ID_BYTES)
    jsonfile.unhex(campaign, f"{doc.where}: field campaign", size=PUBLIC_ID_BYTES)
    return Receipt(
        server=server, campaign=campaign, slug=doc.text("slug", max_len=200),
        leaf_hash=doc.raw("leaf_hash", size=HASH_BYTES),
        nullifier=doc.raw("nullifier", size=HASH_BYTES),
        withdrawal_secret=doc.raw("withdrawal_secret", size=SEED_BYTES),
    )


def load_receipt(path: Path) -> Receipt:
    """Read a receipt file; :class:`FileProblem` if it is missing or not a receipt."""
    try:
        return parse_receipt(jsonfile.read_document(path, KIND))
    except FormatError as exc:
        raise FileProblem(str(exc)) from exc
