"""Every check of a campaign record, in the order of ``docs/record.md`` (docs/protocol.md §12),
and what a record that passes them says (:class:`Summary`).

1. the record's format (:func:`crypto.formats.record.parse_record`, strict);
2. the manifest: ``ctx`` is its hash; every token key is SPKI DER;
3. the key ceremony: deals, transcript signatures, ``Y`` and every ``Y_j``;
4. every leaf: its form, one entry per nullifier, withdrawals, statements signed by their
   entry's withdrawal key (the log shows no lab);
5. every signed head: numbered by batch, under the manifest's ``log_key``, Merkle roots;
6. every cosignature: by a witness of the manifest, and valid;
7. the lifecycle replayed from the leaves (rounds list live entries, none twice; statements
   and condition leaves only after the reveal, in turn, against the manifest's conditions and
   labs; a takedown); destroy confirmations;
8. the record's rounds and outcome are the log's;
9. the counts: the head they are stated for, ``labs_reached`` names labs of the manifest;
10. the threshold rule holds where round 1 froze (the log's live total, ``labs_reached``);
11. every revealed round: its entries, their digest, openings, ciphertexts, partials,
    payloads; none or at least k per lab; round 1's openings give ``labs_reached``;
12. every head with an event has ``w`` cosignatures, or a later head has;
13. ``exported_at`` and the confirmed state (complete or INCOMPLETE);
14. ``--witness``: a witness's published head;
15. ``--server``: the server's latest cosigned head.
"""

from __future__ import annotations

from dataclasses import dataclass

from crypto import lifecycle, parallel
from crypto.formats.record import Record, SignedHead, parse_record

from .record_check import (
    LogFacts,
    check_cosignatures,
    check_counts,
    check_dkg,
    check_heads,
    check_leaves,
    check_manifest,
)
from .record_log import (
    Freshness,
    check_against_log,
    check_first_round,
    check_freshness,
    check_lifecycle,
    check_quorum,
)
from .record_rounds import RevealFacts, check_revealed_rounds
from .remote import SeenHead, check_server, check_witness_head


@dataclass(frozen=True)
class Summary:
    """What a record that passed every check says."""

    record: Record
    transcript: bytes
    log: LogFacts
    lifecycle: lifecycle.Replay
    reveal: RevealFacts
    unfrozen: SignedHead | None  # no round, yet the counts say the rule held at this head before the deadline
    freshness: Freshness
    witnesses: tuple[SeenHead, ...] = ()
    server: SeenHead | None = None
    server_checked: bool = False

    @property
    def incomplete(self) -> str | None:
        """Why the record is incomplete, or ``None``."""
        return self.freshness.incomplete


def verify_record(obj: object, *, jobs: int | None = None, witnesses: tuple[str, ...] = (),
                  server: str | None = None) -> Summary:
    """Parse and check a record (parsed JSON); raises
    :class:`~crypto.formats.errors.CheckFailed` at the first failure, in the order of
    ``docs/record.md``. The per-leaf and per-entry checks are shared out among ``jobs`` worker
    processes (default: the CPU count; see :mod:`crypto.parallel`); what is reported does not
    depend on it."""
    return check_parsed(parse_record(obj), jobs=jobs, witnesses=witnesses, server=server)


def check_parsed(record: Record, *, jobs: int | None = None, witnesses: tuple[str, ...] = (),
                 server: str | None = None) -> Summary:
    """:func:`verify_record` of a record already read with :func:`parse_record` (check 1)."""
    check_manifest(record)
    transcript = check_dkg(record)
    with parallel.pool(jobs):  # one set of worker processes for every round's entries
        facts = check_leaves(record)
        check_heads(record)
        check_cosignatures(record)
        state = check_lifecycle(record, facts)
        check_against_log(record, facts, state)
        check_counts(record, state.rounds[0].frozen_batch if state.rounds else None)
        unfrozen = check_first_round(record, facts, state)
        revealed = check_revealed_rounds(record, facts, state, jobs=jobs)
    confirmed = check_quorum(record, facts, state)
    freshness = check_freshness(record, confirmed)
    seen = tuple(check_witness_head(record, source) for source in witnesses)
    from_server = check_server(record, server) if server is not None else None
    return Summary(record, transcript, facts, state, revealed, unfrozen, freshness, seen,
                   from_server, server is not None)
