"""The campaign lifecycle, replayed from the log alone (docs/protocol.md §8).

Every state change of a campaign is an event leaf in its log, placed in the batch that decides
it. :class:`Replay` reads the log batch by batch (each batch is the leaves a signed head added,
with that head's timestamp), refuses anything the lifecycle does not allow, and derives the
rounds and the outcome. The verifier, the witness and the server use this one replay, so "what
the log says happened" means one thing everywhere.

It checks order and meaning, not signatures: the caller checks tokens, withdrawal and statement
signatures, destroy confirmations and heads. Leaf indices in messages count from 0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import LifecycleError
from .hashing import canonical_json
from .log_leaves import ConditionLeaf, EntryLeaf, EventLeaf, Leaf, StatementLeaf, WithdrawalLeaf, check_date
from .opening import Opening

PENDING, REVEALED, ABANDONED = "pending", "revealed", "abandoned"
OPEN, REVEALED_STATE, CLOSED, EXPIRED, TAKEN_DOWN = "open", "revealed", "closed", "expired", "taken-down"


@dataclass
class RoundState:
    """A frozen round as the log tells it."""

    number: int
    leaves: tuple[int, ...]
    frozen_batch: int
    frozen_timestamp: int
    event_index: int
    status: str = PENDING
    digest: bytes | None = None
    ended_batch: int | None = None


@dataclass(frozen=True)
class Stance:
    """A revealed signer's latest statement: ``stance`` and the position of its leaf."""

    stance: str
    seq: int
    index: int
    timestamp: int


@dataclass(frozen=True)
class ConditionRecord:
    """One condition leaf with its position and its batch's timestamp (the history, in log order)."""

    index: int
    timestamp: int
    leaf: ConditionLeaf


