"""Public progress of a campaign: what the public may know of its counts, and time left.

What any page, JSON document, feed or e-mail may say of a campaign's counts is decided here and
nowhere else (docs/threat-model.md, "A lab reading every public byte"):

- **Before round 1 is revealed**: the total of live published entries (the log shows it anyway)
  and, per lab, only whether it has reached ``min_per_lab`` (which is at least k). No per-lab
  number: a lab's security team that knows two of its staff asked for a code would learn from
  "2" that both signed. Once round 1 has frozen, "reached" is the labs' state at the freeze.
- **After round 1 is revealed**: per lab, the number of its revealed signatures (their labs are
  public with their payloads and openings), and the number of entries still sealed overall,
  never per lab.

The per-lab published counts (``CampaignLab.published_count``) and the labs of sealed entries
stay inside the server: the trustees check them from the openings, the public does not see them.
Counts come only from what the last batch publication stored, never a live count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from crypto.formats.counts import count
from pledge.models import Campaign, Entry, RevealRound, ThresholdRule


@dataclass(frozen=True)
class LabProgress:
    """One eligible lab as the public may see it.

    ``reached`` is set before round 1 is revealed (None when the rule has no per-lab part), and
    ``revealed`` after it; never both, and never a count of sealed entries."""

    slug: str
    name: str
    reached: bool | None
    revealed: int | None


@dataclass(frozen=True)
class Progress:
    """Progress toward each part of the threshold rule, as the public may see it."""

    total: int
    rule: ThresholdRule
    labs: list[LabProgress]
    labs_meeting: int
    rule_met: bool
    counts_as_of: datetime | None
    deadline: datetime
    time_left: str
    accepting: bool
    #: Round 1 has frozen: a signature made now is in no round yet (see ``new_signatures``).
    round_one_frozen: bool = False
    #: Round 1 is revealed: the labs carry revealed counts, and ``sealed`` is set.
    round_one_revealed: bool = False
    #: Round 1 was abandoned: not revealed within the reveal window, its sealed signatures deleted.
    round_one_abandoned: bool = False
    #: Live published entries not revealed (after round 1 is revealed; None before).
    sealed: int | None = None
    #: The campaign is closed or expired: entries never revealed are destroyed.
    ended: bool = False

    @property
    def total_percent(self) -> int:
        """Share of the overall minimum reached, 0 to 100."""
        return min(100, (100 * self.total) // self.rule.min_total)

    @property
    def revealed_total(self) -> int:
        """Revealed signatures, all labs together (0 before round 1 is revealed)."""
        return sum(lab.revealed or 0 for lab in self.labs)


def describe_time_left(deadline: datetime, now: datetime) -> str:
    """Plain words for the time until ``deadline``, e.g. "12 days left" or "3 hours left"."""
    seconds = int((deadline - now).total_seconds())
    if seconds <= 0:
        return "Deadline passed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days >= 2:
        return f"{count(days, 'day')} left"
    if days == 1:
        return f"1 day, {count(hours, 'hour')} left"
    if hours >= 1:
        return f"{count(hours, 'hour')} left"
    minutes = max(1, rest // 60)
    return f"{count(minutes, 'minute')} left"


def _by_lab(session: Session, *conditions) -> dict[int, int]:
    """Entries of the campaign matching ``conditions``, counted by lab id (server side only)."""
    rows = session.execute(select(Entry.lab_id, func.count()).where(*conditions).group_by(Entry.lab_id)).all()
    return {row[0]: row[1] for row in rows}


def campaign_progress(campaign: Campaign, now: datetime, session: Session | None = None) -> Progress:
    """The public progress of ``campaign`` as of ``now`` (``session`` defaults to the campaign's:
    the rounds and revealed entries are read from the database)."""
    session = session or object_session(campaign)
    rule = campaign.rule
    links = sorted(campaign.lab_links, key=lambda link: link.lab.name.lower())
    round_one = session.get(RevealRound, (campaign.id, 1)) if session is not None and campaign.id else None
    revealed = round_one is not None and round_one.revealed_at is not None
    if round_one is not None and session is not None:
        # The labs' state as the freeze saw it: round 1 lists every live entry of each lab with at
        # least k (min_per_lab >= k), so a reached lab's count at the freeze is its round-1 count.
        at_freeze = _by_lab(session, Entry.campaign_id == campaign.id, Entry.frozen_round == 1)
        reached = {link.lab_id: rule.lab_meets_minimum(at_freeze.get(link.lab_id, 0)) for link in links}
    else:
        reached = {link.lab_id: rule.lab_meets_minimum(link.published_count) for link in links}
    revealed_counts = _by_lab(session, Entry.campaign_id == campaign.id, Entry.revealed_round.is_not(None)) \
        if revealed and session is not None else {}
    labs = [
        LabProgress(
            slug=link.lab.slug, name=link.lab.name,
            reached=None if revealed or not rule.min_labs else reached[link.lab_id],
            revealed=revealed_counts.get(link.lab_id, 0) if revealed else None,
        )
        for link in links
    ]
    # The total is public: the log's live entries as of the last published batch (it keeps
    # moving after round 1 froze, when the per-lab counts stop).
    total = campaign.published_total
    labs_meeting = sum(1 for value in reached.values() if value)
    revealed_total = sum(revealed_counts.values())
    return Progress(
        total=total, rule=rule, labs=labs, labs_meeting=labs_meeting,
        rule_met=round_one is not None or rule.met(total, labs_meeting),
        counts_as_of=campaign.counts_published_at, deadline=campaign.deadline,
        time_left=describe_time_left(campaign.deadline, now), accepting=campaign.accepting(now),
        round_one_frozen=round_one is not None, round_one_revealed=revealed,
        round_one_abandoned=round_one is not None and round_one.abandoned_at is not None,
        sealed=max(0, total - revealed_total) if revealed else None,
        ended=campaign.has_ended,
    )
