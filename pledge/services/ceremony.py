"""The key ceremony as a bulletin board (docs/protocol.md §4 and §8): freeze, deals, transcript, launch.

Everything a trustee uploads is checked before it is stored (points, proofs, signatures,
context); a refusal names what failed. The server never sees a share or a coefficient: deals
carry only commitments, proofs and shares encrypted to each recipient trustee.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import dkg
from crypto.errors import CryptoError, InvalidDeal
from crypto.formats import files
from crypto.formats.errors import Refusal
from crypto.formats.messages import complaint_message, transcript_message, verify
from crypto.hashing import canonical_json
from pledge.models import (
    Campaign,
    CampaignState,
    CeremonyComplaint,
    CeremonyDeal,
    TranscriptSignature,
    Trustee,
    present,
)
from pledge.services.errors import ServiceError
from pledge.services.keys import create_token_keys, log_public_key
from pledge.services.manifest import ManifestError, TrusteeKeys, manifest_ctx, manifest_for_campaign

MAX_UPLOAD_BYTES = 256 * 1024
# A partials file carries about 300 bytes per entry of its round.
MAX_PARTIALS_BYTES = 128 * 1024 * 1024


class CeremonyError(ServiceError):
    """An upload or step the ceremony refuses, with the reason."""


class Step(StrEnum):
    """Where one trustee stands, as the dashboards show it."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    KEYS = "keys registered"
    WAITING_DEAL = "waiting for deal"
    DEAL = "deal verified"
    SIGNED = "transcript signed"
    COMPLAINED = "complained"


@dataclass(frozen=True)
class Board:
    """The ceremony's public state for one campaign."""

    deals: dict[int, dkg.Deal]
    signatures: dict[int, TranscriptSignature]
    complaints: list[CeremonyComplaint]

    @property
    def halted(self) -> bool:
        """An unresolved complaint stops the ceremony until the organizer restarts it."""
        return any(c.resolved_at is None for c in self.complaints)


def load_board(session: Session, campaign: Campaign) -> Board:
    """Deals, transcript signatures and complaints of ``campaign``."""
    deals = {
        row.seat: dkg.deal_from_dict(json.loads(row.body))
        for row in session.scalars(select(CeremonyDeal).where(CeremonyDeal.campaign_id == campaign.id))
    }
    signatures = {
        row.seat: row
        for row in session.scalars(select(TranscriptSignature).where(TranscriptSignature.campaign_id == campaign.id))
    }
    complaints = list(session.scalars(
        select(CeremonyComplaint).where(CeremonyComplaint.campaign_id == campaign.id).order_by(CeremonyComplaint.id)
    ))
    return Board(deals, signatures, complaints)


def step_of(campaign: Campaign, board: Board, trustee: Trustee) -> Step:
    """One trustee's place in the ceremony."""
    if any(c.complainant_seat == trustee.seat and c.resolved_at is None for c in board.complaints):
        return Step.COMPLAINED
    if trustee.seat in board.signatures:
        return Step.SIGNED
    if trustee.seat in board.deals:
        return Step.DEAL
    if campaign.manifest is not None:
        return Step.WAITING_DEAL
    if trustee.has_keys:
        return Step.KEYS
    return Step.ACCEPTED if trustee.accepted_at else Step.INVITED


# --- freeze --------------------------------------------------------------------------------


def freeze(session: Session, campaign: Campaign, token_key_secret: bytes, log_key_secret: bytes, now: datetime) -> None:
    """Fix text, rule, trustees and protecting parameters: make token keys, build the manifest
    (with the log's public key, derived from ``log_key_secret``) and ``ctx``."""
    if campaign.state not in (CampaignState.DRAFT, CampaignState.CEREMONY) or campaign.manifest is not None:
        raise CeremonyError("This campaign is already frozen.")
    if not campaign.conditions:
        raise CeremonyError("Add at least one condition before freezing.")
    seated = [trustee for trustee in campaign.trustees if trustee.has_keys]
    if len(seated) != campaign.trustee_count:
        missing = campaign.trustee_count - len(seated)
        raise CeremonyError(
            f"{missing} of {campaign.trustee_count} trustees have not registered their keys yet."
        )
    if campaign.deadline <= now:
        raise CeremonyError("The deadline has passed; a campaign cannot start now.")
    create_token_keys(campaign, token_key_secret)
    keys = {link.lab.slug: present(link.token_public_key, "a lab's token key") for link in campaign.lab_links}
    trustees = [TrusteeKeys(t.seat, t.name, registered_ed25519(t), present(t.x25519_public, "a trustee's X25519 key"))
                for t in campaign.trustees]
    extra = {bytes.fromhex(str(item["ed25519"])) for item in campaign.witness_list}
    if extra & {trustee.ed25519 for trustee in trustees}:
        raise CeremonyError("An extra witness uses a trustee's Ed25519 key: every witness needs its own key. "
                            "Change the extra witnesses in the draft.")
    log_key = log_public_key(campaign, log_key_secret)
    try:
        manifest = manifest_for_campaign(campaign, keys, trustees, log_key=log_key)
    except ManifestError as error:
        raise CeremonyError(f"The manifest cannot be built: {error}.") from None
    campaign.log_public_key = log_key
    campaign.manifest = canonical_json(manifest).decode("utf-8")
    campaign.ctx = manifest_ctx(manifest)
    campaign.state = CampaignState.CEREMONY
    campaign.frozen_at = campaign.frozen_at or now
    session.flush()


