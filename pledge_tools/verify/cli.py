"""``pledge-verify RECORD [--witness FILE_OR_URL]... [--server URL] [--quiet] [--jobs N]``:
check a campaign record from outside (docs/protocol.md §11 and §12).

Built on :mod:`crypto` only (and the standard library's HTTP client for ``--server`` and a
``--witness`` URL). Reads the record (a file, or ``-`` for standard input), recomputes
everything in it in the fixed order of ``docs/record.md`` (:mod:`.check` lists it) and stops at
the first failure.

Exit codes (the table is :mod:`pledge_tools.exits`): 0 every check holds (a summary is printed
unless ``--quiet``; its first line says ``OK``, or ``INCOMPLETE`` and why when no recent head
has the witnesses' quorum); 1 a check failed or the record (or a witness head, or the server's
reply) is not in the documented format (one line on standard error, ``pledge-verify: FAILED:
<what failed>``); 2 a bad command line; 4 the server refused the request; 5 a file cannot be
read; 6 the server (or a witness URL) cannot be reached.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from crypto.errors import CryptoError
from crypto.formats import messages
from crypto.formats.counts import count
from crypto.formats.errors import FileProblem, Refusal
from crypto.formats.jsonfile import load_json, read_json
from crypto.formats.record import PENDING, Record, parse_record
from crypto.lifecycle import ConditionRecord

from .. import exits
from ..exits import EXIT_OK
from ..jobs import add_jobs_option
from ..sign.errors import ServerUnreachable
from ..text import printable
from .check import Summary, check_parsed
from .record_check import head_name
from .record_log import when

PROG = "pledge-verify"


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return count(number, singular, plural)


def _rounds_line(s: Summary) -> str:
    rounds, logged = s.record.rounds, s.lifecycle.rounds
    if not rounds and s.unfrozen is not None:
        head = s.unfrozen
        return (f"rounds: none. Note: the record's counts say the rule holds at the head of batch "
                f"{head.batch} (size {head.size}), whose time is before the deadline, yet the log "
                "froze no round")
    if not rounds:
        return "rounds: none"
    line = (f"rounds: {len(rounds)} ({s.reveal.rounds_revealed} revealed; round 1 froze at leaf "
            f"{logged[0].event_index}, in batch {logged[0].frozen_batch}, where the rule held); "
            f"{s.reveal.payloads} revealed payloads equal a fresh decryption; every revealed lab "
            f"has at least k = {s.record.manifest.k} in its round")
    pending = [r.number for r in rounds if r.status == PENDING]
    if pending:
        line += f"; round {pending[0]} awaits the trustees"
    abandoned = [str(r.number) for r in rounds if r.status == "abandoned"]
    if abandoned:
        why = ("not revealed within the reveal window, or ended by the takedown"
               if s.lifecycle.outcome == "taken-down" else "not revealed within the reveal window")
        line += f"; round {', '.join(abandoned)} abandoned ({why})"
    if s.reveal.unopened or s.reveal.malformed:
        line += (f"; {s.reveal.unopened + s.reveal.malformed} sealed by their signers so that "
                 "they do not open to a valid signature (published as such)")
    return line


def _confirmed_line(s: Summary) -> str:
    m, head = s.record.manifest, s.freshness.confirmed
    if head is None:
        return f"confirmed state: none (no head has w = {m.w} cosignatures)"
    names = ", ".join(printable(m.witnesses[key], 100) for key in sorted(
        head.cosignatures, key=lambda key: list(m.witnesses).index(key)))
    return (f"confirmed state: the {head_name(head)}, {when(head.timestamp)}, cosigned by "
            f"{names} ({len(head.cosignatures)} of {len(m.witnesses)} witnesses; w = {m.w})")


def _outcome_line(s: Summary) -> str:
    if s.incomplete is not None:
        return "outcome: not confirmed (the record is incomplete)"
    state = s.lifecycle.outcome
    line = f"outcome: {state}"
    if state == "taken-down":
        line += " (the site took the campaign down; no round is revealed after it)"
    if state in ("expired", "closed", "taken-down"):
        line += (f"; {len(s.lifecycle.destroyed)} of {s.record.manifest.n} trustees confirmed "
                 "destroying their share")
    return line


def _remote_lines(s: Summary) -> list[str]:
    latest = s.record.heads[-1].size if s.record.heads else 0
    lines = [f"{printable(seen.who, 200)}: cosigned the head of size {seen.size} "
             f"({when(seen.timestamp)}); the "
             f"record holds it (its latest head has size {latest})" for seen in s.witnesses]
    if s.server_checked:
        if s.server is None:
            lines.append(f"the server: no head has w = {s.record.manifest.w} cosignatures there")
        else:
            lines.append(f"the server: its latest head with w cosignatures has size "
                         f"{s.server.size} ({when(s.server.timestamp)}); the record holds it")
    return lines


def _entries_line(s: Summary) -> str:
    """Live and sealed entries, and per lab only what the openings of revealed entries show."""
    r = s.record
    live = s.log.live_at[r.heads[-1].size if r.heads else 0]
    revealed = s.reveal.by_lab
    shown = sum(revealed.values())
    labs = ", ".join(f"{printable(r.manifest.lab_name(lab), 100)} {number}"
                     for lab, number in sorted(revealed.items()))
    line = f"entries: {live} live at the latest head"
    if revealed:
        line += f"; revealed, per lab: {labs} ({shown} in all)"
    sealed = live - shown
    return line + f"; {sealed} still sealed (their labs are not public)"


def _lab_list(s: Summary, numbers: Mapping[str, int]) -> str:
    """``Lab A 3, Lab B 1``: labs by their manifest names, in name order."""
    m = s.record.manifest
    named = sorted((printable(m.lab_name(slug), 100), number) for slug, number in numbers.items())
    return ", ".join(f"{name} {number}" for name, number in named)


def withholding_by_lab(s: Summary) -> dict[str, int]:
    """How many revealed signers are withholding now, per lab slug with revealed signers (0
    included), from their latest statements and their revealed openings' labs."""
    counts = Counter(s.reveal.lab_of[nullifier] for nullifier in s.lifecycle.withholding())
    return {slug: counts.get(slug, 0) for slug in sorted(set(s.reveal.lab_of.values()))}


