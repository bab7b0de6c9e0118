"""The round rule: per lab, none or at least k; round 1 when the rule holds and some lab has k."""

from __future__ import annotations

import pytest

from crypto.rounds import (
    RoundRuleError,
    Rule,
    check_revealed,
    check_selection,
    labs_reached,
    round_one_due,
    rule_holds,
    select,
)

RULE = Rule(min_total=10, min_per_lab=3, min_labs=2)
# Labs at 5, 3, 2 and 1 live entries (leaf indices).
LIVE = {"five": [0, 4, 5, 8, 10], "three": [1, 6, 9], "two": [2, 7], "one": [3]}


def test_the_rule_counts_small_labs_toward_the_total_only():
    counts = {slug: len(v) for slug, v in LIVE.items()}
    assert rule_holds(RULE, counts) and labs_reached(RULE, counts) == ["five", "three"]
    assert not rule_holds(RULE, {"five": 5, "three": 3, "two": 1})  # 9 < 10
    assert not rule_holds(RULE, {"five": 8, "three": 2, "two": 2})  # one lab at 3
    assert labs_reached(Rule(0, 0, 0), {"zero": 0}) == []  # a lab with nobody never "reaches"
    # A rule without a per-lab part says nothing about any lab, however many signed there.
    assert labs_reached(Rule(5, 0, 0), {"five": 5}) == [] and rule_holds(Rule(5, 0, 0), {"five": 5})


def test_round_one_reveals_the_labs_with_k_or_more():
    assert round_one_due(RULE, LIVE, 3)
    assert select(LIVE, 3) == [0, 1, 4, 5, 6, 8, 9, 10]
    assert not round_one_due(Rule(9, 0, 0), {"a": [0, 1], "b": [2, 3], "c": [4, 5, 6, 7, 8][:2]}, 3)


def test_a_round_is_checked_both_ways_naming_the_lab():
    check_selection(1, select(LIVE, 3), LIVE, 3)
    with pytest.raises(RoundRuleError, match="leaves out lab 'three'"):
        check_selection(1, [0, 4, 5, 8, 10], LIVE, 3)
    with pytest.raises(RoundRuleError, match="leaves out lab 'five'"):
        check_selection(1, [0, 1, 4, 5, 6, 9, 10], LIVE, 3)  # one entry of five left waiting
    with pytest.raises(RoundRuleError, match="reveals lab 'two' with 2"):
        check_selection(1, [*select(LIVE, 3), 2, 7], LIVE, 3)
    with pytest.raises(RoundRuleError, match="lists leaf 11"):
        check_selection(1, [*select(LIVE, 3), 11], LIVE, 3)


def test_a_revealed_round_shows_no_lab_below_k():
    check_revealed(2, {2: "two", 7: "two", 12: "two", 13: "three", 14: "three", 15: "three"}, 3)
    with pytest.raises(RoundRuleError, match="reveals lab 'five' with 1 entry, fewer than k = 3"):
        check_revealed(2, {2: "two", 7: "two", 12: "two", 16: "five"}, 3)
