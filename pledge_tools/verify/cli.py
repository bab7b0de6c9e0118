"""``pledge-verify RECORD [--quiet] [--jobs N]``: check a campaign record from outside
(DESIGN §6).

Built on :mod:`crypto` only. Reads the record (a file, or ``-`` for standard input), recomputes
everything in it in the fixed order of ``docs/record.md`` and stops at the first failure:

1. the manifest hashes to ``ctx``;                 5. the published counts;
2. the key ceremony (deals, transcript, ``Y``, Y_j); 6. the threshold rule and rounds' heads;
3. every log leaf;                                  7. every revealed round's entries;
4. every signed tree head;                          8. the outcome.

The checks are :mod:`.check`; this module reads, prints and exits. Exit codes (the table is
:mod:`pledge_tools.exits`): 0 every check holds (a summary is printed unless ``--quiet``); 1 a
check failed or the record is not in the documented format (one line on standard error,
``pledge-verify: FAILED: <what failed>``); 2 a bad command line; 5 the file cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from crypto.errors import CryptoError
from crypto.formats import messages
from crypto.formats.errors import FileProblem, Refusal
from crypto.formats.jsonfile import load_json, read_json
from crypto.formats.record import REVEALED, Record, parse_record

from .. import exits
from ..exits import EXIT_OK
from ..jobs import add_jobs_option
from ..text import printable
from .check import Summary, check_parsed

PROG = "pledge-verify"


def _count(number: int, singular: str, plural: str = "") -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def _rounds_line(s: Summary) -> str:
    rounds = s.record.rounds
    if not rounds and s.unfrozen is not None:
        head = s.unfrozen
        return (f"rounds: none. Note: the rule holds at the head of batch {head.batch} (size "
                f"{head.size}), whose time is before the deadline, yet no round was frozen; the "
                "server freezes one unless that batch was published after the deadline (a "
                "batch's time is rounded down to the batch interval)")
    if not rounds:
        return "rounds: none (the threshold rule holds at no signed head before the deadline)"
    pending = [r.number for r in rounds if r.status != REVEALED]
    line = (f"rounds: {len(rounds)} ({s.reveal.rounds_revealed} revealed; round 1 froze the "
            f"head of size {rounds[0].size}, the first where the rule held); "
            f"{s.reveal.payloads} revealed payloads equal a fresh decryption")
    if pending:
        line += f"; round {pending[0]} awaits the trustees"
    if s.reveal.unopened or s.reveal.malformed:
        line += (f"; {s.reveal.unopened + s.reveal.malformed} sealed by their signers so that "
                 "they do not open to a valid signature (published as such)")
    return line


def summary_lines(s: Summary) -> list[str]:
    """The success report, one fact per line (text from the record made terminal-safe)."""
    r, m = s.record, s.record.manifest
    live = r.published_counts
    labs = ", ".join(f"{printable(lab, 100)} {count}" for lab, count in sorted(live.items()))
    entries = len(s.log.entries)
    return [
        f"{PROG}: OK: campaign “{printable(m.raw.get('title', ''), 200)}” ({m.campaign_id}), "
        f"ctx {messages.fingerprint(r.ctx)}",
        f"trustees: {m.t} of {m.n}; every deal and transcript signature checks (transcript "
        f"{messages.fingerprint(s.transcript)}); Y ({messages.fingerprint(r.Y)}) and every Y_j "
        "recomputed",
        f"log: {_count(len(r.leaves), 'leaf', 'leaves')} ({_count(entries, 'entry', 'entries')}, "
        f"{_count(s.log.withdrawals, 'withdrawal')}); {_count(len(r.heads), 'signed head')} "
        "checked",
        f"live entries per lab at the latest head: {labs or 'none'} "
        f"({sum(live.values())} in all; equal to the published counts)",
        _rounds_line(s),
        f"outcome: {r.outcome.state}"
        + (f"; {len(r.outcome.destroy_confirmations)} of {m.n} trustees confirmed destroying "
           "their share" if r.outcome.state == "expired" else ""),
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
    parser.add_argument("--quiet", action="store_true", help="print nothing when it verifies")
    add_jobs_option(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        raise SystemExit(exits.usage_exit_code(exc)) from None
    try:
        summary = check_parsed(_load(args.record), jobs=args.jobs)
    except FileProblem as exc:
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
