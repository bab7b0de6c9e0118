"""The replay's rules for what comes after the reveal (crypto.lifecycle, docs/protocol.md §8.8)
and for a takedown (§8.3, V7): every rule, allowed and refused."""

from __future__ import annotations

import copy
import secrets
from datetime import UTC, datetime

import pytest
from nacl.signing import SigningKey

from crypto import log_leaves
from crypto.errors import EncodingError, LifecycleError
from crypto.lifecycle import ABANDONED, CLOSED, REVEALED, TAKEN_DOWN, Replay, replay
from crypto.log_leaves import ConditionLeaf, EntryLeaf, EventLeaf, StatementLeaf

DEADLINE = 2_000_000_000
WINDOW = 86_400
T0 = DEADLINE - 10 * 900


def entry() -> tuple[EntryLeaf, bytes]:
    seed = secrets.token_bytes(32)
    return EntryLeaf(secrets.token_bytes(32), secrets.token_bytes(32), secrets.token_bytes(32),
                     bytes(SigningKey(seed).verify_key)), seed


def frozen(number: int, *leaves: int) -> EventLeaf:
    return EventLeaf("round-frozen", round=number, leaves=tuple(leaves))


def revealed(number: int) -> EventLeaf:
    return EventLeaf("round-revealed", round=number, digest=b"\x01" * 32)


def condition(lab: str = "lab-a", number: int = 1, status: str = "met", date: str = "2033-01-01") -> ConditionLeaf:
    return ConditionLeaf(number, lab, status, date, "", "")


class Log:
    """A replay fed one batch at a time, 15 minutes apart; entries 0..2 signed in batch 1 and
    round 1 frozen there with 0 and 1 (2 waits), revealed in batch 2 unless ``reveal`` is false."""

    def __init__(self, reveal: bool = True, **manifest: object) -> None:
        self.state = Replay(DEADLINE, WINDOW, **manifest)  # type: ignore[arg-type]
        self.entries = [entry() for _ in range(3)]
        self.time = T0
        self.batch(*(leaf for leaf, _ in self.entries), frozen(1, 0, 1))
        if reveal:
            self.batch(revealed(1))

    def batch(self, *leaves, at: int | None = None) -> None:
        self.time = self.time + 900 if at is None else at
        self.state.add_batch(list(leaves), self.time)

    def statement(self, index: int, seq: int, stance: str) -> StatementLeaf:
        leaf, seed = self.entries[index]
        return StatementLeaf(leaf.nullifier, seq, stance,
                             log_leaves.sign_statement(seed, leaf.nullifier, seq, stance))


# --- allowed ----------------------------------------------------------------------------------


def test_statements_alternate_and_the_latest_counts() -> None:
    log = Log()
    log.batch(log.statement(0, 0, "withholding"), log.statement(1, 0, "withholding"))
    log.batch(log.statement(0, 1, "stopped"))
    log.batch(log.statement(0, 2, "withholding"), log.statement(1, 1, "stopped"))
    n0, n1 = (log.entries[i][0].nullifier for i in (0, 1))
    assert log.state.withholding() == [n0]
    assert log.state.stances[n0].seq == 2 and log.state.stances[n1].stance == "stopped"
    assert log.state.stances[n0].index == 8 and log.state.stances[n0].timestamp == log.time
    assert log.state.round_one_revealed and log.state.outcome == "revealed"


def test_condition_history_keeps_every_judgement_in_order() -> None:
    log = Log(conditions=2, labs=["lab-a", "lab-b"])
    log.batch(condition("lab-a", 1, "not-met"), condition("lab-b", 2, "partly"))
    log.batch(condition("lab-a", 1, "met"))
    history = log.state.condition_history
    assert [(c.index, c.leaf.lab, c.leaf.condition, c.leaf.status) for c in history] == [
        (5, "lab-a", 1, "not-met"), (6, "lab-b", 2, "partly"), (7, "lab-a", 1, "met")]
    assert history[2].timestamp == log.time


def test_a_condition_dated_its_batch_s_day_is_allowed() -> None:
    log = Log()
    day = datetime.fromtimestamp(log.time + 900, UTC).date().isoformat()
    log.batch(condition(date=day))
    assert log.state.condition_history[0].leaf.date == day


def test_statements_and_conditions_continue_after_the_deadline_and_the_close() -> None:
    log = Log()
    log.batch(EventLeaf("signing-ended"), at=DEADLINE)
    log.batch(log.statement(0, 0, "withholding"), condition(date="2033-05-18"))
    log.batch(EventLeaf("closed"))
    log.batch(log.statement(0, 1, "stopped"), condition(status="not-met", date="2033-05-18"))
    assert log.state.outcome == CLOSED and log.state.withholding() == []