def frozen_ctx(campaign: Campaign) -> bytes:
    """The ``ctx`` of a campaign that is frozen (its manifest and ``ctx`` are set together)."""
    return present(campaign.ctx, "the frozen campaign's ctx")


def registered_ed25519(trustee: Trustee) -> bytes:
    """The Ed25519 key of a trustee who registered their keys."""
    return present(trustee.ed25519_public, f"trustee {trustee.seat}'s Ed25519 key")


def manifest_of(campaign: Campaign) -> dict:
    """The frozen manifest as a dict."""
    if campaign.manifest is None:
        raise CeremonyError("The campaign is not frozen yet.")
    return json.loads(campaign.manifest)


def ceremony_package(campaign: Campaign) -> bytes:
    """The file every trustee downloads to run ``pledge-trustee deal``."""
    return canonical_json(files.ceremony_doc(manifest_of(campaign), frozen_ctx(campaign))) + b"\n"


def board_file(session: Session, campaign: Campaign) -> bytes:
    """The file every trustee downloads to run ``pledge-trustee finish``."""
    board = load_board(session, campaign)
    if len(board.deals) != campaign.trustee_count:
        raise CeremonyError("The board is complete only when every trustee has uploaded a deal.")
    return canonical_json(files.board_doc(frozen_ctx(campaign), board.deals)) + b"\n"


# --- uploads ---------------------------------------------------------------------------------


def parse_upload(data: bytes, kinds: set[str], limit: int = MAX_UPLOAD_BYTES):
    """Parse an uploaded trustee file of one of ``kinds``, strictly, with a clear refusal."""
    if len(data) > limit:
        raise CeremonyError("That file is too large to be a ceremony file.")
    try:
        return files.parse_document(data, "the uploaded file", kinds)
    except Refusal as error:
        raise CeremonyError(str(error)) from None


def _require_active(campaign: Campaign, board: Board) -> None:
    if campaign.state != CampaignState.CEREMONY or campaign.manifest is None:
        raise CeremonyError("This campaign is not in its key ceremony.")
    if board.halted:
        raise CeremonyError("The ceremony is halted by a complaint; the organizer must restart it.")


def submit_deal(session: Session, campaign: Campaign, trustee: Trustee, data: bytes) -> None:
    """Check a deal (points, proof of possession, signature, context) and post it."""
    board = load_board(session, campaign)
    _require_active(campaign, board)
    if trustee.seat in board.deals:
        raise CeremonyError("Your deal is already on the board.")
    try:
        ctx, deal = files.parse_deal(parse_upload(data, {"deal"}))
    except Refusal as error:
        raise CeremonyError(str(error)) from None
    if ctx != campaign.ctx:
        raise CeremonyError("This deal was made for another ceremony (its ctx does not match this campaign's manifest).")
    if deal.dealer != trustee.seat:
        raise CeremonyError(f"This deal is trustee {deal.dealer}'s; you are trustee {trustee.seat}.")
    try:
        dkg.check_deal_public(frozen_ctx(campaign), campaign.trustee_quorum, campaign.trustee_count, deal,
                              registered_ed25519(trustee))
    except InvalidDeal as error:
        raise CeremonyError(f"The deal was refused: {error.reason.value.replace('-', ' ')}.") from None
    except CryptoError as error:
        raise CeremonyError(f"The deal was refused: {error}.") from None
    session.add(CeremonyDeal(campaign_id=campaign.id, seat=trustee.seat,
                             body=canonical_json(dkg.deal_to_dict(deal)).decode("ascii")))
    session.flush()


def expected_transcript(campaign: Campaign, board: Board) -> bytes:
    """The transcript every trustee must sign, recomputed from the posted deals."""
    return dkg.transcript(frozen_ctx(campaign), {seat: deal.commitments for seat, deal in board.deals.items()})


def submit_result(session: Session, campaign: Campaign, trustee: Trustee, data: bytes, now: datetime) -> str:
    """Post a transcript signature or a complaint; returns ``"signed"`` or ``"complaint"``."""
    board = load_board(session, campaign)
    _require_active(campaign, board)
    if len(board.deals) != campaign.trustee_count:
        raise CeremonyError("Wait until every trustee has posted a deal.")
    if trustee.seat in board.signatures:
        raise CeremonyError("Your transcript signature is already on the board.")
    doc = parse_upload(data, {"transcript-signature", "complaint"})
    if doc.data.get("kind") == "complaint":
        _post_complaint(session, campaign, trustee, doc, now)
        return "complaint"
    try:
        statement = files.parse_signed_statement(doc, "transcript-signature")
    except Refusal as error:
        raise CeremonyError(str(error)) from None
    if statement.ctx != campaign.ctx or statement.index != trustee.seat:
        raise CeremonyError("This signature is not yours for this ceremony (ctx or trustee index differ).")
    if statement.transcript != expected_transcript(campaign, board):
        raise CeremonyError("The signed transcript differs from this board's transcript: "
                            "check that you ran finish on the current board.")
    try:
        verify(registered_ed25519(trustee), transcript_message(frozen_ctx(campaign), trustee.seat, statement.transcript),
               statement.signature)
    except CryptoError:
        raise CeremonyError("The transcript signature does not verify under your registered Ed25519 key.") from None
    session.add(TranscriptSignature(campaign_id=campaign.id, seat=trustee.seat,
                                    transcript=statement.transcript, signature=statement.signature))
    session.flush()
    return "signed"


