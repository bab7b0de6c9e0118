"""Batch publication and threshold detection, run by ``tick`` (DESIGN §2, §5).

At each batch interval, a campaign's pending entries and withdrawals are appended to its log in
a random order, a tree head is signed with a timestamp coarsened to the batch, and the per-lab
counts are republished. When the published counts first meet the rule before the deadline, the
head is frozen as reveal round 1.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crypto import log_leaves, merkle
from pledge.models import SIGNING_STATES, Campaign, CampaignState, Entry, LogLeaf, RevealRound, TokenIssuance, TreeHead, present
from pledge.services.keys import log_signing_key
from pledge.services.log import latest_head, leaf_hashes
from pledge.services.progress import campaign_progress


@dataclass(frozen=True)
class Published:
    """One batch: how many leaves it appended and whether it froze a round."""

    campaign: Campaign
    batch: int
    entries: int
    withdrawals: int
    round_frozen: RevealRound | None


def _coarse(now: datetime, interval: int) -> int:
    seconds = int(now.timestamp())
    return seconds - seconds % interval


def batch_due(session: Session, campaign: Campaign, now: datetime) -> bool:
    """A campaign publishes once per interval, at interval boundaries, while it accepts signatures
    (and once more after the deadline, to publish what came in before it)."""
    if campaign.state not in SIGNING_STATES or campaign.launched_at is None:
        return False
    head = latest_head(session, campaign)
    boundary = _coarse(now, campaign.batch_interval_seconds)
    if head is None:
        return boundary > int(campaign.launched_at.timestamp())
    return boundary > head.timestamp


def _pending(session: Session, campaign: Campaign) -> tuple[list[Entry], list[Entry]]:
    entries = list(session.scalars(select(Entry).where(Entry.campaign_id == campaign.id, Entry.leaf_index.is_(None))))
    withdrawals = list(session.scalars(select(Entry).where(
        Entry.campaign_id == campaign.id, Entry.withdrawal_signature.is_not(None), Entry.withdrawal_index.is_(None))))
    return entries, withdrawals


def publish_batch(session: Session, campaign: Campaign, now: datetime, log_key_secret: bytes) -> Published:
    """Append pending leaves in a random order, sign the new head, republish the counts."""
    entries, withdrawals = _pending(session, campaign)
    hashes = leaf_hashes(session, campaign)
    tree = merkle.MerkleTree(hashes)
    head = latest_head(session, campaign)
    batch = (head.batch + 1) if head else 1
    # An entry and its withdrawal may arrive in the same batch: the entry must come first.
    order = [("entry", e) for e in entries]
    secrets.SystemRandom().shuffle(order)
    later = [("withdrawal", e) for e in withdrawals]
    secrets.SystemRandom().shuffle(later)
    for kind, entry in order + later:
        if kind == "entry":
            leaf = entry.leaf
        else:
            leaf = log_leaves.encode_leaf(log_leaves.WithdrawalLeaf(
                entry.nullifier, present(entry.withdrawal_signature, "a withdrawal's signature")))
        index = tree.append(merkle.leaf_hash(leaf))
        session.add(LogLeaf(campaign_id=campaign.id, leaf_index=index, leaf=leaf, leaf_hash=merkle.leaf_hash(leaf), batch=batch))
        if kind == "entry":
            entry.leaf_index = index
        else:
            entry.withdrawal_index = index
    timestamp = _coarse(now, campaign.batch_interval_seconds)
    log_id = campaign.public_id.encode("ascii")
    root = tree.root()
    signing_key = bytes(log_signing_key(campaign, log_key_secret))
    signature = merkle.sign_tree_head(signing_key, log_id, tree.size, timestamp, root)
    session.add(TreeHead(campaign_id=campaign.id, batch=batch, size=tree.size, timestamp=timestamp, root=root,
                         signature=signature))
    session.flush()
    _republish_counts(session, campaign, now)
    round_ = _detect_threshold(session, campaign, batch, tree.size, now) or _final_round(session, campaign, batch, tree.size, now)
    return Published(campaign, batch, len(entries), len(withdrawals), round_)


def _republish_counts(session: Session, campaign: Campaign, now: datetime) -> None:
    counted = dict(session.execute(
        select(Entry.lab_id, func.count()).where(
            Entry.campaign_id == campaign.id, Entry.leaf_index.is_not(None), Entry.withdrawal_index.is_(None))
        .group_by(Entry.lab_id)
    ).all())
    for link in campaign.lab_links:
        link.published_count = counted.get(link.lab_id, 0)
    campaign.counts_published_at = now.replace(microsecond=0)
    session.flush()


def _detect_threshold(session: Session, campaign: Campaign, batch: int, size: int, now: datetime) -> RevealRound | None:
    if campaign.threshold_met_at is not None or now >= campaign.deadline:
        return None
    if not campaign_progress(campaign, now).rule_met:
        return None
    campaign.threshold_met_at = now
    round_ = RevealRound(campaign_id=campaign.id, number=1, batch=batch, size=size, frozen_at=now)
    session.add(round_)
    session.flush()
    return round_


def _final_round(session: Session, campaign: Campaign, batch: int, size: int, now: datetime) -> RevealRound | None:
    """After the deadline of a campaign that met its threshold: one more round for the entries
    signed since the last round's head (DESIGN §2: later entries are revealed in further rounds)."""
    if campaign.threshold_met_at is None or now < campaign.deadline:
        return None
    last = session.scalar(select(RevealRound).where(RevealRound.campaign_id == campaign.id)
                          .order_by(RevealRound.number.desc()).limit(1))
    if last is None or last.size >= size:
        return None
    newer = session.scalar(select(func.count()).select_from(Entry).where(
        Entry.campaign_id == campaign.id, Entry.leaf_index >= last.size, Entry.withdrawal_signature.is_(None)))
    if not newer:
        return None
    round_ = RevealRound(campaign_id=campaign.id, number=last.number + 1, batch=batch, size=size, frozen_at=now)
    session.add(round_)
    session.flush()
    return round_