def test_a_deadline_round_s_signer_may_state_once_round_two_is_revealed() -> None:
    log = Log()
    log.batch(frozen(2, 2), at=DEADLINE)
    with pytest.raises(LifecycleError, match=r"a statement for an entry no earlier batch revealed"):
        copy.deepcopy(log).batch(log.statement(2, 0, "withholding"))
    log.batch(revealed(2))
    log.batch(log.statement(2, 0, "withholding"))
    assert log.state.withholding() == [log.entries[2][0].nullifier]


# --- refused ----------------------------------------------------------------------------------


def test_a_statement_before_the_reveal_is_refused() -> None:
    log = Log(reveal=False)
    with pytest.raises(LifecycleError, match=r"leaf 4: a statement before round 1 is revealed"):
        log.batch(log.statement(0, 0, "withholding"))


def test_a_statement_in_the_revealing_batch_is_refused() -> None:
    # Statements come before the batch's events: the reveal must be in an earlier batch.
    log = Log(reveal=False)
    with pytest.raises(LifecycleError, match=r"leaf 4: a statement before round 1 is revealed"):
        log.batch(log.statement(0, 0, "withholding"), revealed(1))


def test_a_statement_after_an_event_of_its_batch_is_refused() -> None:
    log = Log()
    with pytest.raises(LifecycleError, match=r"leaf 6: a statement after an event of its batch"):
        log.batch(EventLeaf("signing-ended"), log.statement(0, 0, "withholding"), at=DEADLINE)


def test_a_condition_leaf_before_the_reveal_is_refused() -> None:
    log = Log(reveal=False)
    with pytest.raises(LifecycleError, match=r"leaf 4: a condition leaf before round 1 is revealed"):
        log.batch(condition())


def test_a_statement_for_a_waiting_entry_is_refused() -> None:
    log = Log()
    with pytest.raises(LifecycleError, match=r"leaf 5: a statement for an entry no earlier batch revealed"):
        log.batch(log.statement(2, 0, "withholding"))


@pytest.mark.parametrize(("seq", "stance", "why"), [
    (1, "withholding", "a statement numbered 1; this signer's next is 0"),
    (0, "stopped", "a statement that does not change the signer's stance"),
])
def test_a_first_statement_must_be_withholding_at_seq_zero(seq: int, stance: str, why: str) -> None:
    log = Log()
    with pytest.raises(LifecycleError, match=why):
        log.batch(log.statement(0, seq, stance))


def test_a_replayed_statement_is_refused() -> None:
    log = Log()
    first = log.statement(0, 0, "withholding")
    log.batch(first)
    log.batch(log.statement(0, 1, "stopped"))
    with pytest.raises(LifecycleError, match=r"leaf 7: a statement numbered 0; this signer's next is 2"):
        log.batch(first)


def test_a_statement_repeating_the_stance_is_refused() -> None:
    log = Log()
    log.batch(log.statement(0, 0, "withholding"))
    with pytest.raises(LifecycleError, match=r"does not change the signer's stance"):
        log.batch(log.statement(0, 1, "withholding"))


@pytest.mark.parametrize("end", ["expired", "taken-down"])
def test_nothing_after_an_expiry_or_a_takedown(end: str) -> None:
    if end == "expired":
        log = Log(reveal=False)
        log.state = Replay(DEADLINE, WINDOW)
        log.batch(entry()[0])
        log.batch(EventLeaf("expired"), at=DEADLINE)
    else:
        log = Log()
        log.batch(EventLeaf("taken-down"))
    where = log.state.size
    with pytest.raises(LifecycleError, match=rf"leaf {where}: a condition leaf after the campaign {end}"):
        log.batch(condition(date="2033-05-18"))


@pytest.mark.parametrize(("leaf", "why"), [
    (condition(number=3), "condition 3, which the manifest does not list"),
    (condition(lab="lab-z"), "a condition at lab 'lab-z', which the manifest does not list"),
    (condition(date="2033-05-19"), "a condition dated 2033-05-19, after its batch's day 2033-05-18"),
])
def test_a_condition_leaf_the_manifest_or_the_clock_refuses(leaf: ConditionLeaf, why: str) -> None:
    log = Log(conditions=2, labs=frozenset({"lab-a", "lab-b"}))
    with pytest.raises(LifecycleError, match=why):
        log.batch(leaf)


def test_without_the_manifest_condition_and_lab_are_not_checked() -> None:
    log = Log()
    log.batch(condition(lab="anywhere", number=99))
    assert len(log.state.condition_history) == 1


# --- taken-down -------------------------------------------------------------------------------


def test_a_takedown_before_any_round_ends_signing() -> None:
    state = Replay(DEADLINE, WINDOW)
    state.add_batch([entry()[0], EventLeaf("taken-down")], T0)
    assert state.outcome == TAKEN_DOWN and state.signing_ended and state.deadline_event == 1
    state.add_batch([], DEADLINE + 5)  # no deadline event owed: the takedown was it
    state.add_batch([EventLeaf("share-destroyed", trustee=2, signature=b"\x02" * 64)], DEADLINE + 10)
    assert state.destroyed == {2: 2}
    with pytest.raises(LifecycleError, match=r"leaf 3: an entry or withdrawal after the deadline event"):
        state.add_batch([entry()[0]], DEADLINE + 20)


