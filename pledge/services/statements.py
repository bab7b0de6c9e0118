"""Revealed signers' signed statements ("I am withholding my work", "I have stopped"), and what
the published log says of them (docs/signing-api.md, docs/protocol.md §14).

A statement is signed with the entry's withdrawal key (the receipt's ``withdrawal_secret``). The
server checks it, stores it pending, and the next batch publishes it as a statement leaf, in
acceptance order, before the batch's events. The counts shown anywhere come from published leaves
only, so they equal what anyone derives from the record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crypto import log_leaves
from crypto.errors import CryptoError
from pledge.models import (
    Campaign,
    CampaignState,
    ConditionJudgement,
    Entry,
    Lab,
    LogLeaf,
    PendingEvent,
    RevealRound,
    Statement,
    TreeHead,
)
from pledge.services.campaigns import public_campaign
from pledge.services.errors import ServiceError
from pledge.services.schema import exact_object, hex_field

#: Campaign states after which nothing more may be stated (the log takes no statement then).
FINAL_STATES = (CampaignState.EXPIRED, CampaignState.TAKEN_DOWN)

#: HTTP status of each refusal (docs/signing-api.md).
STATUS = {"bad_request": 400, "bad_signature": 400, "not_found": 404, "not_revealed": 409, "stale_seq": 409,
          "same_stance": 409, "ended": 409}


class StatementError(ServiceError):
    """A statement refused: nothing is stored."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)

    @property
    def status(self) -> int:
        return STATUS.get(self.code, 400)


@dataclass(frozen=True)
class StanceStatus:
    """What GET .../statements/<nullifier> answers."""

    nullifier: bytes
    revealed: bool
    stance: str | None
    next_seq: int
    pending: bool
    # Also answered, for the receipt page's withdraw panel: whether a published round-frozen
    # event lists the entry, and whether the log holds the deadline event or the campaign ended.
    frozen: bool = False
    signing_ended: bool = False

    def doc(self) -> dict:
        return {"nullifier": self.nullifier.hex(), "revealed": self.revealed, "stance": self.stance,
                "next_seq": self.next_seq, "pending": self.pending, "frozen": self.frozen,
                "signing_ended": self.signing_ended}


def revealed_rounds_published(session: Session, campaign: Campaign) -> set[int]:
    """The rounds whose ``round-revealed`` event is in a published batch (not waiting for one)."""
    revealed = set(session.scalars(select(RevealRound.number).where(
        RevealRound.campaign_id == campaign.id, RevealRound.revealed_at.is_not(None))))
    for (leaf,) in session.execute(select(PendingEvent.leaf).where(PendingEvent.campaign_id == campaign.id)):
        parsed = log_leaves.parse_leaf(leaf)
        if isinstance(parsed, log_leaves.EventLeaf) and parsed.event == "round-revealed":
            revealed.discard(parsed.round)
    return revealed


def round_one_published(session: Session, campaign: Campaign) -> bool:
    """Whether round 1's reveal is in the published log (statements and judgements may follow)."""
    return 1 in revealed_rounds_published(session, campaign)


def _entry(session: Session, campaign: Campaign, nullifier: bytes) -> Entry:
    entry = session.scalar(select(Entry).where(Entry.campaign_id == campaign.id, Entry.nullifier == nullifier))
    if entry is None:
        raise StatementError("not_found", "No signature with this nullifier exists in this campaign.")
    return entry


def _history(session: Session, campaign: Campaign, nullifier: bytes) -> list[Statement]:
    return list(session.scalars(select(Statement).where(Statement.campaign_id == campaign.id,
                                                        Statement.nullifier == nullifier).order_by(Statement.seq)))


def _nullifier(value: str) -> bytes:
    try:
        return hex_field(value, "nullifier", 32)
    except ServiceError as error:
        raise StatementError("bad_request", error.message) from None


def status(session: Session, slug: str, nullifier_hex: str) -> StanceStatus:
    """The signer's current stance (pending statements included) and the ``seq`` to sign next."""
    campaign = public_campaign(session, slug, launched=True)
    nullifier = _nullifier(nullifier_hex)
    entry = _entry(session, campaign, nullifier)
    history = _history(session, campaign, nullifier)
    revealed = entry.revealed_round is not None and entry.revealed_round in revealed_rounds_published(session, campaign)
    return StanceStatus(nullifier, revealed, history[-1].stance if history else None, len(history),
                        any(row.leaf_index is None for row in history), frozen=entry.frozen_round is not None,
                        signing_ended=campaign.signing_ended_batch is not None or campaign.has_ended)


