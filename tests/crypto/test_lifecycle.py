"""The lifecycle replay (crypto.lifecycle, docs/protocol.md §8) with rounds that list, per lab,
none or at least k: the log shows no lab, so a round may list any non-empty subset of its
candidates (round 1: live entries; the deadline round: live entries no earlier round lists),
entries no round lists wait and may be withdrawn, and signing may end with entries waiting."""

from __future__ import annotations

import secrets

import pytest
from nacl.signing import SigningKey

from crypto import log_leaves
from crypto.errors import LifecycleError
from crypto.lifecycle import ABANDONED, EXPIRED, OPEN, PENDING, REVEALED, Replay
from crypto.log_leaves import EntryLeaf, EventLeaf, WithdrawalLeaf

DEADLINE = 2_000_000_000
WINDOW = 86_400
T0 = DEADLINE - 10 * 900


def entry() -> tuple[EntryLeaf, bytes]:
    """An entry leaf (random commitment and nullifier) and its withdrawal key's seed."""
    seed = secrets.token_bytes(32)
    return EntryLeaf(lab_commitment=secrets.token_bytes(32), nullifier=secrets.token_bytes(32),
                     ciphertext_sha256=secrets.token_bytes(32),
                     withdrawal_key=bytes(SigningKey(seed).verify_key)), seed


def withdrawal(leaf: EntryLeaf, seed: bytes) -> WithdrawalLeaf:
    return WithdrawalLeaf(leaf.nullifier, log_leaves.sign_withdrawal(seed, leaf.nullifier))


def frozen(number: int, *leaves: int) -> EventLeaf:
    return EventLeaf("round-frozen", round=number, leaves=tuple(leaves))


class Log:
    """A replay fed one batch at a time, 15 minutes apart."""

    def __init__(self) -> None:
        self.state = Replay(DEADLINE, WINDOW)
        self.entries: list[tuple[EntryLeaf, bytes]] = []
        self.time = T0

    def sign(self, count: int) -> list:
        made = [entry() for _ in range(count)]
        self.entries.extend(made)
        return [leaf for leaf, _ in made]

    def withdraw(self, index: int) -> WithdrawalLeaf:
        return withdrawal(*self.entries[index])

    def batch(self, *leaves, at: int | None = None) -> None:
        self.time = self.time + 900 if at is None else at
        self.state.add_batch(list(leaves), self.time)


def test_round_one_may_list_a_subset_of_the_live_entries() -> None:
    log = Log()
    log.batch(*log.sign(5), frozen(1, 0, 1, 3))  # leaves 2 and 4: labs below k, waiting
    assert [r.leaves for r in log.state.rounds] == [(0, 1, 3)]
    assert log.state.round_candidates(2) == [2, 4]
    assert log.state.rounds[0].status == PENDING


def test_a_round_that_lists_nothing_is_refused() -> None:
    log = Log()
    with pytest.raises(LifecycleError, match=r"leaf 3: round 1 frozen with nothing to reveal"):
        log.batch(*log.sign(3), frozen(1))


@pytest.mark.parametrize(("listed", "stray"), [((0, 3), 3), ((0, 1), 1)])
def test_a_round_that_lists_no_live_entry_is_refused(listed: tuple[int, ...], stray: int) -> None:
    # Leaf 3 is not an entry; leaf 1 was withdrawn.
    log = Log()
    leaves = log.sign(3)
    log.batch(*leaves)
    with pytest.raises(LifecycleError, match=rf"round 1 lists leaf {stray}, which is not a live entry it may reveal"):
        log.batch(log.withdraw(1), frozen(1, *listed))


def test_a_waiting_entry_may_be_withdrawn_and_a_frozen_one_may_not() -> None:
    log = Log()
    log.batch(*log.sign(4), frozen(1, 0, 1, 2))
    log.batch(log.withdraw(3))  # waiting: allowed
    assert log.state.live_entries() == [0, 1, 2]
    assert log.state.round_candidates(2) == []
    with pytest.raises(LifecycleError, match=r"leaf 6: withdraws leaf 0, which a frozen round lists"):
        log.batch(log.withdraw(0))


def test_the_deadline_round_lists_only_entries_no_earlier_round_lists() -> None:
    log = Log()
    log.batch(*log.sign(4), frozen(1, 0, 1))
    log.batch(*log.sign(2), EventLeaf("round-revealed", round=1, digest=bytes(32)))  # leaves 5, 6
    assert log.state.round_candidates(2) == [2, 3, 5, 6]
    with pytest.raises(LifecycleError, match=r"leaf 8: round 2 lists leaf 1, which is not a live entry it may reveal"):
        log.batch(frozen(2, 1, 2, 3), at=DEADLINE)


def test_a_deadline_round_of_a_subset_then_close() -> None:
    log = Log()
    log.batch(*log.sign(4), frozen(1, 0, 1))
    log.batch(*log.sign(2), EventLeaf("round-revealed", round=1, digest=bytes(32)))
    log.batch(frozen(2, 2, 3), at=DEADLINE)  # leaves 5 and 6 wait for nothing: destroyed later
    log.batch(EventLeaf("round-abandoned", round=2), at=DEADLINE + WINDOW)
    log.batch(EventLeaf("closed"))
    assert [r.status for r in log.state.rounds] == [REVEALED, ABANDONED]
    assert log.state.outcome == "closed"


def test_signing_may_end_with_entries_waiting() -> None:
    # The public cannot see that the waiting entries' labs are below k: only the trustees can.
    log = Log()
    log.batch(*log.sign(4), frozen(1, 0, 1, 2))
    log.batch(EventLeaf("round-revealed", round=1, digest=bytes(32)))
    log.batch(EventLeaf("signing-ended"), at=DEADLINE)
    log.batch(EventLeaf("closed"))
    assert log.state.round_candidates(2) == [3]
    assert log.state.outcome == "closed"


def test_no_round_one_means_expired_and_no_signing_ended() -> None:
    log = Log()
    log.batch(*log.sign(2))
    with pytest.raises(LifecycleError, match=r"signing-ended, but round 1 never froze"):
        log.batch(EventLeaf("signing-ended"), at=DEADLINE)
    log = Log()
    log.batch(*log.sign(2))
    log.batch(EventLeaf("expired"), at=DEADLINE)
    assert log.state.outcome == EXPIRED and log.state.round_candidates(1) == [0, 1]


def test_round_one_is_not_frozen_at_the_deadline() -> None:
    log = Log()
    log.batch(*log.sign(2))
    with pytest.raises(LifecycleError, match=r"round 1 frozen at or after the deadline"):
        log.batch(frozen(1, 0, 1), at=DEADLINE)
    assert Log().state.outcome == OPEN