@dataclass
class Replay:
    """The lifecycle so far; feed it with :meth:`add_batch` in batch order.

    ``deadline`` is the manifest's deadline and ``reveal_window`` its ``G``, both in seconds.
    ``conditions`` (how many the manifest lists) and ``labs`` (the manifest's lab slugs), when
    given, are checked against every condition leaf.
    """

    deadline: int
    reveal_window: int
    conditions: int | None = None
    labs: frozenset[str] | None = None
    size: int = 0
    batch: int = 0
    timestamp: int | None = None
    rounds: list[RoundState] = field(default_factory=list)
    deadline_event: int | None = None
    ended: str | None = None
    destroyed: dict[int, int] = field(default_factory=dict)
    event_batches: list[int] = field(default_factory=list)
    _entries: dict[bytes, int] = field(default_factory=dict)
    _withdrawn: set[int] = field(default_factory=set)
    _frozen: set[int] = field(default_factory=set)
    #: The latest statement of each revealed signer who made one, by nullifier.
    stances: dict[bytes, Stance] = field(default_factory=dict)
    #: Every condition leaf, in log order.
    condition_history: list[ConditionRecord] = field(default_factory=list)
    _revealed: set[bytes] = field(default_factory=set)
    _nullifier_of: dict[int, bytes] = field(default_factory=dict)

    # --- what the log says ----------------------------------------------------------------

    @property
    def threshold_met(self) -> bool:
        """Whether round 1 ever froze."""
        return bool(self.rounds)

    @property
    def outcome(self) -> str:
        """``expired``, ``closed``, ``taken-down``, ``revealed`` (round 1 revealed) or ``open``."""
        if self.ended in (CLOSED, EXPIRED, TAKEN_DOWN):
            return self.ended
        if self.rounds and self.rounds[0].status == REVEALED:
            return REVEALED_STATE
        return OPEN

    @property
    def signing_ended(self) -> bool:
        """Whether the deadline event is in the log (no entry may follow it)."""
        return self.deadline_event is not None

    @property
    def round_one_revealed(self) -> bool:
        """Whether round 1 is revealed (statements and condition leaves may follow)."""
        return bool(self.rounds) and self.rounds[0].status == REVEALED

    def withholding(self) -> list[bytes]:
        """The nullifiers of the revealed signers whose latest statement is "withholding"."""
        return sorted(n for n, stance in self.stances.items() if stance.stance == "withholding")

    def live_entries(self) -> list[int]:
        """Indices of the entry leaves not withdrawn, in log order."""
        return sorted(i for i in self._entries.values() if i not in self._withdrawn)

    def round_candidates(self, number: int) -> list[int]:
        """The entries round ``number`` may list if it froze now: round 1 any live entry, the
        deadline round any live entry no earlier round lists. Which of them it lists depends on
        their labs (:mod:`crypto.rounds`), which the log does not show."""
        return [i for i in self.live_entries() if number == 1 or i not in self._frozen]

    # --- reading the log ------------------------------------------------------------------

    def add_batch(self, leaves: Sequence[Leaf], timestamp: int) -> None:
        """Replay the leaves one signed head added, with that head's timestamp."""
        if self.timestamp is not None and timestamp <= self.timestamp:
            raise LifecycleError(
                f"head of batch {self.batch + 1} is not later than the head before it")
        self.batch += 1
        self.timestamp = timestamp
        had_deadline_event = self.signing_ended
        seen_event = False
        for leaf in leaves:
            where = f"leaf {self.size}"
            if isinstance(leaf, EventLeaf):
                seen_event = True
                self._event(leaf, where)
            elif seen_event:
                raise LifecycleError(f"{where}: {_kind(leaf)} after an event of its batch")
            elif isinstance(leaf, StatementLeaf):
                self._statement(leaf, where)
            elif isinstance(leaf, ConditionLeaf):
                self._condition(leaf, where)
            elif self.signing_ended:
                raise LifecycleError(f"{where}: an entry or withdrawal after the deadline event")
            elif isinstance(leaf, EntryLeaf):
                self._entry(leaf, where)
            elif isinstance(leaf, WithdrawalLeaf):
                self._withdrawal(leaf, where)
            self.size += 1
        if seen_event:
            self.event_batches.append(self.batch)
        if timestamp >= self.deadline and not had_deadline_event and not self.signing_ended:
            raise LifecycleError(
                f"batch {self.batch} is the first at or after the deadline but has no deadline event")

    def _entry(self, leaf: EntryLeaf, where: str) -> None:
        if leaf.nullifier in self._entries:
            raise LifecycleError(f"{where}: a second entry with the nullifier of leaf "
                                 f"{self._entries[leaf.nullifier]}")
        self._entries[leaf.nullifier] = self.size
        self._nullifier_of[self.size] = leaf.nullifier

    def _withdrawal(self, leaf: WithdrawalLeaf, where: str) -> None:
        index = self._entries.get(leaf.nullifier)
        if index is None:
            raise LifecycleError(f"{where}: withdraws no earlier entry")
        if index in self._withdrawn:
            raise LifecycleError(f"{where}: withdraws leaf {index} a second time")
        if index in self._frozen:
            raise LifecycleError(f"{where}: withdraws leaf {index}, which a frozen round lists")
        self._withdrawn.add(index)

    def _after_reveal(self, leaf: Leaf, where: str) -> None:
        if self.ended in (EXPIRED, TAKEN_DOWN):
            raise LifecycleError(f"{where}: {_kind(leaf)} after the campaign {self.ended}")
        if not self.round_one_revealed:
            raise LifecycleError(f"{where}: {_kind(leaf)} before round 1 is revealed")

    def _statement(self, leaf: StatementLeaf, where: str) -> None:
        self._after_reveal(leaf, where)
        if leaf.nullifier not in self._revealed:
            raise LifecycleError(f"{where}: a statement for an entry no earlier batch revealed")
        previous = self.stances.get(leaf.nullifier)
        expected = 0 if previous is None else previous.seq + 1
        if leaf.seq != expected:
            raise LifecycleError(f"{where}: a statement numbered {leaf.seq}; this signer's next is {expected}")
        if (previous is None and leaf.stance != "withholding") or (previous is not None and previous.stance == leaf.stance):
            raise LifecycleError(f"{where}: a statement that does not change the signer's stance")
        self.stances[leaf.nullifier] = Stance(leaf.stance, leaf.seq, self.size, self.timestamp or 0)

    def _condition(self, leaf: ConditionLeaf, where: str) -> None:
        self._after_reveal(leaf, where)
        if self.conditions is not None and not 1 <= leaf.condition <= self.conditions:
            raise LifecycleError(f"{where}: condition {leaf.condition}, which the manifest does not list")
        if self.labs is not None and leaf.lab not in self.labs:
            raise LifecycleError(f"{where}: a condition at lab {leaf.lab!r}, which the manifest does not list")
        day = datetime.fromtimestamp(self.timestamp or 0, UTC).date()
        if check_date(leaf.date) > day:
            raise LifecycleError(f"{where}: a condition dated {leaf.date}, after its batch's day {day.isoformat()}")
        self.condition_history.append(ConditionRecord(self.size, self.timestamp or 0, leaf))

    def _event(self, leaf: EventLeaf, where: str) -> None:
        if self.ended is not None and leaf.event != "share-destroyed":
            raise LifecycleError(f"{where}: event {leaf.event} after the campaign {self.ended}")
        handler = {
            "round-frozen": self._frozen_event,
            "round-revealed": self._round_ended,
            "round-abandoned": self._round_ended,
            "signing-ended": self._deadline_event,
            "expired": self._deadline_event,
            "closed": self._closed,
            "share-destroyed": self._destroyed,
            "taken-down": self._taken_down,
        }[leaf.event]
        handler(leaf, where)

    def _frozen_event(self, leaf: EventLeaf, where: str) -> None:
        if leaf.round != len(self.rounds) + 1:
            raise LifecycleError(f"{where}: round {leaf.round} frozen, but {len(self.rounds)} "
                                 "round(s) froze before it")
        if leaf.round == 1:
            if self.signing_ended or (self.timestamp or 0) >= self.deadline:
                raise LifecycleError(f"{where}: round 1 frozen at or after the deadline")
        else:
            self._deadline_event(leaf, where)
        allowed = set(self.round_candidates(leaf.round))
        stray = [i for i in leaf.leaves if i not in allowed]
        if stray:
            raise LifecycleError(f"{where}: round {leaf.round} lists leaf {stray[0]}, which is not a live entry "
                                 "it may reveal")
        if not leaf.leaves:
            raise LifecycleError(f"{where}: round {leaf.round} frozen with nothing to reveal")
        self._frozen.update(leaf.leaves)
        self.rounds.append(RoundState(leaf.round, tuple(leaf.leaves), self.batch,
                                      self.timestamp or 0, self.size))

    def _round_ended(self, leaf: EventLeaf, where: str) -> None:
        if not 1 <= leaf.round <= len(self.rounds):
            raise LifecycleError(f"{where}: {leaf.event} for round {leaf.round}, which never froze")
        rnd = self.rounds[leaf.round - 1]
        if rnd.status != PENDING:
            raise LifecycleError(f"{where}: {leaf.event} for round {leaf.round}, already {rnd.status}")
        if rnd.frozen_batch == self.batch:
            raise LifecycleError(f"{where}: round {leaf.round} ends in the batch that froze it")
        if leaf.event == "round-abandoned":
            if (self.timestamp or 0) < rnd.frozen_timestamp + self.reveal_window:
                raise LifecycleError(f"{where}: round {leaf.round} abandoned before its reveal window ended")
            rnd.status = ABANDONED
        else:
            rnd.status, rnd.digest = REVEALED, leaf.digest
            self._revealed.update(self._nullifier_of[i] for i in rnd.leaves)
        rnd.ended_batch = self.batch

    def _deadline_event(self, leaf: EventLeaf, where: str) -> None:
        if self.signing_ended:
            raise LifecycleError(f"{where}: a second deadline event (the first is leaf {self.deadline_event})")
        if (self.timestamp or 0) < self.deadline:
            raise LifecycleError(f"{where}: a deadline event before the deadline")
        if leaf.event == "expired" and self.rounds:
            raise LifecycleError(f"{where}: expired, but round 1 froze")
        if leaf.event == "signing-ended" and not self.rounds:
            raise LifecycleError(f"{where}: signing-ended, but round 1 never froze (expected expired)")
        self.deadline_event = self.size
        if leaf.event == "expired":
            self.ended = EXPIRED

    def _closed(self, leaf: EventLeaf, where: str) -> None:
        if not self.signing_ended:
            raise LifecycleError(f"{where}: closed before the deadline event")
        pending = [r.number for r in self.rounds if r.status == PENDING]
        if pending:
            raise LifecycleError(f"{where}: closed while round {pending[0]} is pending")
        self.ended = CLOSED

    def _taken_down(self, leaf: EventLeaf, where: str) -> None:
        # The site took the campaign down: signing ends now if it had not (it counts as the
        # deadline event), every pending round is abandoned, and the campaign has ended.
        if not self.signing_ended:
            self.deadline_event = self.size
        for rnd in self.rounds:
            if rnd.status == PENDING:
                rnd.status, rnd.ended_batch = ABANDONED, self.batch
        self.ended = TAKEN_DOWN

    def _destroyed(self, leaf: EventLeaf, where: str) -> None:
        if self.ended is None:
            raise LifecycleError(f"{where}: a share destroyed before the campaign ended")
        if leaf.trustee in self.destroyed:
            raise LifecycleError(f"{where}: trustee {leaf.trustee} confirmed destruction twice")
        self.destroyed[leaf.trustee] = self.size