def latest_conditions(s: Summary) -> dict[tuple[str, int], ConditionRecord]:
    """The latest judgement of each (lab slug, condition number), in log order."""
    latest: dict[tuple[str, int], ConditionRecord] = {}
    for judged in s.lifecycle.condition_history:
        latest[(judged.leaf.lab, judged.leaf.condition)] = judged
    return latest


def _after_reveal_lines(s: Summary) -> list[str]:
    """Once round 1 is revealed: who is withholding now, per lab, and the conditions' history."""
    state = s.lifecycle
    if not state.round_one_revealed and not state.stances and not state.condition_history:
        return []
    m = s.record.manifest
    withholding = withholding_by_lab(s)
    total = sum(withholding.values())
    line = (f"statements: {_count(s.log.statements, 'statement')} by "
            f"{_count(len(state.stances), 'revealed signer')}; withholding now, per lab: ")
    line += (f"{_lab_list(s, withholding)} ({total} of {len(s.reveal.lab_of)} revealed signers)"
             if withholding else "none revealed")
    lines = [line]
    latest = latest_conditions(s)
    judgements = _count(len(state.condition_history), 'judgement')
    if not latest:
        lines.append(f"conditions: {judgements}")
        return lines
    lines.append(f"conditions: {judgements}; the latest per lab and condition:")
    for (slug, number), judged in sorted(
            latest.items(), key=lambda item: (printable(m.lab_name(item[0][0]), 100), item[0][1])):
        lines.append(f"  {printable(m.lab_name(slug), 100)}, condition {number}: "
                     f"{judged.leaf.status} (dated {judged.leaf.date}, leaf {judged.index})")
    return lines


