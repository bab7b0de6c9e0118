"""``pledge-verify``'s checks of what the log says happened (docs/record.md, checks 7, 8, 10, 12
and 13; docs/protocol.md §12): the lifecycle replayed from the event leaves
(:mod:`crypto.lifecycle`, the one replay the witness and the server use too), the record's
rounds and outcome against it, round 1's threshold rule, the witnesses' quorum on every head
that carries an event, and how fresh the record is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from crypto import lifecycle
from crypto.errors import CryptoError, LifecycleError
from crypto.formats import messages
from crypto.formats.counts import count
from crypto.formats.errors import CheckFailed
from crypto.formats.record import Record, SignedHead

from .record_check import LogFacts, counts_head, head_name, rule_holds


def when(timestamp: int) -> str:
    """A Unix time as ``YYYY-MM-DD HH:MM:SS UTC``."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# --- 7. lifecycle ---------------------------------------------------------------------------


def check_lifecycle(record: Record, facts: LogFacts) -> lifecycle.Replay:
    """Replay the leaves batch by batch under the manifest's deadline and reveal window (every
    condition leaf against the manifest's conditions and labs); then
    every ``share-destroyed`` event names a trustee 1..n and carries its valid signature over
    ``H("destroy-confirmation", ctx, sc(j))``."""
    m = record.manifest
    try:
        state = lifecycle.replay(facts.leaves, [(h.size, h.timestamp) for h in record.heads],
                                 deadline=m.deadline, reveal_window=m.reveal_window,
                                 conditions=len(m.raw.get("conditions", [])), labs=m.token_keys)
    except LifecycleError as exc:
        raise CheckFailed(f"lifecycle: {exc}") from None
    for i, event in sorted(facts.events.items()):
        if event.event != "share-destroyed":
            continue
        if not 1 <= event.trustee <= m.n:
            raise CheckFailed(f"lifecycle: leaf {i}: share-destroyed names trustee {event.trustee}, "
                              f"but the trustees are 1..{m.n}")
        try:
            messages.verify(m.trustees[event.trustee].ed25519,
                           messages.destroy_message(record.ctx, event.trustee), event.signature)
        except CryptoError:
            raise CheckFailed(f"lifecycle: leaf {i}: trustee {event.trustee}'s destroy "
                              "confirmation does not verify under its key in the manifest") from None
    return state


# --- 8. rounds and outcome against the log --------------------------------------------------


def _ending_leaf(facts: LogFacts, number: int) -> int:
    """The leaf that ended round ``number``: its own event, or the takedown that abandoned it."""
    for i, event in facts.events.items():
        if event.event in ("round-revealed", "round-abandoned") and event.round == number:
            return i
    for i, event in facts.events.items():
        if event.event == "taken-down":
            return i
    raise AssertionError("the replay ended a round without its event")  # pragma: no cover


def _what_the_log_did(facts: LogFacts, logged: lifecycle.RoundState) -> str:
    if logged.status == lifecycle.PENDING:
        return f"froze it at leaf {logged.event_index} and has not revealed it"
    return f"{logged.status} it at leaf {_ending_leaf(facts, logged.number)}"


def check_against_log(record: Record, facts: LogFacts, state: lifecycle.Replay) -> None:
    """The record's rounds are the log's (number and status, in order) and its outcome is the
    log's (state and ``threshold_met``)."""
    for position, rnd in enumerate(record.rounds, start=1):
        if rnd.number != position:
            raise CheckFailed(f"rounds: rounds[{position - 1}] is numbered {rnd.number}; rounds "
                              "are numbered 1, 2, 3, ...")
    logged = state.rounds
    if len(record.rounds) < len(logged):
        missing = logged[len(record.rounds)]
        raise CheckFailed(f"rounds: the record lists {count(len(record.rounds), 'round')} but the log "
                          f"froze round {missing.number} at leaf {missing.event_index}")
    if len(record.rounds) > len(logged):
        raise CheckFailed(f"rounds: the record lists round {len(logged) + 1} but the log never "
                          "froze it")
    for rnd, log_round in zip(record.rounds, logged, strict=True):
        if rnd.status != log_round.status:
            raise CheckFailed(f"rounds: the record says round {rnd.number} is {rnd.status} but "
                              f"the log {_what_the_log_did(facts, log_round)}")
    out = record.outcome
    if out.state != state.outcome:
        raise CheckFailed(f"outcome: the record says {out.state} but the log says {state.outcome}")
    if out.threshold_met != state.threshold_met:
        said = "true" if out.threshold_met else "false"
        did = (f"froze round 1 at leaf {logged[0].event_index}" if logged
               else "froze no round")
        raise CheckFailed(f"outcome: the record says threshold_met is {said} but the log {did}")


