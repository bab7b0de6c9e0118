"""Accepting sealed signatures, answering receipts, and withdrawals (DESIGN §4.3, §5).

The server never sees a name or a statement: it checks a token, a nullifier and a ciphertext's
public proof, then stores the ciphertext and the public leaf, all in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from nacl.bindings import crypto_core_ed25519_is_valid_point
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import log_leaves, merkle, seal
from crypto.errors import CryptoError
from pledge.models import Campaign, CampaignState, Entry, Lab, LogLeaf, RevealRound, TreeHead
from pledge.services.errors import ServiceError
from pledge.services.tokens import RedeemedToken, TokenRefused, check_token_under, lab_token_keys, spend_token

SIGNING_STATES = (CampaignState.OPEN, CampaignState.REVEALED)


class SigningError(ServiceError):
    """A refused submission or withdrawal, with an API code and HTTP status."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Receipt:
    """What the signer keeps (plus the withdrawal secret their client made)."""

    campaign: str
    slug: str
    leaf_hash: bytes
    nullifier: bytes


def _hex(value: object, name: str, size: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise SigningError("bad_request", 400, f"{name} must be a hex string.")
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise SigningError("bad_request", 400, f"{name} is not hex.") from None
    if size is not None and len(raw) != size:
        raise SigningError("bad_request", 400, f"{name} must be {size} bytes.")
    return raw


def accepting(campaign: Campaign, now: datetime) -> bool:
    """Signing is open: launched, not expired or closed, before the deadline."""
    return campaign.state in SIGNING_STATES and now < campaign.deadline


@dataclass(frozen=True)
class SigningKeys:
    """What checking a submission needs, and nothing that changes: once a campaign is launched,
    its ``Y`` is fixed and its labs and token keys are named by the manifest that ``ctx`` hashes.
    Checking against a copy of these needs no database, so the signing view does it before it
    takes the write lock (:func:`check_submission`), and :func:`store_entry` confirms under the
    lock that the copy is still the campaign's (:meth:`fits`)."""

    campaign_id: int
    public_id: str
    ctx: bytes
    group_key: bytes
    lab_keys: dict[str, bytes]  # lab slug -> token public key (DER)
    lab_ids: dict[str, int]

    @classmethod
    def of(cls, campaign: Campaign) -> SigningKeys:
        """The keys of a launched campaign (reads its labs)."""
        return cls(campaign.id, campaign.public_id, bytes(campaign.ctx), bytes(campaign.group_key),
                   lab_token_keys(campaign), {link.lab.slug: link.lab_id for link in campaign.lab_links})

    def fits(self, campaign: Campaign) -> bool:
        """Whether these are still ``campaign``'s keys."""
        return (self.campaign_id, self.public_id, self.ctx, self.group_key) == (
            campaign.id, campaign.public_id, campaign.ctx, campaign.group_key)


@dataclass(frozen=True)
class CheckedSubmission:
    """A submission that passed every check that needs no database."""

    keys: SigningKeys
    token: RedeemedToken
    r_point: bytes
    leaf: bytes
    leaf_hash: bytes
    withdrawal_key: bytes
    ciphertext: bytes


def check_submission(keys: SigningKeys, body: object) -> CheckedSubmission:
    """The body's form, the token and the ciphertext's public proof, without the database."""
    if not isinstance(body, dict) or set(body) != {"token", "ciphertext", "withdrawal_key"}:
        raise SigningError("bad_request", 400, "Send exactly a token, a ciphertext and a withdrawal key.")
    token = body["token"]
    if not isinstance(token, dict) or set(token) != {"prepared", "signature"}:
        raise SigningError("bad_request", 400, "The token needs its prepared message and signature.")
    prepared = _hex(token["prepared"], "token.prepared")
    signature = _hex(token["signature"], "token.signature")
    ciphertext = _hex(body["ciphertext"], "ciphertext", seal.CIPHERTEXT_BYTES)
    withdrawal_key = _hex(body["withdrawal_key"], "withdrawal_key", 32)
    if not crypto_core_ed25519_is_valid_point(withdrawal_key):
        raise SigningError("bad_request", 400, "The withdrawal key is not a valid Ed25519 public key.")
    if len(prepared) > log_leaves.MAX_TOKEN_BYTES or len(signature) > log_leaves.MAX_TOKEN_BYTES:
        raise SigningError("bad_request", 400, "The token is too large.")
    try:
        checked = check_token_under(keys.public_id, keys.lab_keys, prepared, signature)
    except TokenRefused as error:
        raise SigningError("token_refused", 403, error.message) from None
    try:
        parsed = seal.check_ciphertext(keys.group_key, keys.ctx + checked.nullifier, ciphertext)
    except CryptoError:
        raise SigningError("bad_ciphertext", 422, "The sealed signature fails its public check; nothing was stored.") from None
    try:
        leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(
            lab=checked.lab_slug, token_message=prepared, token_signature=signature, nullifier=checked.nullifier,
            ciphertext_sha256=hashlib.sha256(ciphertext).digest(), withdrawal_key=withdrawal_key))
    except CryptoError:
        raise SigningError("bad_request", 400, "The withdrawal key is not valid.") from None
    return CheckedSubmission(keys, checked, parsed.R, leaf, merkle.leaf_hash(leaf), withdrawal_key, ciphertext)


