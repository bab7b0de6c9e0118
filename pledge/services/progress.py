"""Public progress of a campaign: published counts, suppression of small counts, time left.

Counts come only from what the batch publication stored (``CampaignLab.published_count``), so
the page and the JSON show exactly the figures of the latest batch, never a live count. A lab
with fewer than ``k`` signatures (zero included) shows as "fewer than k": zero and one must look
alike, or the page would tell an employer that someone there signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pledge.models import Campaign, ThresholdRule


@dataclass(frozen=True)
class LabProgress:
    """One eligible lab's published count as the public may see it."""

    slug: str
    name: str
    count: int | None  # None when suppressed
    display: str
    meets_minimum: bool


@dataclass(frozen=True)
class Progress:
    """Progress toward each part of the threshold rule."""

    total: int
    rule: ThresholdRule
    labs: list[LabProgress]
    labs_meeting: int
    rule_met: bool
    counts_as_of: datetime | None
    deadline: datetime
    time_left: str
    accepting: bool

    @property
    def total_percent(self) -> int:
        """Share of the overall minimum reached, 0 to 100."""
        return min(100, (100 * self.total) // self.rule.min_total)


def describe_time_left(deadline: datetime, now: datetime) -> str:
    """Plain words for the time until ``deadline``, e.g. "12 days left" or "3 hours left"."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "Deadline passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days >= 2:
        return f"{days} days left"
    if days == 1:
        return f"1 day, {hours} hour{'s' if hours != 1 else ''} left"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''} left"
    minutes = max(1, rest // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''} left"


def campaign_progress(campaign: Campaign, now: datetime) -> Progress:
    """Compute the public progress of ``campaign`` as of ``now``."""
    rule = campaign.rule
    k = rule.suppress_below
    labs = []
    for link in sorted(campaign.lab_links, key=lambda link: link.lab.name.lower()):
        count = link.published_count
        suppressed = rule.suppressed(count)
        labs.append(
            LabProgress(
                slug=link.lab.slug,
                name=link.lab.name,
                count=None if suppressed else count,
                display=f"fewer than {k}" if suppressed else str(count),
                # min_per_lab >= k is enforced, so a lab that meets it is never a suppressed one.
                meets_minimum=rule.lab_meets_minimum(count),
            )
        )
    total = sum(link.published_count for link in campaign.lab_links)
    labs_meeting = sum(1 for lab in labs if lab.meets_minimum)
    return Progress(
        total=total,
        rule=rule,
        labs=labs,
        labs_meeting=labs_meeting,
        rule_met=rule.met(total, labs_meeting),
        counts_as_of=campaign.counts_published_at,
        deadline=campaign.deadline,
        time_left=describe_time_left(campaign.deadline, now),
        accepting=campaign.accepting(now),
    )