def _after_reveal_kinds(s: Summary) -> str:
    """``, 3 statements, 1 condition leaf`` when the log holds either kind, else nothing."""
    if not s.log.statements and not s.log.conditions:
        return ""
    return (f", {_count(s.log.statements, 'statement')}, "
            f"{_count(s.log.conditions, 'condition leaf', 'condition leaves')}")


def _reached_line(s: Summary) -> str:
    r = s.record
    reached = ", ".join(printable(r.manifest.lab_name(lab), 100) for lab in r.labs_reached) or "none"
    return (f"labs at the per-lab minimum ({r.manifest.rule.min_per_lab}), as stated for the head of "
            f"size {r.counts_head_size}: {reached}")


def summary_lines(s: Summary) -> list[str]:
    """The success report, one fact per line (text from the record made terminal-safe)."""
    r, m = s.record, s.record.manifest
    verdict = "OK: " if s.incomplete is None else f"INCOMPLETE: {s.incomplete}; "
    return [
        f"{PROG}: {verdict}campaign “{printable(m.raw.get('title', ''), 200)}” "
        f"({m.campaign_id}), ctx {messages.fingerprint(r.ctx)}",
        f"trustees: {m.t} of {m.n}; every deal and transcript signature checks (transcript "
        f"{messages.fingerprint(s.transcript)}); Y ({messages.fingerprint(r.Y)}) and every Y_j "
        "recomputed",
        f"log: {_count(len(r.leaves), 'leaf', 'leaves')} "
        f"({_count(len(s.log.entries), 'entry', 'entries')}, "
        f"{_count(s.log.withdrawals, 'withdrawal')}, {_count(len(s.log.events), 'event')}"
        f"{_after_reveal_kinds(s)}); "
        f"{_count(len(r.heads), 'signed head')} checked under the manifest's log key; the "
        "lifecycle replays",
        _confirmed_line(s),
        _entries_line(s),
        _reached_line(s),
        _rounds_line(s),
        *_after_reveal_lines(s),
        _outcome_line(s),
        *_remote_lines(s),
    ]


def _load(source: str) -> Record:
    """Read and parse the record a window at a time (a file, or ``-`` for standard input): a
    record of 100,000 entries is about half a gigabyte of JSON, and its hex is dropped as soon
    as it is read."""
    if source == "-":
        obj = load_json(sys.stdin.buffer, "the record", size_name="standard input")
    else:
        obj = read_json(Path(source), "the record")
    return parse_record(obj, consume=True)


def main(argv: Sequence[str] | None = None) -> int:
    """The ``pledge-verify`` console script. Unlike the other two programs it lets argparse's
    :class:`SystemExit` propagate (with an integer code), as it always has."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Check a Pledge campaign record (see docs/record.md).")
    parser.add_argument("record", help="the campaign record file, or - for standard input")
    parser.add_argument("--witness", action="append", default=[], metavar="FILE_OR_URL",
                        help="a witness's published head file (or its URL): refuse a record "
                             "cut before it or forked from it (may be repeated)")
    parser.add_argument("--server", metavar="URL",
                        help="the campaign's site: refuse a record cut before the server's "
                             "latest cosigned head, or forked from it")
    parser.add_argument("--quiet", action="store_true", help="print nothing when it verifies")
    add_jobs_option(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        raise SystemExit(exits.usage_exit_code(exc)) from None
    try:
        summary = check_parsed(_load(args.record), jobs=args.jobs,
                               witnesses=tuple(args.witness), server=args.server)
    except (FileProblem, ServerUnreachable) as exc:
        print(f"{PROG}: error: {printable(exc)}", file=sys.stderr)
        return exits.exit_code(exc)
    except (Refusal, CryptoError) as exc:  # CryptoError: a malformed value no check anticipated
        print(f"{PROG}: FAILED: {printable(exc, 2000)}", file=sys.stderr)
        return exits.exit_code(exc)
    if not args.quiet:
        print("\n".join(summary_lines(summary)))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
