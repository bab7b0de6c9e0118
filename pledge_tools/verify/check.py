"""Every check of a campaign record, in the order of ``docs/record.md``, and what a record that
passes them says (:class:`Summary`)."""

from __future__ import annotations

from dataclasses import dataclass

from crypto import parallel
from crypto.formats.record import Record, SignedHead, parse_record

from .record_check import (
    LogFacts,
    check_counts,
    check_dkg,
    check_heads,
    check_leaves,
    check_manifest,
    check_outcome,
    check_rounds,
)
from .record_rounds import RevealFacts, check_revealed_rounds


@dataclass(frozen=True)
class Summary:
    """What a record that passed every check says."""

    record: Record
    transcript: bytes
    log: LogFacts
    reveal: RevealFacts
    unfrozen: SignedHead | None  # no round, yet the rule held at this head (see check_rounds)


def verify_record(obj: object, *, jobs: int | None = None) -> Summary:
    """Parse and check a record (parsed JSON); raises
    :class:`~crypto.formats.errors.CheckFailed` at the first failure, in the order of
    ``docs/record.md``. The per-leaf and per-entry checks are shared out among ``jobs`` worker
    processes (default: the CPU count; see :mod:`crypto.parallel`); what is reported does not
    depend on it."""
    return check_parsed(parse_record(obj), jobs=jobs)


def check_parsed(record: Record, *, jobs: int | None = None) -> Summary:
    """:func:`verify_record` of a record already read with :func:`parse_record`."""
    deadline = check_manifest(record)
    transcript = check_dkg(record)
    with parallel.pool(jobs):  # one set of worker processes for the leaves and the rounds
        facts = check_leaves(record, jobs=jobs)
        check_heads(record)
        check_counts(record, facts)
        unfrozen = check_rounds(record, facts, deadline)
        revealed = check_revealed_rounds(record, facts, jobs=jobs)
    check_outcome(record)
    return Summary(record, transcript, facts, revealed, unfrozen)