def store_entry(session: Session, campaign: Campaign, checked: CheckedSubmission, now: datetime) -> Receipt:
    """Store a checked submission as pending (call in the write transaction). Refusals store nothing."""
    if not accepting(campaign, now):
        raise SigningError("closed", 410, "This campaign is not accepting signatures.")
    if not checked.keys.fits(campaign):
        raise ValueError("the submission was checked against another campaign's keys")
    # Plain statements rather than ORM objects: this runs while holding the write lock.
    existing = session.execute(select(Entry.leaf_hash, Entry.nullifier).where(
        Entry.campaign_id == campaign.id, Entry.r_point == checked.r_point)).first()
    if existing is not None:
        if existing.leaf_hash == checked.leaf_hash:
            # The very same submission again (its first answer was lost): same receipt, nothing new.
            return Receipt(campaign.public_id, campaign.slug, existing.leaf_hash, existing.nullifier)
        raise SigningError("duplicate_ciphertext", 409, "This ciphertext reuses one already submitted; it was refused.")
    try:
        spend_token(session, campaign, checked.token)
    except TokenRefused:
        raise SigningError("token_used", 409, "This token was already used to sign this campaign.") from None
    try:
        session.execute(insert(Entry).values(
            campaign_id=campaign.id, entry_id=secrets.token_bytes(16), lab_id=checked.keys.lab_ids[checked.token.lab_slug],
            nullifier=checked.token.nullifier, r_point=checked.r_point, leaf=checked.leaf, leaf_hash=checked.leaf_hash,
            withdrawal_key=checked.withdrawal_key, ciphertext=checked.ciphertext,
        ))
    except IntegrityError:
        # A concurrent submission with the same R or nullifier won the race.
        raise SigningError("duplicate_ciphertext", 409, "This ciphertext or token was just submitted.") from None
    return Receipt(campaign.public_id, campaign.slug, checked.leaf_hash, checked.token.nullifier)


def submit_entry(session: Session, campaign: Campaign, body: object, now: datetime) -> Receipt:
    """Check a submission completely, then store it as pending. Refusals store nothing."""
    if not accepting(campaign, now):
        raise SigningError("closed", 410, "This campaign is not accepting signatures.")
    return store_entry(session, campaign, check_submission(SigningKeys.of(campaign), body), now)


def latest_head(session: Session, campaign: Campaign) -> TreeHead | None:
    """The campaign's newest signed tree head."""
    return session.scalar(
        select(TreeHead).where(TreeHead.campaign_id == campaign.id).order_by(TreeHead.batch.desc()).limit(1)
    )