def _post_complaint(session: Session, campaign: Campaign, trustee: Trustee, doc, now: datetime) -> None:
    try:
        ctx, index, accusations = files.parse_complaint(doc)
    except Refusal as error:
        raise CeremonyError(str(error)) from None
    if ctx != campaign.ctx or index != trustee.seat:
        raise CeremonyError("This complaint is not yours for this ceremony (ctx or trustee index differ).")
    for accusation in accusations:
        if not 1 <= accusation.accused <= campaign.trustee_count:
            raise CeremonyError(f"There is no trustee {accusation.accused} to accuse.")
        try:
            verify(registered_ed25519(trustee),
                   complaint_message(ctx, index, accusation.accused, accusation.reason), accusation.signature)
        except CryptoError:
            raise CeremonyError("The complaint's signature does not verify under your registered Ed25519 key.") from None
    for accusation in accusations:
        session.add(CeremonyComplaint(
            campaign_id=campaign.id, complainant_seat=index, accused_seat=accusation.accused,
            reason=accusation.reason, body=canonical_json(doc.data).decode("utf-8"), filed_at=now,
        ))
    session.flush()


# --- restart and launch ---------------------------------------------------------------------


def restart_without(session: Session, campaign: Campaign, accused_seat: int, now: datetime) -> Trustee:
    """After a complaint: clear the board, free the accused trustee's seat, reopen the seats."""
    board = load_board(session, campaign)
    if not board.halted:
        raise CeremonyError("The ceremony is not halted.")
    if accused_seat not in {c.accused_seat for c in board.complaints if c.resolved_at is None}:
        raise CeremonyError("Only an accused trustee can be removed to restart the ceremony.")
    for complaint in board.complaints:
        complaint.resolved_at = complaint.resolved_at or now
    session.execute(delete(CeremonyDeal).where(CeremonyDeal.campaign_id == campaign.id))
    session.execute(delete(TranscriptSignature).where(TranscriptSignature.campaign_id == campaign.id))
    removed = next(t for t in campaign.trustees if t.seat == accused_seat)
    campaign.trustees.remove(removed)
    campaign.manifest = None
    campaign.ctx = None
    session.flush()
    return removed


def ready_to_launch(campaign: Campaign, board: Board) -> bool:
    """All n trustees signed the transcript of this board, and nothing halted it."""
    if campaign.state != CampaignState.CEREMONY or campaign.manifest is None or board.halted:
        return False
    if len(board.deals) != campaign.trustee_count or len(board.signatures) != campaign.trustee_count:
        return False
    transcript = expected_transcript(campaign, board)
    return all(row.transcript == transcript for row in board.signatures.values())


def launch(session: Session, campaign: Campaign, log_key_secret: bytes, now: datetime) -> None:
    """Compute ``Y`` and every ``Y_j`` from the board and open signing."""
    board = load_board(session, campaign)
    if not ready_to_launch(campaign, board):
        raise CeremonyError("The campaign can launch only when every trustee has signed the same transcript.")
    transcript = expected_transcript(campaign, board)
    for seat, row in board.signatures.items():
        trustee = next(t for t in campaign.trustees if t.seat == seat)
        verify(registered_ed25519(trustee), transcript_message(frozen_ctx(campaign), seat, transcript), row.signature)
    commitments = {seat: deal.commitments for seat, deal in board.deals.items()}
    campaign.group_key = dkg.group_key(commitments)
    for seat, key in dkg.verification_keys(commitments).items():
        next(t for t in campaign.trustees if t.seat == seat).verification_key = key
    if campaign.log_public_key != log_public_key(campaign, log_key_secret):
        raise CeremonyError("The log key in the manifest does not come from this server's LOG_KEY_SECRET.")
    campaign.state = CampaignState.OPEN
    campaign.launched_at = now
    session.flush()


def parse_public_keys(data: bytes) -> tuple[bytes, bytes]:
    """The two public keys from a ``trustee-public`` file (``pledge-trustee init`` writes it)."""
    from crypto.formats import keys as key_files

    if not data.strip():
        raise CeremonyError("Choose your public key file, or paste its contents.", field="keys")
    try:
        _, ed25519, x25519 = key_files.parse_public(parse_upload(data, {"trustee-public"}))
    except Refusal as error:
        raise CeremonyError(str(error), field="keys") from None
    return ed25519, x25519