def _kind(leaf: Leaf) -> str:
    return {EntryLeaf: "an entry", WithdrawalLeaf: "a withdrawal", StatementLeaf: "a statement",
            ConditionLeaf: "a condition leaf", EventLeaf: "an event"}[type(leaf)]


def replay(leaves: Sequence[Leaf], heads: Sequence[tuple[int, int]], *, deadline: int,
           reveal_window: int, conditions: int | None = None, labs: Iterable[str] | None = None) -> Replay:
    """Replay a whole log: ``heads`` are ``(size, timestamp)`` in batch order and the last size
    is ``len(leaves)``. ``conditions`` and ``labs`` (from the manifest), when given, are checked
    against every condition leaf."""
    state = Replay(deadline, reveal_window, conditions, frozenset(labs) if labs is not None else None)
    start = 0
    for size, timestamp in heads:
        if size < start or size > len(leaves):
            raise LifecycleError(f"head of batch {state.batch + 1} has a size out of order")
        state.add_batch(leaves[start:size], timestamp)
        start = size
    if start != len(leaves):
        raise LifecycleError("leaves after the latest head")
    return state


def round_digest(entries: Iterable[tuple[int, Opening, Mapping[int, bytes]]]) -> bytes:
    """The ``digest`` of a ``round-revealed`` event (docs/protocol.md §8): SHA-256 of the
    canonical JSON of the round's revealed entries in leaf order, each ``{"leaf_index": i,
    "opening": {...}, "partials": {"j": partial}}`` (the entry's opening, and every verified
    partial the server stored for it, keyed by the decimal trustee index). ``entries`` are
    ``(leaf_index, opening, {j: partial})``."""
    listed = [{"leaf_index": index, "opening": opening.doc(),
               "partials": {str(j): bytes(partial) for j, partial in sorted(partials.items())}}
              for index, opening, partials in sorted(entries, key=lambda item: item[0])]
    return hashlib.sha256(canonical_json(listed)).digest()
