"""The key ceremony as a bulletin board (docs/protocol.md §4 and §8): freeze, deals, transcript,
complaints and their answers, launch.

Everything a trustee uploads is checked before it is stored (points, proofs, signatures,
context); a refusal names what failed. The server never sees a share or a coefficient: deals
carry only commitments, proofs and shares encrypted to each recipient trustee.

A complaint may name only what the server cannot check (a share that does not open or does not
match). It halts the ceremony until the accused dealer answers by opening that one share in
public; the answer decides who lied, and the party at fault loses its seat: the board is cleared
(and kept in an archive), the campaign is unfrozen, and once the organizer has seated a
replacement every trustee deals again. After the ceremony deadline the organizer may replace a
trustee who has not done their step, with the same restart; nobody chooses whom a complaint
removes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crypto import complaints as complaint_checks
from crypto import dkg
from crypto.errors import PRIVATE_COMPLAINTS, CryptoError, InvalidAnswer, InvalidDeal
from crypto.formats import files
from crypto.formats.counts import count
from crypto.formats.errors import Refusal
from crypto.formats.messages import complaint_answer_message, complaint_message, transcript_message, verify
from crypto.hashing import canonical_json
from pledge.models import (
    Campaign,
    CampaignState,
    CeremonyAnswer,
    CeremonyArchive,
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
#: An accused dealer has at least this long after a complaint to answer it.
ANSWER_TIME = timedelta(days=3)
PRIVATE_REASONS = frozenset(reason.value for reason in PRIVATE_COMPLAINTS)


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
    ACCUSED = "must answer a complaint"
    ANSWERED = "answered the complaints"


@dataclass(frozen=True)
class Board:
    """The ceremony's public state for one campaign."""

    deals: dict[int, dkg.Deal]
    signatures: dict[int, TranscriptSignature]
    complaints: list[CeremonyComplaint]
    answers: list[CeremonyAnswer]

    @property
    def halted(self) -> bool:
        """A complaint stops the ceremony; the verdicts then restart it (the board is cleared)."""
        return bool(self.complaints)

    @property
    def open_complaints(self) -> list[CeremonyComplaint]:
        """The complaints still waiting for the accused's answer."""
        return [c for c in self.complaints if not c.decided]


@dataclass(frozen=True)
class Removed:
    """A trustee who lost their seat, as the e-mails and pages name them."""

    seat: int
    name: str
    email: str
    why: str


@dataclass(frozen=True)
class Restart:
    """A ceremony run that ended: who was removed, and the archive of its board."""

    removed: list[Removed]
    archive: CeremonyArchive


def load_board(session: Session, campaign: Campaign) -> Board:
    """Deals, transcript signatures, complaints and answers of ``campaign``."""
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
    answers = list(session.scalars(
        select(CeremonyAnswer).where(CeremonyAnswer.campaign_id == campaign.id).order_by(CeremonyAnswer.id)
    ))
    return Board(deals, signatures, complaints, answers)


def archives_of(session: Session, campaign: Campaign) -> list[CeremonyArchive]:
    """The ended runs of ``campaign``'s ceremony, oldest first."""
    return list(session.scalars(
        select(CeremonyArchive).where(CeremonyArchive.campaign_id == campaign.id).order_by(CeremonyArchive.id)
    ))


def archive_file(session: Session, campaign: Campaign, archive_id: int, kind: str) -> tuple[bytes, str]:
    """One file of an ended run of ``campaign`` (``kind`` ``"ceremony"`` or ``"board"``) and its
    download name; refuses another campaign's archive."""
    archive = session.get(CeremonyArchive, archive_id)
    if archive is None or archive.campaign_id != campaign.id or kind not in ("ceremony", "board"):
        raise CeremonyError("There is no such archived ceremony run.")
    data = archive.package if kind == "ceremony" else archive.board
    return data.encode("utf-8"), f"{kind}-{campaign.slug}-ended-run-{archive.id}.json"


