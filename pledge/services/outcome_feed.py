"""Feed entries for what happened after the reveal, from published leaves only: one per
published condition judgement, and one per batch that changed how many revealed signers are
withholding their work. The campaign's feed (:mod:`pledge.services.feed`) lists them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pledge.models import Campaign, TreeHead
from pledge.services.feed import FeedEntry
from pledge.services.outcomes import published_judgements
from pledge.services.statements import withholding_by_batch


def _batch_times(session: Session, campaign: Campaign) -> dict[int, datetime]:
    return {batch: datetime.fromtimestamp(timestamp, UTC) for batch, timestamp in session.execute(
        select(TreeHead.batch, TreeHead.timestamp).where(TreeHead.campaign_id == campaign.id))}


def condition_feed_entries(session: Session, campaign: Campaign) -> list[FeedEntry]:
    """One entry per published judgement: "Lab X: condition 2 met (2026-12-01)"."""
    names = {link.lab.slug: link.lab.name for link in campaign.lab_links}
    times = _batch_times(session, campaign)
    entries = []
    for item in published_judgements(session, campaign):
        lab = names.get(item.lab, item.lab)
        title = f"{lab}: condition {item.condition} {item.label.lower()} ({item.date.isoformat()})"
        summary = " ".join(part for part in (title + ".", item.note, f"Evidence: {item.evidence}" if item.evidence else "")
                           if part)
        entries.append(FeedEntry(key=f"condition-{item.index}", title=title, updated=times[item.batch],
                                 summary=summary, anchor="outcome-heading"))
    return entries


def withholding_feed_entries(session: Session, campaign: Campaign) -> list[FeedEntry]:
    """One entry per batch that changed the counts: "Withholding now: A 2, B 1"."""
    labs = campaign.labs
    times = _batch_times(session, campaign)
    entries, previous = [], None
    for batch, counts in withholding_by_batch(session, campaign):
        now = [(lab.name, counts.get(lab.slug, 0)) for lab in labs]
        if now == previous:
            continue
        previous = now
        title = "Withholding now: " + ", ".join(f"{name} {number}" for name, number in now)
        entries.append(FeedEntry(
            key=f"withholding-{batch}", title=title, updated=times[batch], anchor="withholding-heading",
            summary=title + ". These are signed statements by revealed signers; anyone can check them in the record."))
    return entries
