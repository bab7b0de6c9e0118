"""Batch publication and the lifecycle events it decides (docs/protocol.md §7, §8).

Once per batch interval, each launched campaign's pending entries and withdrawals are appended to
its log in a random order, then (once round 1's reveal is in an earlier batch) the organizer's
condition judgements and the revealed signers' statements in the order they were accepted, then
the lifecycle events the batch decides, and a tree head is signed.
The events follow :mod:`crypto.lifecycle` exactly (the tests replay every published log through it):

- ``round-frozen`` round 1 in the first batch before the deadline where the rule holds over the
  live entries and some lab has ``k`` of them (:func:`crypto.rounds.round_one_due`); it lists,
  per lab, every live entry if the lab has at least ``k``, else none. Entries it does not list
  are *waiting*: still withdrawable until the deadline event;
- in the first batch whose head timestamp is at or after the deadline, exactly one deadline
  event: ``expired`` (round 1 never froze: the ciphertexts and issuance records are deleted),
  ``round-frozen`` round 2 (per lab, the live entries no round lists yet, if at least ``k``), or
  ``signing-ended``;
- the events decided between batches (:class:`~pledge.models.PendingEvent`: a round revealed at
  an upload, a share destroyed), in the order they were decided;
- ``round-abandoned`` for a round not revealed within the reveal window of its freeze (its
  ciphertexts and openings are deleted unread);
- ``closed`` once the deadline event is out and every round is revealed or abandoned: every entry
  never revealed loses its ciphertext and its opening;
- ``share-destroyed`` events, once the campaign is expired or closed.

At an expiry the openings are kept (sealed) until every trustee confirmed destroying their share
or the reveal window has passed since the expiry, whichever is first
(:func:`destroy_expired_openings`): the trustees check the expiry against them.

The public total (``Campaign.published_total``) is republished with each batch while signatures
are taken; the per-lab counts only until round 1 freezes, then they stay as of the freeze.

Head timestamps strictly increase: ``max(coarsened now, previous + 1)``. After the deadline event a
batch carries only events, and is published only while something waits for one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from crypto import log_leaves, merkle, rounds
from pledge.database import changed_rows
from pledge.models import (
    SIGNING_STATES,
    Campaign,
    CampaignState,
    DestroyConfirmation,
    Entry,
    Lab,
    LogLeaf,
    PendingEvent,
    RevealRound,
    TokenIssuance,
    TreeHead,
    present,
)
from pledge.models.campaign import ENDED_STATES
from pledge.services import outcomes, statements
from pledge.services.keys import log_signing_key
from pledge.services.log import latest_head, leaf_hashes

#: States of a launched campaign: its log may still grow (events after the deadline included).
LAUNCHED_STATES = (*SIGNING_STATES, CampaignState.CLOSED, CampaignState.EXPIRED, CampaignState.TAKEN_DOWN)


@dataclass(frozen=True)
class Published:
    """One batch: how many leaves it appended, the head's timestamp, the events it holds in log
    order, and the round it froze (if any)."""

    campaign: Campaign
    batch: int
    entries: int
    withdrawals: int
    round_frozen: RevealRound | None
    timestamp: int = 0
    events: tuple[str, ...] = field(default=())
    # The rounds this batch abandoned, with how many entries each had sealed (now deleted).
    abandoned: tuple[tuple[RevealRound, int], ...] = field(default=())

    @property
    def expired(self) -> bool:
        return "expired" in self.events

    @property
    def closed(self) -> bool:
        return "closed" in self.events

    @property
    def taken_down(self) -> bool:
        return "taken-down" in self.events


def _coarse(now: datetime, interval: int) -> int:
    seconds = int(now.timestamp())
    return seconds - seconds % interval


def next_timestamp(head: TreeHead | None, now: datetime, interval: int) -> int:
    """The timestamp the next head gets: the batch time, and always later than the last head."""
    coarse = _coarse(now, interval)
    return coarse if head is None else max(coarse, head.timestamp + 1)


def _deadline_seconds(campaign: Campaign) -> int:
    return int(campaign.deadline.timestamp())


def publishable(session: Session, campaign: Campaign, now: datetime) -> bool:
    """Whether a batch may be published now at all: the campaign is launched, and the batch would
    not carry the deadline event before the deadline (a head timestamp runs ahead of the clock
    by a second when two batches share a window)."""
    if campaign.launched_at is None or campaign.state not in LAUNCHED_STATES:
        return False
    if campaign.signing_ended_batch is not None:
        return True
    timestamp = next_timestamp(latest_head(session, campaign), now, campaign.batch_interval_seconds)
    return not (timestamp >= _deadline_seconds(campaign) and now < campaign.deadline)


def batch_due(session: Session, campaign: Campaign, now: datetime) -> bool:
    """A campaign publishes once per interval, at interval boundaries, while it takes signatures
    (the batch that covers the deadline carries the deadline event); after that, at the first tick
    that finds an event due."""
    if not publishable(session, campaign, now):
        return False
    head = latest_head(session, campaign)
    if campaign.signing_ended_batch is None and campaign.state in SIGNING_STATES:
        boundary = _coarse(now, campaign.batch_interval_seconds)
        return boundary > (head.timestamp if head is not None
                           else int(present(campaign.launched_at, "launch time").timestamp()))
    # After the deadline event no entry can come, so a batch off the schedule tells nothing about
    # when anyone signed: an event is published by the first tick that finds it due.
    return events_waiting(session, campaign, next_timestamp(head, now, campaign.batch_interval_seconds))


def events_waiting(session: Session, campaign: Campaign, timestamp: int) -> bool:
    """Whether a batch at ``timestamp`` would append an event after the deadline event."""
    if session.scalar(select(func.count()).select_from(PendingEvent).where(PendingEvent.campaign_id == campaign.id)):
        return True
    if after_reveal_waiting(session, campaign, timestamp):
        return True
    if campaign.state in ENDED_STATES:
        return False
    return bool(_abandon_due(session, campaign, timestamp, batch=None)) or _all_rounds_ended(session, campaign)


def _pending(session: Session, campaign: Campaign) -> tuple[list[Entry], list[Entry]]:
    entries = list(session.scalars(select(Entry).where(Entry.campaign_id == campaign.id, Entry.leaf_index.is_(None))))
    withdrawals = list(session.scalars(select(Entry).where(
        Entry.campaign_id == campaign.id, Entry.withdrawal_signature.is_not(None), Entry.withdrawal_index.is_(None))))
    return entries, withdrawals


class _Batch:
    """The leaves a batch appends, as it appends them."""

    def __init__(self, session: Session, campaign: Campaign, number: int, timestamp: int) -> None:
        self.session, self.campaign, self.number, self.timestamp = session, campaign, number, timestamp
        self.tree = merkle.MerkleTree(leaf_hashes(session, campaign))
        self.events: list[str] = []

    def append(self, leaf: bytes) -> int:
        digest = merkle.leaf_hash(leaf)
        index = self.tree.append(digest)
        self.session.add(LogLeaf(campaign_id=self.campaign.id, leaf_index=index, leaf=leaf, leaf_hash=digest,
                                 batch=self.number))
        return index

    def event(self, event: log_leaves.EventLeaf) -> int:
        self.events.append(event.event)
        return self.append(log_leaves.encode_leaf(event))


def publish_batch(session: Session, campaign: Campaign, now: datetime, log_key_secret: bytes) -> Published:
    """Append pending leaves in a random order, then the events this batch decides; sign the new
    head; republish the counts while the campaign takes signatures and round 1 has not frozen."""
    head = latest_head(session, campaign)
    number = (head.batch + 1) if head else 1
    timestamp = next_timestamp(head, now, campaign.batch_interval_seconds)
    batch = _Batch(session, campaign, number, timestamp)
    signing = campaign.signing_ended_batch is None and campaign.state in SIGNING_STATES
    # A takedown's batch first publishes the signatures and withdrawals accepted before it.
    taking_down = campaign.signing_ended_batch is None and campaign.state == CampaignState.TAKEN_DOWN
    entries, withdrawals = _pending(session, campaign) if signing or taking_down else ([], [])
    # An entry and its withdrawal may arrive in the same batch: the entry must come first.
    order = list(entries)
    secrets.SystemRandom().shuffle(order)
    later = list(withdrawals)
    secrets.SystemRandom().shuffle(later)
    for entry in order:
        entry.leaf_index = batch.append(entry.leaf)
    for entry in later:
        entry.withdrawal_index = batch.append(log_leaves.encode_leaf(log_leaves.WithdrawalLeaf(
            entry.nullifier, present(entry.withdrawal_signature, "a withdrawal's signature"))))
    _append_after_reveal(batch)
    session.flush()
    round_ = None
    if signing:
        _republish_counts(session, campaign, now)
        round_ = _freeze_first_round(batch, now) if timestamp < _deadline_seconds(campaign) else _deadline_event(batch, now)
    _append_pending(batch, lambda leaf: leaf.event != "share-destroyed")
    if taking_down and "taken-down" in batch.events:
        campaign.signing_ended_batch = number  # the event is the deadline event when none came before
    abandoned = tuple((late, _abandon(batch, late, now)) for late in _abandon_due(session, campaign, timestamp, batch=number))
    if campaign.state not in ENDED_STATES and campaign.signing_ended_batch is not None \
            and _all_rounds_ended(session, campaign):
        batch.event(log_leaves.EventLeaf("closed"))
        campaign.state = CampaignState.CLOSED
        session.execute(delete(TokenIssuance).where(TokenIssuance.campaign_id == campaign.id))
        _destroy_unrevealed(session, campaign, openings=True)
    if campaign.state in ENDED_STATES:
        _append_pending(batch, lambda leaf: leaf.event == "share-destroyed")
    log_id = campaign.public_id.encode("ascii")
    root = batch.tree.root()
    signature = merkle.sign_tree_head(bytes(log_signing_key(campaign, log_key_secret)), log_id, batch.tree.size,
                                      timestamp, root)
    session.add(TreeHead(campaign_id=campaign.id, batch=number, size=batch.tree.size, timestamp=timestamp, root=root,
                         signature=signature))
    if round_ is not None:
        round_.size = batch.tree.size
    session.flush()
    return Published(campaign, number, len(entries), len(withdrawals), round_, timestamp, tuple(batch.events), abandoned)


def _republish_counts(session: Session, campaign: Campaign, now: datetime) -> None:
    """The public total always; the per-lab counts only until round 1 froze (then they stay as of
    the freeze: after it, a lab's count moving would tell which lab a new entry is from)."""
    counted = dict(session.execute(
        select(Entry.lab_id, func.count()).where(
            Entry.campaign_id == campaign.id, Entry.leaf_index.is_not(None), Entry.withdrawal_index.is_(None))
        .group_by(Entry.lab_id)
    ).all())
    campaign.published_total = sum(counted.values())
    if campaign.threshold_met_at is None:
        for link in campaign.lab_links:
            link.published_count = counted.get(link.lab_id, 0)
    campaign.counts_published_at = now.replace(microsecond=0)
    session.flush()


def _rule(campaign: Campaign) -> rounds.Rule:
    return rounds.Rule(campaign.min_total, campaign.min_per_lab, campaign.min_labs)


def live_by_lab(session: Session, campaign: Campaign, *, unlisted: bool) -> dict[str, list[int]]:
    """The published entries not withdrawn, as leaf indices by lab slug (from the server's own
    record of each entry's lab, never from the log); with ``unlisted``, only those no round lists
    yet (the deadline round's candidates)."""
    query = select(Lab.slug, Entry.leaf_index).join(Lab, Lab.id == Entry.lab_id).where(
        Entry.campaign_id == campaign.id, Entry.leaf_index.is_not(None), Entry.withdrawal_index.is_(None))
    if unlisted:
        query = query.where(Entry.frozen_round.is_(None))
    live: dict[str, list[int]] = {}
    for slug, index in session.execute(query.order_by(Entry.leaf_index)):
        live.setdefault(slug, []).append(present(index, "a published entry's index"))
    return live


def _listed(session: Session, campaign: Campaign, indices: list[int]) -> list[Entry]:
    if not indices:
        return []
    return list(session.scalars(select(Entry).where(Entry.campaign_id == campaign.id, Entry.leaf_index.in_(indices))
                                .order_by(Entry.leaf_index)))


def _freeze(batch: _Batch, number: int, listed: list[Entry], now: datetime) -> RevealRound:
    indices = tuple(present(entry.leaf_index, "a published entry's index") for entry in listed)
    batch.event(log_leaves.EventLeaf("round-frozen", round=number, leaves=indices))
    for entry in listed:
        entry.frozen_round = number
    round_ = RevealRound(campaign_id=batch.campaign.id, number=number, batch=batch.number, size=batch.tree.size,
                         frozen_at=now)
    batch.session.add(round_)
    return round_


def _freeze_first_round(batch: _Batch, now: datetime) -> RevealRound | None:
    """Round 1 freezes in the first batch before the deadline where it is due over the live
    entries; it lists, per lab, all or none (docs/protocol.md §8)."""
    campaign, session = batch.campaign, batch.session
    if campaign.threshold_met_at is not None:
        return None
    live = live_by_lab(session, campaign, unlisted=False)
    if not rounds.round_one_due(_rule(campaign), live, campaign.suppress_below):
        return None
    campaign.threshold_met_at = now
    return _freeze(batch, 1, _listed(session, campaign, rounds.select(live, campaign.suppress_below)), now)


def _deadline_event(batch: _Batch, now: datetime) -> RevealRound | None:
    """The one deadline event, in the first batch whose head timestamp is at or after the deadline."""
    campaign, session = batch.campaign, batch.session
    campaign.signing_ended_batch = batch.number
    if campaign.threshold_met_at is None:
        batch.event(log_leaves.EventLeaf("expired"))
        campaign.state = CampaignState.EXPIRED
        # Nothing is ever revealed: every ciphertext and issuance record goes. The openings stay
        # (sealed) until the trustees have checked the expiry (destroy_expired_openings).
        _destroy_unrevealed(session, campaign, openings=False)
        session.execute(delete(TokenIssuance).where(TokenIssuance.campaign_id == campaign.id))
        return None
    listed = rounds.select(live_by_lab(session, campaign, unlisted=True), campaign.suppress_below)
    if not listed:
        batch.event(log_leaves.EventLeaf("signing-ended"))
        return None
    last = session.scalar(select(func.max(RevealRound.number)).where(RevealRound.campaign_id == campaign.id)) or 0
    return _freeze(batch, last + 1, _listed(session, campaign, listed), now)


def _destroy_unrevealed(session: Session, campaign: Campaign, *, openings: bool) -> None:
    """Delete the ciphertext (and with ``openings``, the opening) of every entry never revealed."""
    values: dict[str, None] = {"ciphertext": None, "opening": None} if openings else {"ciphertext": None}
    session.execute(update(Entry).where(Entry.campaign_id == campaign.id, Entry.revealed_round.is_(None))
                    .values(**values))


def destroy_expired_openings(session: Session, campaign: Campaign, now: datetime) -> bool:
    """At an expired campaign, delete the openings kept for the trustees' check once every
    trustee confirmed destroying their share or the reveal window has passed since the expiry,
    whichever is first; whether any were deleted."""
    if campaign.state != CampaignState.EXPIRED or campaign.signing_ended_batch is None:
        return False
    kept = session.scalar(select(func.count()).select_from(Entry).where(
        Entry.campaign_id == campaign.id, Entry.opening.is_not(None)))
    if not kept:
        return False
    expiry = present(session.get(TreeHead, (campaign.id, campaign.signing_ended_batch)), "the expiry's head")
    confirmed = session.scalar(select(func.count()).select_from(DestroyConfirmation).where(
        DestroyConfirmation.campaign_id == campaign.id)) or 0
    if confirmed < len(campaign.trustees) and int(now.timestamp()) < expiry.timestamp + campaign.reveal_window_seconds:
        return False
    _destroy_unrevealed(session, campaign, openings=True)
    session.flush()
    return True


def _append_after_reveal(batch: _Batch) -> None:
    """Condition judgements, then statements, in the order they were accepted: after the batch's
    entries and withdrawals, before its events, once round 1's reveal is in an earlier batch."""
    session, campaign = batch.session, batch.campaign
    if not statements.round_one_published(session, campaign):
        return
    day = datetime.fromtimestamp(batch.timestamp, UTC).date()
    for judgement, leaf in outcomes.pending_judgements(session, campaign, day):
        judgement.leaf_index = batch.append(leaf)
    revealed = statements.revealed_rounds_published(session, campaign)
    rounds_of = {row.nullifier: row.revealed_round for row in session.execute(select(Entry.nullifier, Entry.revealed_round)
                 .where(Entry.campaign_id == campaign.id, Entry.revealed_round.is_not(None)))}
    for statement in statements.pending_statements(session, campaign):
        if rounds_of.get(statement.nullifier) in revealed:
            statement.leaf_index = batch.append(statements.statement_leaf(statement))


def after_reveal_waiting(session: Session, campaign: Campaign, timestamp: int) -> bool:
    """Whether a batch at ``timestamp`` would publish a judgement or a statement."""
    if not statements.round_one_published(session, campaign):
        return False
    day = datetime.fromtimestamp(timestamp, UTC).date()
    return bool(outcomes.pending_judgements(session, campaign, day) or statements.pending_statements(session, campaign))


def _append_pending(batch: _Batch, wanted) -> None:
    rows = batch.session.scalars(select(PendingEvent).where(PendingEvent.campaign_id == batch.campaign.id)
                                 .order_by(PendingEvent.id))
    for row in rows:
        leaf = log_leaves.parse_leaf(row.leaf)
        if isinstance(leaf, log_leaves.EventLeaf) and wanted(leaf):
            batch.event(leaf)
            batch.session.delete(row)
    batch.session.flush()


def _abandon_due(session: Session, campaign: Campaign, timestamp: int, batch: int | None) -> list[RevealRound]:
    """Rounds frozen in an earlier batch, neither revealed nor abandoned, whose reveal window ended
    by ``timestamp``."""
    due = []
    for round_ in session.scalars(select(RevealRound).where(
            RevealRound.campaign_id == campaign.id, RevealRound.revealed_at.is_(None),
            RevealRound.abandoned_at.is_(None)).order_by(RevealRound.number)):
        if batch is not None and round_.batch >= batch:
            continue
        frozen = present(session.get(TreeHead, (campaign.id, round_.batch)), f"round {round_.number}'s head")
        if timestamp >= frozen.timestamp + campaign.reveal_window_seconds:
            due.append(round_)
    return due


def _abandon(batch: _Batch, round_: RevealRound, now: datetime) -> int:
    """Give up a round nobody revealed in time: an event, and its ciphertexts and openings deleted
    unread; how many entries the round listed."""
    batch.event(log_leaves.EventLeaf("round-abandoned", round=round_.number))
    round_.abandoned_at = now
    return changed_rows(batch.session, update(Entry).where(
        Entry.campaign_id == batch.campaign.id, Entry.frozen_round == round_.number).values(ciphertext=None, opening=None))


def _all_rounds_ended(session: Session, campaign: Campaign) -> bool:
    """Whether the deadline event is out and every round is revealed (its event no longer
    waiting) or abandoned."""
    if campaign.signing_ended_batch is None or campaign.state in ENDED_STATES:
        return False
    rounds = session.scalars(select(RevealRound).where(RevealRound.campaign_id == campaign.id)).all()
    if any(r.revealed_at is None and r.abandoned_at is None for r in rounds):
        return False
    waiting = session.scalar(select(func.count()).select_from(PendingEvent).where(PendingEvent.campaign_id == campaign.id))
    return bool(rounds) and not waiting


def publish_due(session: Session, now: datetime, log_key_secret: bytes) -> list[Published]:
    """Publish a batch for every campaign that is due. Safe to run from several processes:
    the caller holds the write lock (SQLite ``BEGIN IMMEDIATE``) and due-ness is re-read."""
    done = []
    query = select(Campaign).where(Campaign.state.in_(LAUNCHED_STATES)).order_by(Campaign.id)
    for campaign in session.scalars(query):
        if batch_due(session, campaign, now):
            done.append(publish_batch(session, campaign, now, log_key_secret))
    return done


def destroy_due_openings(session: Session, now: datetime) -> list[Campaign]:
    """Run :func:`destroy_expired_openings` for every expired campaign; those whose openings went."""
    query = select(Campaign).where(Campaign.state == CampaignState.EXPIRED).order_by(Campaign.id)
    return [campaign for campaign in session.scalars(query) if destroy_expired_openings(session, campaign, now)]