def step_of(campaign: Campaign, board: Board, trustee: Trustee) -> Step:
    """One trustee's place in the ceremony."""
    if any(c.accused_seat == trustee.seat for c in board.open_complaints):
        return Step.ACCUSED
    if any(c.accused_seat == trustee.seat for c in board.complaints):
        return Step.ANSWERED
    if any(c.complainant_seat == trustee.seat for c in board.complaints):
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
    if campaign.approved_at is None:
        raise CeremonyError("A site admin must approve this campaign before it is frozen: submit it for review.")
    if not campaign.conditions:
        raise CeremonyError("Add at least one condition before freezing.")
    seated = [trustee for trustee in campaign.trustees if trustee.has_keys]
    if len(seated) != campaign.trustee_count:
        missing = campaign.trustee_count - len(seated)
        raise CeremonyError(
            f"{missing} of {count(campaign.trustee_count, 'trustee')} {'has' if missing == 1 else 'have'} not "
            "registered their keys yet."
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
    campaign.ceremony_deadline = now + timedelta(days=campaign.ceremony_days)
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


def _board_doc(campaign: Campaign, board: Board) -> dict:
    filed: list[str] = []
    for complaint in board.complaints:  # one file may accuse several dealers: list it once
        if complaint.body not in filed:
            filed.append(complaint.body)
    return files.board_doc(frozen_ctx(campaign), board.deals, [json.loads(body) for body in filed],
                           [json.loads(answer.body) for answer in board.answers])


def board_file(session: Session, campaign: Campaign) -> bytes:
    """The file every trustee downloads to run ``pledge-trustee finish`` (and, after a complaint,
    ``answer`` and ``adjudicate``): every deal, and the complaints and answers as filed."""
    board = load_board(session, campaign)
    if len(board.deals) != campaign.trustee_count:
        raise CeremonyError("The board is complete only when every trustee has uploaded a deal.")
    return canonical_json(_board_doc(campaign, board)) + b"\n"


# --- uploads ---------------------------------------------------------------------------------


def parse_upload(data: bytes, kinds: set[str], limit: int = MAX_UPLOAD_BYTES):
    """Parse an uploaded trustee file of one of ``kinds``, strictly, with a clear refusal."""
    if len(data) > limit:
        raise CeremonyError("That file is too large to be a ceremony file.")
    try:
        return files.parse_document(data, "the uploaded file", kinds)
    except Refusal as error:
        raise CeremonyError(str(error)) from None


HALTED = ("The ceremony is halted by a complaint until the accused trustee answers it; the answer decides who "
          "is at fault, and the ceremony then restarts.")


def _require_frozen(campaign: Campaign) -> None:
    if campaign.state != CampaignState.CEREMONY or campaign.manifest is None:
        raise CeremonyError("This campaign is not in its key ceremony.")


def _require_active(campaign: Campaign, board: Board) -> None:
    _require_frozen(campaign)
    if board.halted:
        raise CeremonyError(HALTED)


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
    """Post a transcript signature or a complaint; returns ``"signed"`` or ``"complaint"``.

    Complaints are taken while the ceremony is halted by another one (each trustee may accuse
    each dealer once); transcript signatures are not."""
    board = load_board(session, campaign)
    _require_frozen(campaign)
    if len(board.deals) != campaign.trustee_count:
        raise CeremonyError("Wait until every trustee has posted a deal.")
    if trustee.seat in board.signatures:
        raise CeremonyError("Your transcript signature is already on the board.")
    doc = parse_upload(data, {"transcript-signature", "complaint"})
    if doc.data.get("kind") == "complaint":
        _post_complaint(session, campaign, board, trustee, doc, now)
        return "complaint"
    if board.halted:
        raise CeremonyError(HALTED)
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


def public_reason_refusal(reason: str, accused: int) -> str:
    """Why a complaint naming a check the server makes in public is refused."""
    return (f"A complaint for “{reason.replace('-', ' ')}” is refused: the server checks that in public before it "
            f"posts a deal, and trustee {accused}'s deal passed. Only a share that does not decrypt, has the wrong "
            "context, is malformed or fails the Feldman check can be complained about. If your tool reports this "
            "for the board this server served, the server is misbehaving: tell the organizer.")


def _post_complaint(session: Session, campaign: Campaign, board: Board, trustee: Trustee, doc, now: datetime) -> None:
    try:
        ctx, index, accusations = files.parse_complaint(doc)
    except Refusal as error:
        raise CeremonyError(str(error)) from None
    if ctx != campaign.ctx or index != trustee.seat:
        raise CeremonyError("This complaint is not yours for this ceremony (ctx or trustee index differ).")
    filed = {(c.complainant_seat, c.accused_seat) for c in board.complaints}
    for accusation in accusations:
        if not 1 <= accusation.accused <= campaign.trustee_count:
            raise CeremonyError(f"There is no trustee {accusation.accused} to accuse.")
        if accusation.accused == index:
            raise CeremonyError("A trustee cannot complain against itself.")
        if accusation.reason not in PRIVATE_REASONS:
            raise CeremonyError(public_reason_refusal(accusation.reason, accusation.accused))
        if (index, accusation.accused) in filed:
            raise CeremonyError(f"You already filed a complaint against trustee {accusation.accused}: "
                                "a trustee complains at most once against each dealer.")
        try:
            verify(registered_ed25519(trustee),
                   complaint_message(ctx, index, accusation.accused, accusation.reason), accusation.signature)
        except CryptoError:
            raise CeremonyError("The complaint's signature does not verify under your registered Ed25519 key.") from None
    due = max(present(campaign.ceremony_deadline, "the frozen campaign's ceremony deadline"), now + ANSWER_TIME)
    for accusation in accusations:
        session.add(CeremonyComplaint(
            campaign_id=campaign.id, complainant_seat=index, accused_seat=accusation.accused,
            reason=accusation.reason, body=canonical_json(doc.data).decode("utf-8"), filed_at=now,
            answer_due_at=due,
        ))
    session.flush()


# --- answers and verdicts ---------------------------------------------------------------------


def _seat(campaign: Campaign, seat: int) -> Trustee:
    return next(t for t in campaign.trustees if t.seat == seat)


def submit_answer(session: Session, campaign: Campaign, trustee: Trustee, data: bytes,
                  now: datetime) -> Restart | None:
    """Check an accused dealer's ``complaint-answer`` file (signature and proof of every answer),
    store it with the verdicts, and restart the ceremony once every complaint has its verdict.

    An answer that does not verify is refused with the reason, and nothing is stored. Returns the
    restart when this answer gave the last verdict, else ``None``."""
    board = load_board(session, campaign)
    _require_frozen(campaign)
    mine = {c.complainant_seat: c for c in board.open_complaints if c.accused_seat == trustee.seat}
    if not mine:
        raise CeremonyError("There is no complaint against you waiting for an answer.")
    doc = parse_upload(data, {"complaint-answer"})
    try:
        ctx, dealer, answers = files.parse_answer(doc)
    except Refusal as error:
        raise CeremonyError(str(error)) from None
    if ctx != campaign.ctx:
        raise CeremonyError("This answer was made for another ceremony (its ctx does not match this campaign's manifest).")
    if dealer != trustee.seat:
        raise CeremonyError(f"This answer is trustee {dealer}'s; you are trustee {trustee.seat}.")
    verdicts = []
    for signed in answers:
        complaint = mine.get(signed.complainant)
        if complaint is None:
            raise CeremonyError(f"Trustee {signed.complainant} has no complaint against you waiting for an answer.")
        answer = signed.answer
        try:
            verify(registered_ed25519(trustee),
                   complaint_answer_message(ctx, dealer, signed.complainant, answer.shared_point, answer.a1,
                                            answer.a2, answer.z),
                   signed.signature)
        except CryptoError:
            raise CeremonyError("The answer's signature does not verify under your registered Ed25519 key. "
                                "Nothing was stored.") from None
        complainant = _seat(campaign, signed.complainant)
        try:
            verdict = complaint_checks.adjudicate(
                ctx, campaign.trustee_quorum, campaign.trustee_count, board.deals[dealer], signed.complainant,
                present(trustee.x25519_public, "the dealer's X25519 key"),
                present(complainant.x25519_public, "the complainant's X25519 key"), answer)
        except InvalidAnswer as error:
            raise CeremonyError(f"The answer to trustee {signed.complainant}'s complaint was refused: {error.reason}. "
                                "Nothing was stored.") from None
        except CryptoError as error:
            raise CeremonyError(f"The answer was refused: {error}. Nothing was stored.") from None
        verdicts.append((complaint, verdict))
    session.add(CeremonyAnswer(campaign_id=campaign.id, dealer_seat=dealer,
                               body=canonical_json(doc.data).decode("utf-8"), received_at=now))
    for complaint, verdict in verdicts:
        complaint.at_fault_seat = verdict.at_fault
        complaint.verdict = verdict.reason
        complaint.decided_at = now
    session.flush()
    board = load_board(session, campaign)
    if board.open_complaints:
        return None
    return _restart(session, campaign, board, _at_fault(campaign, board), verdict_outcome(campaign, board), now)


def _at_fault(campaign: Campaign, board: Board) -> dict[int, str]:
    """The seats the decided complaints put at fault, each with why."""
    out: dict[int, str] = {}
    for complaint in board.complaints:
        if complaint.decided:
            seat = present(complaint.at_fault_seat, "a decided complaint's seat at fault")
            lied = ("dealt a bad share to trustee " + str(complaint.complainant_seat)
                    if seat == complaint.accused_seat
                    else "filed a false complaint against trustee " + str(complaint.accused_seat))
            out.setdefault(seat, lied)
    return out


def verdict_outcome(campaign: Campaign, board: Board) -> str:
    """The verdicts of a board, one line each, as the pages and e-mails say them."""
    names = campaign.trustee_names
    lines = []
    for c in board.complaints:
        if c.decided:
            lines.append(f"Trustee {c.complainant_seat} ({names.get(c.complainant_seat)}) complained against trustee "
                         f"{c.accused_seat} ({names.get(c.accused_seat)}): {c.reason.replace('-', ' ')}. Verdict: "
                         f"{c.verdict}; trustee {c.at_fault_seat} ({names.get(present(c.at_fault_seat, 'seat'))}) "
                         "is at fault.")
    return "\n".join(lines)


# --- the ceremony deadline ------------------------------------------------------------------


def overdue(campaign: Campaign, board: Board, now: datetime) -> dict[int, str]:
    """The trustees the organizer may replace now, each with why: past the ceremony deadline,
    whoever has not done their current step; while a complaint waits, the accused once its
    answer is due."""
    if campaign.state != CampaignState.CEREMONY or campaign.manifest is None:
        return {}
    out: dict[int, str] = {}
    if board.halted:
        for c in board.open_complaints:
            if now >= c.answer_due_at:
                out.setdefault(c.accused_seat, f"did not answer trustee {c.complainant_seat}'s complaint by "
                                               f"{c.answer_due_at:%Y-%m-%d %H:%M UTC}")
        return out
    deadline = campaign.ceremony_deadline
    if deadline is None or now < deadline:
        return {}
    if len(board.deals) < campaign.trustee_count:
        for t in campaign.trustees:
            if t.seat not in board.deals:
                out[t.seat] = f"posted no deal by the ceremony deadline ({deadline:%Y-%m-%d %H:%M UTC})"
    else:
        for t in campaign.trustees:
            if t.seat not in board.signatures:
                out[t.seat] = ("neither signed the transcript nor filed a complaint by the ceremony deadline "
                               f"({deadline:%Y-%m-%d %H:%M UTC})")
    return out


def replace_trustee(session: Session, campaign: Campaign, seat: int, now: datetime) -> Restart:
    """The organizer replaces a trustee who has not acted in time (:func:`overdue`): the same
    restart as after a verdict. Anyone a verdict already put at fault loses their seat too."""
    board = load_board(session, campaign)
    _require_frozen(campaign)
    if not any(t.seat == seat for t in campaign.trustees):
        raise CeremonyError(f"There is no trustee {seat}.")
    late = overdue(campaign, board, now)
    if seat not in late:
        raise CeremonyError(not_replaceable(campaign, board, seat))
    removing = {**_at_fault(campaign, board), seat: late[seat]}
    name = campaign.trustee_names[seat]
    outcome = "\n".join(filter(None, [
        verdict_outcome(campaign, board),
        f"The organizer replaced trustee {seat} ({name}), who {late[seat]}.",
    ]))
    return _restart(session, campaign, board, removing, outcome, now)


def not_replaceable(campaign: Campaign, board: Board, seat: int) -> str:
    """Why the organizer may not replace trustee ``seat`` now (when :func:`overdue` omits it)."""
    if campaign.state != CampaignState.CEREMONY or campaign.manifest is None:
        return "Only a trustee of a campaign frozen for its key ceremony can be replaced this way."
    pending = [c for c in board.open_complaints if c.accused_seat == seat]
    if pending:
        due = max(c.answer_due_at for c in pending)
        return (f"Trustee {seat} may answer the complaint against them until {due:%Y-%m-%d %H:%M UTC}; "
                "only after that can you replace them.")
    if board.halted:
        return (f"Trustee {seat} has nothing to do while the ceremony waits for an answer to a complaint: "
                "only an accused trustee who does not answer in time can be replaced.")
    deadline = present(campaign.ceremony_deadline, "the frozen campaign's ceremony deadline")
    return (f"Trustee {seat} has done their current step, or still has until the ceremony deadline "
            f"({deadline:%Y-%m-%d %H:%M UTC}) to do it: you can replace a trustee only after it, and only one "
            "who has not acted.")


# --- restart and launch ---------------------------------------------------------------------


def _restart(session: Session, campaign: Campaign, board: Board, removing: dict[int, str], outcome: str,
             now: datetime) -> Restart:
    """Archive the board, clear it, free the seats in ``removing`` and unfreeze the campaign:
    the organizer invites replacements and freezes again; every trustee then deals again."""
    archive = CeremonyArchive(
        campaign_id=campaign.id, ctx=frozen_ctx(campaign), package=ceremony_package(campaign).decode("utf-8"),
        board=(canonical_json(_board_doc(campaign, board)) + b"\n").decode("utf-8"), outcome=outcome, ended_at=now,
    )
    session.add(archive)
    for model in (CeremonyDeal, TranscriptSignature, CeremonyComplaint, CeremonyAnswer):
        session.execute(delete(model).where(model.campaign_id == campaign.id))
    removed = []
    for seat, why in sorted(removing.items()):
        trustee = _seat(campaign, seat)
        removed.append(Removed(seat, trustee.name, trustee.email, why))
        campaign.trustees.remove(trustee)
    campaign.manifest = None
    campaign.ctx = None
    campaign.ceremony_deadline = None
    session.flush()
    return Restart(removed, archive)


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