def close_due(session: Session, now: datetime) -> list[Campaign]:
    """Close campaigns past their deadline whose every round is revealed and whose last batch
    covers the deadline; their issuance records are deleted (DESIGN §3)."""
    closed = []
    for campaign in session.scalars(select(Campaign).where(Campaign.state == CampaignState.REVEALED, Campaign.deadline <= now)):
        head = latest_head(session, campaign)
        if head is None or head.timestamp < int(campaign.deadline.timestamp()) - campaign.batch_interval_seconds:
            continue
        rounds = session.scalars(select(RevealRound).where(RevealRound.campaign_id == campaign.id)).all()
        if not rounds or any(r.revealed_at is None for r in rounds):
            continue
        last = max(r.size for r in rounds)
        pending = session.scalar(select(func.count()).select_from(Entry).where(
            Entry.campaign_id == campaign.id, Entry.withdrawal_signature.is_(None),
            (Entry.leaf_index.is_(None)) | (Entry.leaf_index >= last)))
        if pending:
            continue
        campaign.state = CampaignState.CLOSED
        session.execute(delete(TokenIssuance).where(TokenIssuance.campaign_id == campaign.id))
        closed.append(campaign)
    session.flush()
    return closed


def publish_due(session: Session, now: datetime, log_key_secret: bytes) -> list[Published]:
    """Publish a batch for every campaign that is due. Safe to run from several processes:
    the caller holds the write lock (SQLite ``BEGIN IMMEDIATE``) and due-ness is re-read."""
    done = []
    for campaign in session.scalars(select(Campaign).where(Campaign.state.in_(SIGNING_STATES)).order_by(Campaign.id)):
        if batch_due(session, campaign, now):
            done.append(publish_batch(session, campaign, now, log_key_secret))
    return done


