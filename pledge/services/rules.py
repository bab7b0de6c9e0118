"""Checks on a campaign's threshold rule and settings, with messages an organizer can act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from pledge.models import ThresholdRule
from pledge.services.errors import CampaignError

#: Batch intervals an organizer may pick (seconds → label).
BATCH_INTERVALS = {
    900: "Every 15 minutes",
    3600: "Every hour",
    6 * 3600: "Every 6 hours",
    24 * 3600: "Once a day",
}
MAX_TRUSTEES = 15
MIN_LEAD_TIME = timedelta(days=1)
MAX_CAMPAIGN_LENGTH = timedelta(days=730)


@dataclass(frozen=True)
class RuleSettings:
    """Everything about a campaign that the rule checks read."""

    eligible_labs: int
    rule: ThresholdRule
    deadline: datetime
    trustee_quorum: int
    trustee_count: int
    batch_interval_seconds: int


def check_rule(settings: RuleSettings, now: datetime) -> None:
    """Raise :class:`CampaignError` naming the field of the first problem found."""
    _check_threshold(settings.rule, settings.eligible_labs)
    _check_trustees(settings)
    _check_deadline(settings.deadline, now)
    if settings.batch_interval_seconds not in BATCH_INTERVALS:
        raise CampaignError("Choose one of the offered batch intervals.", field="batch_interval_seconds")


def _check_threshold(s: ThresholdRule, eligible_labs: int) -> None:
    if eligible_labs < 1:
        raise CampaignError("Choose at least one eligible lab.", field="labs")
    if s.min_total < 1:
        raise CampaignError("The overall minimum must be at least 1.", field="min_total")
    if (s.min_labs == 0) != (s.min_per_lab == 0):
        raise CampaignError(
            "Set both the per-lab minimum and the number of labs that must reach it, or leave both at 0.",
            field="min_labs",
        )
    if s.min_labs > eligible_labs:
        raise CampaignError(
            f"This rule needs {s.min_labs} labs to reach the per-lab minimum, but only "
            f"{eligible_labs} {'lab is' if eligible_labs == 1 else 'labs are'} eligible. "
            "Add eligible labs or lower the number of labs.",
            field="min_labs",
        )
    if s.min_labs and s.min_labs * s.min_per_lab > s.min_total:
        raise CampaignError(
            f"The per-lab part alone needs {s.min_labs * s.min_per_lab} signatures, more than the "
            f"overall minimum of {s.min_total}. Raise the overall minimum to at least "
            f"{s.min_labs * s.min_per_lab}.",
            field="min_total",
        )
    if not 1 <= s.suppress_below <= 100:
        raise CampaignError("k must be between 1 and 100.", field="suppress_below")
    if s.min_per_lab and s.min_per_lab < s.suppress_below:
        raise CampaignError(
            f"The per-lab minimum ({s.min_per_lab}) is below k ({s.suppress_below}): the page "
            "would have to say when a lab reaches it, revealing a count that k hides. Raise the "
            f"per-lab minimum to at least {s.suppress_below} or lower k.",
            field="min_per_lab",
        )


def _check_trustees(s: RuleSettings) -> None:
    if not 1 <= s.trustee_count <= MAX_TRUSTEES:
        raise CampaignError(f"Choose between 1 and {MAX_TRUSTEES} trustees.", field="trustee_count")
    if not 1 <= s.trustee_quorum <= s.trustee_count:
        raise CampaignError(
            "The quorum t must be at least 1 and at most the number of trustees n.",
            field="trustee_quorum",
        )


def _check_deadline(deadline: datetime, now: datetime) -> None:
    if deadline < now + MIN_LEAD_TIME:
        raise CampaignError("Set a deadline at least one day from now.", field="deadline")
    if deadline > now + MAX_CAMPAIGN_LENGTH:
        raise CampaignError("Set a deadline within two years.", field="deadline")