def head_document(campaign: Campaign, head: TreeHead) -> dict:
    """A tree head as the API serves it."""
    return {
        "log_id": campaign.public_id.encode("ascii").hex(), "log_public_key": campaign.log_public_key.hex(),
        "batch": head.batch, "size": head.size, "timestamp": head.timestamp, "root": head.root.hex(),
        "signature": head.signature.hex(),
    }


def leaf_hashes(session: Session, campaign: Campaign) -> list[bytes]:
    """Every published leaf hash in log order."""
    return list(session.scalars(
        select(LogLeaf.leaf_hash).where(LogLeaf.campaign_id == campaign.id).order_by(LogLeaf.leaf_index)
    ))


def receipt_status(session: Session, campaign: Campaign, leaf_hash: bytes) -> dict:
    """Pending, or the inclusion proof against the latest head (and a withdrawal if any)."""
    entry = session.scalar(select(Entry).where(Entry.campaign_id == campaign.id, Entry.leaf_hash == leaf_hash))
    if entry is None:
        raise SigningError("unknown_receipt", 404, "No signature with this receipt exists in this campaign.")
    head = latest_head(session, campaign)
    if entry.leaf_index is None or head is None or entry.leaf_index >= head.size:
        pending: dict = {"status": "pending"}
        if entry.withdrawal_signature is not None:
            pending["withdrawal_accepted"] = True
        return pending
    tree = merkle.MerkleTree(leaf_hashes(session, campaign)[: head.size])
    document = {
        "status": "withdrawn" if entry.withdrawal_signature else "published",
        "index": entry.leaf_index,
        "head": head_document(campaign, head),
        "proof": [node.hex() for node in tree.inclusion_proof(entry.leaf_index, head.size)],
    }
    if entry.withdrawal_index is not None:
        document["withdrawal_index"] = entry.withdrawal_index
    return document


def _in_frozen_round(session: Session, campaign: Campaign, entry: Entry) -> bool:
    """Whether the entry's round is frozen for reveal: from then on the trustees decrypt exactly
    the round's entries, so the entry can no longer be pulled out."""
    if entry.leaf_index is None:
        return False
    return session.scalar(
        select(RevealRound.number).where(RevealRound.campaign_id == campaign.id, RevealRound.size > entry.leaf_index).limit(1)
    ) is not None


def withdraw(session: Session, campaign: Campaign, body: object) -> None:
    """Accept a signed withdrawal: delete the ciphertext now, publish the leaf next batch."""
    if not isinstance(body, dict) or set(body) != {"nullifier", "signature"}:
        raise SigningError("bad_request", 400, "Send exactly the nullifier and the signature.")
    nullifier = _hex(body["nullifier"], "nullifier", 32)
    signature = _hex(body["signature"], "signature", 64)
    entry = session.scalar(select(Entry).where(Entry.campaign_id == campaign.id, Entry.nullifier == nullifier))
    if entry is None:
        raise SigningError("unknown_entry", 404, "No signature with this nullifier exists in this campaign.")
    try:
        log_leaves.verify_withdrawal(entry.withdrawal_key, nullifier, signature)
    except CryptoError:
        raise SigningError("bad_signature", 403, "The withdrawal is not signed by this signature's withdrawal key.") from None
    if entry.withdrawal_signature is not None:
        raise SigningError("already_withdrawn", 409, "This signature is already withdrawn.")
    if _in_frozen_round(session, campaign, entry):
        raise SigningError(
            "revealed", 409,
            "The threshold was met and this signature's round is being revealed with everyone else's: "
            "a signature in a revealed round cannot be withdrawn.",
        )
    entry.withdrawal_signature = signature
    entry.ciphertext = None
    session.flush()


def lab_of(session: Session, entry: Entry) -> Lab:
    """The lab an entry counts for."""
    return session.get(Lab, entry.lab_id)