def test_a_takedown_abandons_pending_rounds_at_once() -> None:
    log = Log(reveal=False)
    log.batch(EventLeaf("taken-down"))  # long before the reveal window ends
    assert [r.status for r in log.state.rounds] == [ABANDONED]
    assert log.state.rounds[0].ended_batch == 2 and log.state.outcome == TAKEN_DOWN


def test_a_takedown_keeps_a_revealed_round_and_its_statements() -> None:
    log = Log()
    log.batch(log.statement(0, 0, "withholding"))
    log.batch(frozen(2, 2), at=DEADLINE)
    log.batch(EventLeaf("taken-down"))
    assert [r.status for r in log.state.rounds] == [REVEALED, ABANDONED]
    assert log.state.withholding() == [log.entries[0][0].nullifier]
    assert log.state.deadline_event == 6  # round 2's freeze stays the deadline event


@pytest.mark.parametrize("after", ["closed", "expired", "taken-down"])
def test_a_takedown_after_the_end_is_refused(after: str) -> None:
    if after == "closed":
        log = Log()
        log.batch(EventLeaf("signing-ended"), EventLeaf("closed"), at=DEADLINE)
    elif after == "expired":
        log = Log(reveal=False)
        log.state = Replay(DEADLINE, WINDOW)
        log.batch(EventLeaf("expired"), at=DEADLINE)
    else:
        log = Log()
        log.batch(EventLeaf("taken-down"))
    with pytest.raises(LifecycleError, match=rf"event taken-down after the campaign {after}"):
        log.batch(EventLeaf("taken-down"))


def test_no_round_event_after_a_takedown() -> None:
    log = Log(reveal=False)
    log.batch(EventLeaf("taken-down"))
    with pytest.raises(LifecycleError, match=r"event round-revealed after the campaign taken-down"):
        log.batch(revealed(1))


def test_replay_takes_the_manifest_s_conditions_and_labs() -> None:
    (a, _), = [entry()]
    leaves = [a, frozen(1, 0), revealed(1), condition(lab="lab-b")]
    heads = [(2, T0), (3, T0 + 900), (4, T0 + 1800)]
    assert len(replay(leaves, heads, deadline=DEADLINE, reveal_window=WINDOW).condition_history) == 1
    with pytest.raises(LifecycleError, match=r"a condition at lab 'lab-b'"):
        replay(leaves, heads, deadline=DEADLINE, reveal_window=WINDOW, conditions=2, labs=["lab-a"])


# --- the leaves themselves ----------------------------------------------------------------------


def test_statement_and_condition_leaves_round_trip() -> None:
    log = Log()
    statement = log.statement(0, 3, "stopped")
    assert log_leaves.parse_leaf(log_leaves.encode_leaf(statement)) == statement
    judged = ConditionLeaf(2, "lab-é", "partly", "2031-07-01", "https://x.example/a", "Note \"quoted\"\n")
    assert log_leaves.parse_leaf(log_leaves.encode_leaf(judged)) == judged


@pytest.mark.parametrize("leaf", [
    ConditionLeaf(0, "lab", "met", "2031-07-01", "", ""),
    ConditionLeaf(1, "", "met", "2031-07-01", "", ""),
    ConditionLeaf(1, "lab", "done", "2031-07-01", "", ""),
    ConditionLeaf(1, "lab", "met", "2031-02-30", "", ""),
    ConditionLeaf(1, "lab", "met", "31-07-01", "", ""),
    ConditionLeaf(1, "lab", "met", "2031-07-01", "x" * 501, ""),
    ConditionLeaf(1, "lab", "met", "2031-07-01", "", "x" * 2001),
    ConditionLeaf(1, "lab", "met", "2031-07-01", "", "\x01" * 1600),  # escapes past 9216 bytes
    StatementLeaf(b"\x01" * 32, -1, "stopped", b"\x02" * 64),
    StatementLeaf(b"\x01" * 32, 0, "maybe", b"\x02" * 64),
    StatementLeaf(b"\x01" * 31, 0, "stopped", b"\x02" * 64),
])
def test_malformed_after_reveal_leaves_are_refused(leaf: object) -> None:
    with pytest.raises(EncodingError):
        log_leaves.encode_leaf(leaf)  # type: ignore[arg-type]


def test_a_note_of_two_thousand_newlines_still_fits() -> None:
    leaf = ConditionLeaf(1, "l" * 255, "met", "2031-07-01", "h" * 500, "\r\n" * 1000)
    assert len(log_leaves.encode_leaf(leaf)) <= log_leaves.MAX_LEAF_BYTES
