"""Which entries a round reveals (docs/protocol.md §8): per lab, none or at least ``k``.

At most two rounds. Round 1 freezes in the first batch before the deadline where the threshold
rule holds over every live entry (labs below ``k`` count toward ``min_total``) and at least one
lab has ``k`` live entries; it lists, per lab, every live entry if the lab has at least ``k``,
else none. The deadline round lists, per lab, the live entries no earlier round listed, if there
are at least ``k`` of them, else none. The server decides with these functions, the trustees
check with them (they hold every live entry's opening), and the verifier checks the revealed
rounds with them once the openings are public.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import CryptoError
from .formats.counts import count


class RoundRuleError(CryptoError):
    """A round that does not list what the rule says; the message names the lab."""


@dataclass(frozen=True)
class Rule:
    """The threshold rule: ``min_total`` live entries, at least ``min_per_lab`` at each of at
    least ``min_labs`` labs."""

    min_total: int
    min_per_lab: int
    min_labs: int


def per_lab(labs: Iterable[str]) -> dict[str, int]:
    """Counts by lab of an iterable of lab slugs (one per live entry)."""
    counts: dict[str, int] = {}
    for slug in labs:
        counts[slug] = counts.get(slug, 0) + 1
    return counts


def labs_reached(rule: Rule, counts: Mapping[str, int]) -> list[str]:
    """The labs with at least ``min_per_lab`` live entries, sorted (what the public sees of each
    lab before round 1: reached, or not). A rule with no per-lab part (``min_labs`` 0) reaches
    no lab: it says nothing about any lab."""
    if rule.min_labs == 0:
        return []
    return sorted(slug for slug, count in counts.items() if count >= max(rule.min_per_lab, 1))


def rule_holds(rule: Rule, counts: Mapping[str, int]) -> bool:
    """Whether the threshold rule holds over live-entry counts by lab."""
    return sum(counts.values()) >= rule.min_total and len(labs_reached(rule, counts)) >= rule.min_labs


def select(candidates: Mapping[str, Sequence[int]], k: int) -> list[int]:
    """The leaf indices a round lists: per lab, every candidate if the lab has at least ``k``,
    else none; sorted. ``candidates`` maps lab slug to its candidate leaf indices (round 1: the
    live entries; the deadline round: the live entries no earlier round listed)."""
    return sorted(i for indices in candidates.values() if len(indices) >= k for i in indices)


def round_one_due(rule: Rule, live: Mapping[str, Sequence[int]], k: int) -> bool:
    """Whether round 1 freezes over these live entries: the rule holds and some lab has ``k``."""
    return rule_holds(rule, {slug: len(v) for slug, v in live.items()}) and bool(select(live, k))


def check_selection(number: int, listed: Sequence[int], candidates: Mapping[str, Sequence[int]], k: int) -> None:
    """Refuse, naming the lab, a round whose list is not :func:`select` of ``candidates``: a lab
    with at least ``k`` candidates left out (in whole or part), a lab with fewer included, or an
    entry that is no candidate."""
    wanted = set(listed)
    lab_of = {i: slug for slug, indices in candidates.items() for i in indices}
    stray = sorted(wanted - set(lab_of))
    if stray:
        raise RoundRuleError(f"round {number} lists leaf {stray[0]}, which is not an entry it may reveal")
    for slug in sorted(candidates):
        indices = candidates[slug]
        taken = [i for i in indices if i in wanted]
        if len(indices) >= k and len(taken) != len(indices):
            raise RoundRuleError(f"round {number} leaves out lab {slug!r}: it has "
                                 f"{count(len(indices), 'entry', 'entries')} to reveal "
                                 f"(at least k = {k}) but the round lists {len(taken)}")
        if len(indices) < k and taken:
            raise RoundRuleError(f"round {number} reveals lab {slug!r} with {len(taken)} of its "
                                 f"{count(len(indices), 'entry', 'entries')}, fewer than k = {k}")


def check_revealed(number: int, revealed_labs: Mapping[int, str], k: int) -> None:
    """What anyone can check once a round is revealed: each lab in it has at least ``k`` of the
    round's entries (``revealed_labs``: leaf index -> the lab its opening names)."""
    counts = per_lab(revealed_labs.values())
    for slug in sorted(counts):
        if counts[slug] < k:
            raise RoundRuleError(f"round {number} reveals lab {slug!r} with "
                                 f"{count(counts[slug], 'entry', 'entries')}, fewer than k = {k}")