# --- 10. round 1 and the threshold rule -----------------------------------------------------


def check_first_round(record: Record, facts: LogFacts, state: lifecycle.Replay
                      ) -> SignedHead | None:
    """Where round 1 froze, the threshold rule holds as far as the record states it: the log's
    live entries at that head (the end of the freezing batch's entries and withdrawals) reach
    ``min_total``, and ``labs_reached`` names at least ``min_labs`` labs (check 11 ties
    ``labs_reached`` to round 1's openings once it is revealed; whether the rule held at an
    earlier head depends on labs the log does not show: the trustees check that).

    Without round 1, returns the latest head if it is before the deadline and the counts say
    the rule holds there (with a per-lab part, so some lab has ``k``): not a failure, but worth
    telling the reader (the summary notes it)."""
    rule = record.manifest.rule
    head = counts_head(record, state.rounds[0].frozen_batch if state.rounds else None)
    if head is None:
        return None
    live, reached = facts.live_at[head.size], len(record.labs_reached)
    holds = rule_holds(rule, live, reached)
    if not state.rounds:
        return head if holds and rule.min_labs >= 1 and head.timestamp < record.manifest.deadline else None
    if not holds:
        raise CheckFailed(f"round 1: the threshold rule does not hold where it froze (the {head_name(head)}: "
                          f"{count(live, 'live entry', 'live entries')} for min_total = {rule.min_total}, "
                          f"{count(reached, 'lab', 'labs')} reached "
                          f"for min_labs = {rule.min_labs})")
    return None


# --- 12. the witnesses' quorum --------------------------------------------------------------


def confirmed_head(record: Record) -> SignedHead | None:
    """The latest head with at least ``w`` cosignatures (all of them already checked)."""
    for head in reversed(record.heads):
        if len(head.cosignatures) >= record.manifest.w:
            return head
    return None


def check_quorum(record: Record, facts: LogFacts, state: lifecycle.Replay) -> SignedHead | None:
    """Every head whose batch holds an event has ``w`` cosignatures, or a later head has them;
    returns the confirmed head (the latest with ``w``)."""
    confirmed = confirmed_head(record)
    if state.event_batches:
        batch = state.event_batches[-1]
        if confirmed is None or confirmed.batch < batch:
            head = record.heads[batch - 1]
            start = record.heads[batch - 2].size if batch >= 2 else 0
            event = min(i for i in facts.events if i >= start)
            raise CheckFailed(f"witnesses: the {head_name(head)} holds an event (leaf {event}) "
                              f"but neither it nor a later head has w = {record.manifest.w} "
                              f"cosignatures (it has {len(head.cosignatures)})")
    return confirmed


# --- 13. freshness --------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """The confirmed state, and why the record is incomplete (``None``: it is not)."""

    confirmed: SignedHead | None
    incomplete: str | None


def check_freshness(record: Record, confirmed: SignedHead | None) -> Freshness:
    """``exported_at`` is not before the latest head; the record is incomplete when no head has
    ``w`` cosignatures, or the latest that has is more than ``2 * batch_interval`` older than
    ``exported_at``."""
    m = record.manifest
    if record.heads and record.exported_at < record.heads[-1].timestamp:
        raise CheckFailed(f"exported_at ({when(record.exported_at)}) is before the latest "
                          f"head's time ({when(record.heads[-1].timestamp)})")
    if confirmed is None:
        return Freshness(None, f"no head has w = {m.w} cosignatures")
    if record.exported_at - confirmed.timestamp > 2 * m.batch_interval:
        return Freshness(confirmed, (
            f"the latest head with w = {m.w} cosignatures, the {head_name(confirmed)} of "
            f"{when(confirmed.timestamp)}, is more than twice the batch interval "
            f"({m.batch_interval} s) older than the record, exported {when(record.exported_at)}"))
    return Freshness(confirmed, None)
