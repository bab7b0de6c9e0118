"""Checking a receipt against the campaign log (DESIGN §5, docs/signing-api.md).

The server answers ``GET /api/campaigns/<slug>/receipts/<leaf_hash>`` with ``pending``, or with
the leaf's index, a signed tree head and an RFC 9162 inclusion proof. The client:

1. checks the head's ``log_id`` is the campaign's public id and its Ed25519 signature verifies
   under the log key given with it;
2. compares it with the head ``GET .../log/head`` serves (the same key and the same head, so
   the receipt answer was not made up for this one signer);
3. checks the inclusion proof of its own leaf hash at that index against the head's root.

The log key comes from the server; to be sure it is the campaign's, compare it with the key in
the campaign record (``pledge-verify``) or fetch it from another network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crypto import merkle
from crypto.errors import CryptoError
from crypto.formats.errors import CheckFailed
from crypto.formats.jsonfile import Obj, unhex

from .errors import BadReply

HEAD_FIELDS = {"log_id", "log_public_key", "size", "timestamp", "root", "signature"}
HEAD_OPTIONAL = {"batch"}  # the server adds the batch number; it is not signed
STATUSES = ("pending", "published", "withdrawn")
MAX_PROOF = 64  # an RFC 9162 path has at most log2(size) nodes


@dataclass(frozen=True)
class SignedHead:
    """A signed tree head as the API serves it."""

    log_id: bytes
    log_public_key: bytes
    size: int
    timestamp: int
    root: bytes
    signature: bytes

    def signed_at(self) -> str:
        """The head's timestamp as a UTC date and time."""
        moment = datetime.fromtimestamp(self.timestamp, tz=UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class ReceiptStatus:
    """The receipt reply: ``pending``, or the leaf's place in the log with its proof."""

    status: str
    index: int | None = None
    head: SignedHead | None = None
    proof: tuple[bytes, ...] = ()
    withdrawal_index: int | None = None


def parse_head(doc: Obj) -> SignedHead:
    """A head document, strictly (the unsigned ``batch`` number is allowed and ignored)."""
    doc.exact_keys(HEAD_FIELDS, HEAD_OPTIONAL)
    return SignedHead(
        log_id=doc.raw("log_id", max_size=256), log_public_key=doc.raw("log_public_key", size=32),
        size=doc.integer("size"), timestamp=doc.integer("timestamp"),
        root=doc.raw("root", size=merkle.HASH_LEN), signature=doc.raw("signature", size=64),
    )


def parse_status(reply: dict[str, Any]) -> ReceiptStatus:
    """The reply to ``GET .../receipts/<leaf_hash>``."""
    try:
        doc = Obj(reply, "the receipt status")
        status = doc.text("status", max_len=20)
        if status not in STATUSES:
            raise BadReply(f"the server answered an unknown receipt status ({status[:20]!r})")
        if status == "pending":
            return ReceiptStatus(status)
        doc.exact_keys({"status", "index", "head", "proof"}, {"withdrawal_index"})
        proof = doc.array("proof")
        if len(proof) > MAX_PROOF:
            raise BadReply("the inclusion proof is too long")
        withdrawal = doc.integer("withdrawal_index") if doc.has("withdrawal_index") else None
        return ReceiptStatus(
            status, index=doc.integer("index"), head=parse_head(doc.child("head")),
            proof=tuple(unhex(node, f"{doc.where}: field proof[{i}]", size=merkle.HASH_LEN)
                        for i, node in enumerate(proof)),
            withdrawal_index=withdrawal,
        )
    except BadReply:
        raise
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def verify_head(head: SignedHead, campaign_id: str) -> None:
    """The head is this campaign's log and its signature verifies under its log key."""
    if head.log_id != campaign_id.encode("ascii"):
        raise CheckFailed("the tree head is for another log than this campaign's")
    try:
        merkle.verify_tree_head(head.log_public_key, head.log_id, head.size, head.timestamp,
                                head.root, head.signature)
    except CryptoError:
        raise CheckFailed("the tree head's signature does not verify under the campaign's log "
                          "key; refusing it") from None


def verify_inclusion(status: ReceiptStatus, leaf_hash: bytes) -> None:
    """The proof puts ``leaf_hash`` at ``status.index`` in the tree of the (checked) head."""
    if status.head is None or status.index is None:
        raise CheckFailed("the receipt status holds no head to check")
    try:
        merkle.verify_inclusion(leaf_hash, status.index, status.head.size, status.proof,
                                status.head.root)
    except CryptoError:
        raise CheckFailed("the inclusion proof of your receipt does not verify against the "
                          "signed tree head") from None
