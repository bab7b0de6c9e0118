"""Checking a receipt against the campaign log (docs/protocol.md §7 and §13, docs/signing-api.md).

The server answers ``GET /api/campaigns/<slug>/receipts/<leaf_hash>`` with ``pending``, or with
the leaf's index, a signed tree head and an RFC 9162 inclusion proof. The client:

1. takes the log key from the campaign's manifest, fetched again and checked against the ``ctx``
   the receipt kept from signing (the trustees' transcript signatures cover that manifest, log
   key included), and refuses a head served under any other key;
2. checks the head's ``log_id`` is the campaign's public id and its signature verifies;
3. compares it with the head ``GET .../log/head`` serves (the same head, so the receipt answer
   was not made up for this one signer);
4. checks the inclusion proof of its own leaf hash at that index against the head's root;
5. the first time, keeps that head in the receipt; every later time, checks an RFC 9162
   consistency proof from the kept head to the new one, so a log rewritten without the entry
   (a fork) is named;
6. fetches the published leaf at that index (``GET .../log/leaves``), checks it hashes to the
   receipt's leaf hash and that its ``lab_commitment`` and nullifier are the ones the receipt's
   opening gives: the log commits the entry to the signer's lab, and shows only the commitment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crypto import log_leaves, merkle
from crypto.errors import CryptoError
from crypto.formats.errors import CheckFailed
from crypto.formats.jsonfile import Obj, unhex
from crypto.formats.receipt import KeptHead, Receipt

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


def verify_head(head: SignedHead, campaign_id: str, log_key: bytes) -> None:
    """The head is this campaign's log, served under the manifest's log key, and its signature
    verifies under that key."""
    if head.log_id != campaign_id.encode("ascii"):
        raise CheckFailed("the tree head is for another log than this campaign's")
    if head.log_public_key != log_key:
        raise CheckFailed("the server serves the log under a key that is not the one in the "
                          "campaign's manifest; refusing its tree head")
    try:
        merkle.verify_tree_head(log_key, head.log_id, head.size, head.timestamp,
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


def verify_kept_head(kept: KeptHead, campaign_id: str, log_key: bytes) -> None:
    """The head a receipt kept still verifies under the campaign's log key (the file may have
    been edited since)."""
    try:
        merkle.verify_tree_head(log_key, campaign_id.encode("ascii"), kept.size, kept.timestamp,
                                kept.root, kept.signature)
    except CryptoError:
        raise CheckFailed("the head kept in your receipt does not verify under the campaign's "
                          "log key; the receipt file was changed") from None


def parse_consistency(reply: dict[str, Any], old: int, new: int) -> tuple[bytes, ...]:
    """The reply to ``GET .../log/consistency?from=OLD&to=NEW``: its proof nodes."""
    try:
        doc = Obj(reply, "the consistency proof").exact_keys({"from", "to", "proof"})
        if doc.integer("from") != old or doc.integer("to") != new:
            raise BadReply("the server answered a consistency proof between other sizes")
        nodes = doc.array("proof")
        if len(nodes) > 2 * MAX_PROOF:
            raise BadReply("the consistency proof is too long")
        return tuple(unhex(node, f"{doc.where}: field proof[{i}]", size=merkle.HASH_LEN)
                     for i, node in enumerate(nodes))
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def verify_extends(kept: KeptHead, head: SignedHead, proof: tuple[bytes, ...]) -> None:
    """The log of ``head`` extends the head the receipt kept; otherwise the log forked or
    shrank, and the message says which."""
    if head.size < kept.size:
        raise CheckFailed(f"the log shrank: your receipt kept a signed head of size {kept.size}, "
                          f"the server now serves size {head.size}. Keep your receipt: it proves "
                          "the log was rewritten")
    try:
        merkle.verify_consistency(kept.size, head.size, kept.root, head.root, list(proof))
    except CryptoError:
        raise CheckFailed(f"the log forked: the head the server serves now (size {head.size}) "
                          f"does not extend the signed head your receipt kept (size {kept.size}). "
                          "Keep your receipt: with the kept head it proves two histories") from None


def parse_leaf_reply(reply: dict[str, Any], index: int) -> bytes:
    """The reply to ``GET .../log/leaves?start=I&end=I+1``: the one leaf at ``index``."""
    try:
        doc = Obj(reply, "the log's leaves").exact_keys({"start", "leaves"})
        leaves = doc.array("leaves")
        if doc.integer("start") != index or len(leaves) != 1:
            raise BadReply(f"the server answered other leaves than the one at index {index}")
        return unhex(leaves[0], f"{doc.where}: field leaves[0]", max_size=1 << 16)
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None


def check_entry_commitment(leaf: bytes, receipt: Receipt) -> bytes:
    """The published ``leaf`` is the receipt's entry and commits to the lab of the receipt's
    opening; returns the leaf's ``lab_commitment``."""
    if merkle.leaf_hash(leaf) != receipt.leaf_hash:
        raise BadReply("the leaf the server serves at your entry's index does not hash to your receipt")
    try:
        entry = log_leaves.parse_leaf(leaf)
    except CryptoError:
        raise CheckFailed("the leaf of your receipt is not a well-formed log leaf") from None
    if not isinstance(entry, log_leaves.EntryLeaf):
        raise CheckFailed("the leaf of your receipt is not an entry")
    if entry.nullifier != receipt.nullifier or entry.lab_commitment != receipt.opening.commitment:
        raise CheckFailed("your entry in the log does not commit to the lab and token your receipt's "
                          "opening keeps; keep your receipt and tell the organizers")
    return entry.lab_commitment