def accept(session: Session, slug: str, read_body: Callable[[], object]) -> Statement:
    """Check a signed statement and store it pending (published with the next batch)."""
    campaign = public_campaign(session, slug, launched=True)
    fields = exact_object(read_body(), {"nullifier", "seq", "stance", "signature"},
                          "Send exactly the nullifier, seq, stance and signature.").data
    nullifier = hex_field(fields["nullifier"], "nullifier", 32)
    signature = hex_field(fields["signature"], "signature", 64)
    seq, stance = fields["seq"], fields["stance"]
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq < 2**32:
        raise StatementError("bad_request", "seq must be a whole number from 0.")
    if stance not in log_leaves.STANCES:
        raise StatementError("bad_request", 'stance must be "withholding" or "stopped".')
    entry = _entry(session, campaign, nullifier)
    leaf = log_leaves.StatementLeaf(nullifier, seq, stance, signature)
    try:
        log_leaves.verify_statement(entry.withdrawal_key, leaf)
    except CryptoError:
        raise StatementError("bad_signature",
                             "The statement is not signed by this signature's withdrawal key.") from None
    if campaign.state in FINAL_STATES:
        raise StatementError("ended", "This campaign has ended: it takes no more statements.")
    if entry.revealed_round is None or entry.revealed_round not in revealed_rounds_published(session, campaign):
        raise StatementError("not_revealed", "This signature is not revealed yet: a statement can be made once it is.")
    history = _history(session, campaign, nullifier)
    if seq != len(history):
        raise StatementError("stale_seq", f"This statement is numbered {seq}, but the next one is {len(history)}: "
                                          "fetch the current stance and sign again.")
    current = history[-1].stance if history else "stopped"
    if stance == current:
        raise StatementError("same_stance", "You are already withholding your work." if stance == "withholding"
                             else "You are not withholding your work: there is nothing to stop.")
    row = Statement(campaign_id=campaign.id, nullifier=nullifier, seq=seq, stance=stance, signature=signature)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise StatementError("stale_seq", "Another statement with this number arrived first: "
                                          "fetch the current stance and sign again.") from None
    return row


# --- publication ------------------------------------------------------------------------------


def still_publishable(session: Session, campaign: Campaign) -> bool:
    """Whether the next batch may carry judgements and statements: never after an expiry, and
    after a takedown only in the batch that carries its event, before it (docs/protocol.md §8)."""
    if campaign.state == CampaignState.EXPIRED:
        return False
    if campaign.state != CampaignState.TAKEN_DOWN:
        return True
    for (leaf,) in session.execute(select(PendingEvent.leaf).where(PendingEvent.campaign_id == campaign.id)):
        parsed = log_leaves.parse_leaf(leaf)
        if isinstance(parsed, log_leaves.EventLeaf) and parsed.event == "taken-down":
            return True
    return False


def pending_statements(session: Session, campaign: Campaign) -> list[Statement]:
    """Statements waiting for a batch, in acceptance order (published only while the campaign may
    take them)."""
    if not still_publishable(session, campaign):
        return []
    return list(session.scalars(select(Statement).where(Statement.campaign_id == campaign.id,
                                                        Statement.leaf_index.is_(None)).order_by(Statement.id)))


def statement_leaf(row: Statement) -> bytes:
    """The statement leaf a row is published as."""
    return log_leaves.encode_leaf(log_leaves.StatementLeaf(row.nullifier, row.seq, row.stance, row.signature))


# --- what the published log says ----------------------------------------------------------------


def published_leaves(session: Session, campaign: Campaign) -> list[tuple[int, int, log_leaves.Leaf]]:
    """Every published statement and condition leaf, as ``(index, batch, leaf)`` in log order, up
    to the latest head: the leaves themselves, found through the rows they were published from
    (so a page view reads only these, not the whole log)."""
    size = session.scalar(select(func.max(TreeHead.size)).where(TreeHead.campaign_id == campaign.id)) or 0
    mine = select(Statement.leaf_index).where(Statement.campaign_id == campaign.id, Statement.leaf_index.is_not(None)) \
        .union_all(select(ConditionJudgement.leaf_index).where(ConditionJudgement.campaign_id == campaign.id,
                                                                ConditionJudgement.leaf_index.is_not(None)))
    rows = session.execute(select(LogLeaf.leaf_index, LogLeaf.batch, LogLeaf.leaf).where(
        LogLeaf.campaign_id == campaign.id, LogLeaf.leaf_index < size, LogLeaf.leaf_index.in_(mine))
        .order_by(LogLeaf.leaf_index))
    out: list[tuple[int, int, log_leaves.Leaf]] = []
    for index, batch, data in rows:
        leaf = log_leaves.parse_leaf(data)
        if isinstance(leaf, log_leaves.StatementLeaf | log_leaves.ConditionLeaf):
            out.append((index, batch, leaf))
    return out


def withholding_by_batch(session: Session, campaign: Campaign) -> list[tuple[int, dict[str, int]]]:
    """After each batch holding statements, the number of revealed signers withholding per lab
    slug (published statements only): ``[(batch, {slug: count})]`` in batch order."""
    labs = _labs_by_nullifier(session, campaign)
    stances: dict[bytes, str] = {}
    out: list[tuple[int, dict[str, int]]] = []
    for _index, batch, leaf in published_leaves(session, campaign):
        if not isinstance(leaf, log_leaves.StatementLeaf):
            continue
        stances[leaf.nullifier] = leaf.stance
        counts = dict(Counter(labs[n] for n, stance in stances.items() if stance == "withholding" and n in labs))
        if out and out[-1][0] == batch:
            out[-1] = (batch, counts)
        else:
            out.append((batch, counts))
    return out


def withholding_now(session: Session, campaign: Campaign) -> dict[str, int]:
    """Per lab slug, the revealed signers whose latest published statement is "withholding"."""
    history = withholding_by_batch(session, campaign)
    return history[-1][1] if history else {}


def _labs_by_nullifier(session: Session, campaign: Campaign) -> dict[bytes, str]:
    """The lab slug of every revealed entry (its lab is public once revealed)."""
    rows = session.execute(select(Entry.nullifier, Lab.slug).join(Lab, Lab.id == Entry.lab_id).where(
        Entry.campaign_id == campaign.id, Entry.revealed_round.is_not(None)))
    return {row.nullifier: row.slug for row in rows}
