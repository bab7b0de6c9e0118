"""Checks on a campaign's threshold rule and settings, with messages an organizer can act on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from crypto.formats.files import MAX_EXTRA_WITNESSES, witness_quorum_problem
from pledge.models import ThresholdRule, smallest_majority
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
#: The reveal window G an organizer may choose, in days (docs/protocol.md §3).
MIN_REVEAL_WINDOW_DAYS, MAX_REVEAL_WINDOW_DAYS = 1, 366
MAX_WITNESS_NAME = 200
_KEY_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class RuleSettings:
    """Everything about a campaign that the rule checks read."""

    eligible_labs: int
    rule: ThresholdRule
    deadline: datetime
    trustee_quorum: int
    trustee_count: int
    batch_interval_seconds: int
    practice: bool = False
    #: The extra witnesses: (name, Ed25519 public key as hex), in the organizer's order.
    witnesses: tuple[tuple[str, str], ...] = field(default=())
    #: w; ``None`` means the smallest majority of the witnesses.
    witness_quorum: int | None = None
    reveal_window_seconds: int = 14 * 86400


def check_rule(settings: RuleSettings, now: datetime) -> None:
    """Raise :class:`CampaignError` naming the field of the first problem found."""
    _check_threshold(settings.rule, settings.eligible_labs)
    _check_k(settings)
    _check_trustees(settings)
    _check_deadline(settings.deadline, now)
    if settings.batch_interval_seconds not in BATCH_INTERVALS:
        raise CampaignError("Choose one of the offered batch intervals.", field="batch_interval_seconds")
    _check_witnesses(settings)
    _check_reveal_window(settings.reveal_window_seconds)


def _check_k(s: RuleSettings) -> None:
    if s.rule.suppress_below < 2 and not s.practice:
        raise CampaignError(
            "k must be at least 2: with k = 1 one person could be revealed alone. Only a practice "
            "campaign may use k = 1.",
            field="suppress_below",
        )


def _check_witnesses(s: RuleSettings) -> None:
    if len(s.witnesses) > MAX_EXTRA_WITNESSES:
        raise CampaignError(f"List at most {MAX_EXTRA_WITNESSES} extra witnesses.", field="witnesses")
    seen: set[str] = set()
    for position, (name, key) in enumerate(s.witnesses, start=1):
        if not name.strip() or len(name) > MAX_WITNESS_NAME:
            raise CampaignError(f"Witness {position}: give a name of 1 to {MAX_WITNESS_NAME} characters.",
                                field="witnesses")
        if not _KEY_HEX.fullmatch(key):
            raise CampaignError(
                f"Witness {position} ({name.strip()}): the key must be an Ed25519 public key as 64 lowercase "
                "hex characters (pledge-witness init prints it).", field="witnesses")
        if key in seen:
            raise CampaignError(f"Witness {position} ({name.strip()}): this key is listed twice; every witness "
                                "needs its own key.", field="witnesses")
        seen.add(key)
    count = s.trustee_count + len(s.witnesses)
    w = s.witness_quorum if s.witness_quorum is not None else smallest_majority(count)
    problem = witness_quorum_problem(s.trustee_quorum, s.trustee_count, count, w)
    if problem:
        chosen = "" if s.witness_quorum is not None else f" (left empty: the smallest majority, {w})"
        raise CampaignError(
            f"w, the witnesses needed to cosign{chosen}: {problem}. There are {count} witnesses: the "
            f"{s.trustee_count} trustees and {len(s.witnesses)} extra.", field="witness_quorum")


def _check_reveal_window(seconds: int) -> None:
    if not MIN_REVEAL_WINDOW_DAYS * 86400 <= seconds <= MAX_REVEAL_WINDOW_DAYS * 86400:
        raise CampaignError(
            f"The reveal window must be {MIN_REVEAL_WINDOW_DAYS} to {MAX_REVEAL_WINDOW_DAYS} days.",
            field="reveal_window_days")


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
