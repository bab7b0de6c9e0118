"""Accepting sealed signatures, answering receipts, and withdrawals (docs/protocol.md §6, §5).

The server never sees a name or a statement: it checks a token, a nullifier and a ciphertext's
public proof, then stores the ciphertext and the public leaf, all in one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime

from nacl.bindings import crypto_core_ed25519_is_valid_point
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, load_only

from crypto import log_leaves, merkle, seal
from crypto.errors import CryptoError
from crypto.hashing import canonical_json
from crypto.opening import NONCE_BYTES, OPENING_KEYS, Opening, OpeningError, check_opening
from pledge.models import Campaign, CampaignState, Entry, TreeHead, present
from pledge.services import log
from pledge.services.campaigns import public_campaign
from pledge.services.errors import ServiceError
from pledge.services.schema import exact_object, hex_field
from pledge.services.tokens import RedeemedToken, TokenRefused, check_token_under, lab_token_keys, spend_token

CLOSED_MESSAGE = "This campaign is not accepting signatures."
TAKEN_DOWN_MESSAGE = ("This campaign was taken down by the site's administrators: it takes no signature or "
                      "withdrawal any more, and every sealed signature is destroyed.")

#: What the write transaction of a submission reads of its campaign: one row, these columns.
UNDER_LOCK = (lazyload("*"), load_only(Campaign.id, Campaign.public_id, Campaign.slug, Campaign.state, Campaign.deadline,
                                       Campaign.ctx, Campaign.group_key))


class SigningError(ServiceError):
    """A refused submission or withdrawal, with its API code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class Receipt:
    """What the signer keeps (plus the withdrawal secret their client made)."""

    campaign: str
    slug: str
    leaf_hash: bytes
    nullifier: bytes


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
        return cls(campaign.id, campaign.public_id, bytes(present(campaign.ctx, "the campaign's ctx")),
                   bytes(present(campaign.group_key, "the campaign's group key")),
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
    opening: bytes  # canonical JSON of the opening, kept like the ciphertext


def _parse_opening(value: object) -> Opening:
    """The opening of a submission: exactly its four fields, hex in the API's words."""
    fields = exact_object(value, set(OPENING_KEYS),
                          "The opening needs exactly its nonce, prepared_message, slug and token_signature.").data
    if not isinstance(fields["slug"], str):
        raise SigningError("bad_request", "opening.slug must be a string.")
    prepared = hex_field(fields["prepared_message"], "opening.prepared_message")
    signature = hex_field(fields["token_signature"], "opening.token_signature")
    nonce = hex_field(fields["nonce"], "opening.nonce", NONCE_BYTES)
    try:
        return Opening(fields["slug"], prepared, signature, nonce)
    except CryptoError as error:
        raise SigningError("bad_request", f"The opening is malformed: {error}.") from None


def check_submission(keys: SigningKeys, body: object) -> CheckedSubmission:
    """The body's form, the opening (its token, lab and nullifier) and the ciphertext's public
    proof, without the database (docs/protocol.md §6, §7)."""
    fields = exact_object(body, {"ciphertext", "opening", "withdrawal_key"},
                          "Send exactly a ciphertext, an opening and a withdrawal key.").data
    opening = _parse_opening(fields["opening"])
    ciphertext = hex_field(fields["ciphertext"], "ciphertext", seal.CIPHERTEXT_BYTES)
    withdrawal_key = hex_field(fields["withdrawal_key"], "withdrawal_key", 32)
    if not crypto_core_ed25519_is_valid_point(withdrawal_key):
        raise SigningError("bad_request", "The withdrawal key is not a valid Ed25519 public key.")
    try:
        checked = check_token_under(keys.public_id, keys.lab_keys, opening.prepared_message, opening.token_signature)
    except TokenRefused as error:
        raise SigningError("token_refused", error.message) from None
    if checked.lab_slug != opening.slug:
        raise SigningError("bad_opening", "The opening names a lab other than its token's.")
    try:
        parsed = seal.check_ciphertext(keys.group_key, keys.ctx + checked.nullifier, ciphertext)
    except CryptoError:
        raise SigningError("bad_ciphertext", "The sealed signature fails its public check; nothing was stored.") from None
    try:
        entry_leaf = log_leaves.EntryLeaf(
            lab_commitment=opening.commitment, nullifier=checked.nullifier,
            ciphertext_sha256=hashlib.sha256(ciphertext).digest(), withdrawal_key=withdrawal_key)
        leaf = log_leaves.encode_leaf(entry_leaf)
        # The one check the trustees and the verifier make, made here too before anything is kept.
        check_opening(opening, entry_leaf, keys.public_id.encode("ascii"), keys.lab_keys)
    except OpeningError as error:
        raise SigningError("bad_opening", f"The opening does not open this entry: {error}.") from None
    except CryptoError:
        raise SigningError("bad_request", "The withdrawal key is not valid.") from None
    return CheckedSubmission(keys, checked, parsed.R, leaf, merkle.leaf_hash(leaf), withdrawal_key, ciphertext,
                             canonical_json(opening.doc()))


def store_entry(session: Session, campaign: Campaign, checked: CheckedSubmission, now: datetime) -> Receipt:
    """Store a checked submission as pending (call in the write transaction). Refusals store nothing."""
    _refuse_taken_down(campaign)
    if not campaign.accepting(now):
        raise SigningError("closed", CLOSED_MESSAGE)
    if not checked.keys.fits(campaign):
        raise ValueError("the submission was checked against another campaign's keys")
    # Plain statements rather than ORM objects: this runs while holding the write lock.
    existing = session.execute(select(Entry.leaf_hash, Entry.nullifier).where(
        Entry.campaign_id == campaign.id, Entry.r_point == checked.r_point)).first()
    if existing is not None:
        if existing.leaf_hash == checked.leaf_hash:
            # The very same submission again (its first answer was lost): same receipt, nothing new.
            return Receipt(campaign.public_id, campaign.slug, existing.leaf_hash, existing.nullifier)
        raise SigningError("duplicate_ciphertext", "This ciphertext reuses one already submitted; it was refused.")
    try:
        spend_token(session, campaign, checked.token)
    except TokenRefused:
        raise SigningError("token_used", "This token was already used to sign this campaign.") from None
    try:
        session.execute(insert(Entry).values(
            campaign_id=campaign.id, entry_id=secrets.token_bytes(16), lab_id=checked.keys.lab_ids[checked.token.lab_slug],
            nullifier=checked.token.nullifier, r_point=checked.r_point, leaf=checked.leaf, leaf_hash=checked.leaf_hash,
            withdrawal_key=checked.withdrawal_key, ciphertext=checked.ciphertext, opening=checked.opening,
        ))
    except IntegrityError:
        # A concurrent submission with the same R or nullifier won the race.
        raise SigningError("duplicate_ciphertext", "This ciphertext or token was just submitted.") from None
    return Receipt(campaign.public_id, campaign.slug, checked.leaf_hash, checked.token.nullifier)


#: A process's copies of the signing keys of the campaigns it took submissions for, by slug.
KeyCache = MutableMapping[str, SigningKeys]


def _cached_keys(cache: KeyCache, campaign: Campaign) -> SigningKeys:
    keys = cache[campaign.slug] = SigningKeys.of(campaign)
    return keys


def _checked_or_refusal(keys: SigningKeys, body: object) -> CheckedSubmission | ServiceError:
    try:
        return check_submission(keys, body)
    except ServiceError as error:
        return error


def submit_entry(session: Session, slug: str, read_body: Callable[[], object], now: datetime,
                 cache: KeyCache) -> Receipt:
    """Accept a sealed signature for the public, launched campaign ``slug``; the receipt.

    Every write transaction holds the database's write lock, so the checks that need no
    database (the token's RSA signature, the ciphertext's proof) run first, against the copy of
    the campaign's keys in ``cache``; the transaction then only re-reads the campaign (which
    takes the lock), confirms the copy still fits it, and stores the entry. The first submission
    to a process reads the keys first (an unknown campaign is refused before ``read_body`` is
    called). A closed campaign's refusal comes before any other. Refusals store nothing.
    """
    keys = cache.get(slug)
    if keys is None:
        keys = _cached_keys(cache, public_campaign(session, slug, launched=True))
    body = read_body()
    checked = _checked_or_refusal(keys, body)
    campaign = public_campaign(session, slug, launched=True, options=UNDER_LOCK)  # takes the write lock
    if not keys.fits(campaign):
        checked = _checked_or_refusal(_cached_keys(cache, campaign), body)
    if isinstance(checked, ServiceError):
        _refuse_taken_down(campaign)
        if not campaign.accepting(now):
            raise SigningError("closed", CLOSED_MESSAGE)
        raise checked
    return store_entry(session, campaign, checked, now)


@dataclass(frozen=True)
class ReceiptStatus:
    """Where a receipt's entry stands: pending, or published (perhaps withdrawn) with its proof."""

    campaign: Campaign
    status: str  # "pending", "published" or "withdrawn"
    index: int | None = None
    head: TreeHead | None = None
    proof: tuple[bytes, ...] = ()
    withdrawal_index: int | None = None


def receipt_status(session: Session, slug: str, leaf_hash_hex: str) -> ReceiptStatus:
    """Pending, or the inclusion proof against the latest head (and a withdrawal if any), for the
    receipt ``leaf_hash_hex`` of the public, launched campaign ``slug``."""
    campaign = public_campaign(session, slug, launched=True)
    try:
        leaf_hash = bytes.fromhex(leaf_hash_hex)  # an address, not a body: as lenient as it always was
    except ValueError:
        leaf_hash = b""
    if len(leaf_hash) != 32:
        raise SigningError("bad_request", "A receipt is a 64-character hex leaf hash.")
    entry = session.scalar(select(Entry).where(Entry.campaign_id == campaign.id, Entry.leaf_hash == leaf_hash))
    if entry is None:
        raise SigningError("unknown_receipt", "No signature with this receipt exists in this campaign.")
    head = log.latest_head(session, campaign)
    if entry.leaf_index is None or head is None or entry.leaf_index >= head.size:
        return ReceiptStatus(campaign, "pending")
    # A withdrawal shows only once its leaf is in a published head: before that, nothing in the
    # answer may tell a poller that one arrived (docs/protocol.md §6).
    withdrawn = entry.withdrawal_index is not None and entry.withdrawal_index < head.size
    return ReceiptStatus(
        campaign, "withdrawn" if withdrawn else "published", index=entry.leaf_index, head=head,
        proof=tuple(log.inclusion_proof(session, campaign, entry.leaf_index, head.size)),
        withdrawal_index=entry.withdrawal_index if withdrawn else None,
    )


def _refuse_taken_down(campaign: Campaign) -> None:
    if campaign.state == CampaignState.TAKEN_DOWN:
        raise SigningError("taken_down", TAKEN_DOWN_MESSAGE)


def _in_frozen_round(entry: Entry) -> bool:
    """Whether a round-frozen event lists the entry: from then on the trustees decrypt exactly
    the round's entries, so the entry can no longer be pulled out (docs/protocol.md §8)."""
    return entry.frozen_round is not None


def withdraw(session: Session, slug: str, read_body: Callable[[], object]) -> None:
    """Accept a signed withdrawal for the public, launched campaign ``slug``: delete the
    ciphertext now, publish the leaf next batch. ``read_body`` is called once the campaign is
    known to exist."""
    campaign = public_campaign(session, slug, launched=True)
    _refuse_taken_down(campaign)
    body = read_body()
    fields = exact_object(body, {"nullifier", "signature"}, "Send exactly the nullifier and the signature.").data
    nullifier = hex_field(fields["nullifier"], "nullifier", 32)
    signature = hex_field(fields["signature"], "signature", 64)
    entry = session.scalar(select(Entry).where(Entry.campaign_id == campaign.id, Entry.nullifier == nullifier))
    if entry is None:
        raise SigningError("unknown_entry", "No signature with this nullifier exists in this campaign.")
    try:
        log_leaves.verify_withdrawal(entry.withdrawal_key, nullifier, signature)
    except CryptoError:
        raise SigningError("bad_signature", "The withdrawal is not signed by this signature's withdrawal key.") from None
    if entry.withdrawal_signature is not None:
        raise SigningError("already_withdrawn", "This signature is already withdrawn.")
    if campaign.signing_ended_batch is not None:
        raise SigningError(
            "closed",
            "Signing has ended: the log already holds the deadline event, after which nothing can be withdrawn.",
        )
    if _in_frozen_round(entry):
        raise SigningError(
            "revealed",
            "The threshold was met and this signature's round is being revealed with everyone else's: "
            "a signature in a revealed round cannot be withdrawn.",
        )
    entry.withdrawal_signature = signature
    entry.ciphertext = None
    session.flush()


def latest_head_of(session: Session, slug: str) -> tuple[Campaign, TreeHead]:
    """The public, launched campaign ``slug`` and its latest signed tree head."""
    campaign = public_campaign(session, slug, launched=True)
    head = log.latest_head(session, campaign)
    if head is None:
        raise SigningError("no_batch", "No batch has been published yet.")
    return campaign, head
