"""``pledge-trustee``: the trustees' offline tool for the key ceremony and the reveal.

Usage (the files are documented in ``docs/trustee-files.md``)::

    pledge-trustee init    --name NAME --out KEYFILE [--kdf moderate|interactive]
    pledge-trustee deal    --key KEYFILE --package CEREMONY.json --out DEAL.json
    pledge-trustee finish  --key KEYFILE --package CEREMONY.json --board BOARD.json
                           --share-out SHARE.json --out RESULT.json [--kdf ...]
    pledge-trustee answer  --key KEYFILE --ceremony CEREMONY.json --board BOARD.json
                           [--out ANSWER.json]
    pledge-trustee adjudicate --ceremony CEREMONY.json --board BOARD.json
    pledge-trustee decrypt --key KEYFILE --share SHARE.json --package ROUND.json
                           --out PARTIALS.json [--previous OLD-PARTIALS.json] [--jobs N]
    pledge-trustee destroy --share SHARE.json [--key KEYFILE --package PACKAGE.json
                           --out CONFIRM.json] [--jobs N]

``destroy --package`` takes the ceremony package (a closed or taken-down campaign) or, at an expiry, the
openings package, which it checks in full before it destroys or signs anything.

The steps themselves are :mod:`crypto.trustee_steps`; this module parses the command line,
asks for the passphrase, prints each step's report as it goes and maps errors to exit codes
(the table is :mod:`pledge_tools.exits`).

``answer`` answers every complaint against you on the board (it reveals the shares you and each
complainant dealt each other, from deals that are then discarded); ``adjudicate`` says who lied
in each complaint, from the files alone.

Exit codes: 0 done; 1 a check failed (nothing written); 2 bad command line; 3 ``finish`` filed
a complaint; 4 a passphrase-protected file would not open; 5 a file could not be read or
written (missing, or it would overwrite an existing file); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from crypto.errors import CryptoError
from crypto.formats.errors import Refusal
from crypto.formats.keys import KDF_COSTS
from crypto.trustee_steps import ceremony, reveal
from crypto.trustee_steps.report import StepReport

from .. import exits
from ..jobs import add_jobs_option
from .passphrase import ENV_VAR, new_passphrase, read_passphrase

PROG = "pledge-trustee"

Handler = Callable[[argparse.Namespace], StepReport]


def say(line: str) -> None:
    """One line of the step's report on standard output, as soon as the step says it (so a
    step that fails half-way has shown what it checked, and a prompt follows the checks)."""
    print(line, flush=True)


def _init(a: argparse.Namespace) -> StepReport:
    return ceremony.init(a.name, a.out, a.kdf, new_passphrase, progress=say)


def _deal(a: argparse.Namespace) -> StepReport:
    return ceremony.deal(a.key, a.package, a.out, read_passphrase, progress=say)


def _finish(a: argparse.Namespace) -> StepReport:
    return ceremony.finish(a.key, a.package, a.board, a.share_out, a.out, a.kdf,
                           read_passphrase, progress=say)


def _answer(a: argparse.Namespace) -> StepReport:
    return ceremony.answer(a.key, a.ceremony, a.board, a.out, read_passphrase, progress=say)


def _adjudicate(a: argparse.Namespace) -> StepReport:
    return ceremony.adjudicate(a.ceremony, a.board, progress=say)


def _decrypt(a: argparse.Namespace) -> StepReport:
    return reveal.decrypt(a.key, a.share, a.package, a.out, a.previous, read_passphrase,
                          jobs=a.jobs, progress=say)


def _destroy(a: argparse.Namespace) -> StepReport:
    return reveal.destroy(a.share, a.key, a.package, a.out, read_passphrase, jobs=a.jobs,
                          progress=say)


def _command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str,
    handler: Handler,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=summary, description=summary)
    parser.set_defaults(handler=handler)
    return parser


def _kdf(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--kdf", choices=sorted(KDF_COSTS), default="moderate",
        help="Argon2id cost for the passphrase-encrypted file (default: moderate); it is "
             "recorded in the file",
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line: one subcommand per step of the trustee's work."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Offline tool for Pledge trustees: key ceremony and reveal.",
        epilog=f"The passphrase is asked for without echo. {ENV_VAR}, when set, is used "
               "instead: for scripts and tests only.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = _command(sub, "init", "create your key file and its public half", _init)
    p.add_argument("--name", required=True, help="your name as the organizers know you")
    p.add_argument("--out", required=True, type=Path, help="the new key file")
    _kdf(p)
    p = _command(sub, "deal", "make your deal from the ceremony package", _deal)
    p.add_argument("--key", required=True, type=Path)
    p.add_argument("--package", required=True, type=Path, help="the ceremony package")
    p.add_argument("--out", required=True, type=Path, help="the deal file to upload")
    p = _command(sub, "finish", "check the board, store your share, sign the transcript",
                 _finish)
    p.add_argument("--key", required=True, type=Path)
    p.add_argument("--package", required=True, type=Path, help="the ceremony package")
    p.add_argument("--board", required=True, type=Path, help="the board with all deals")
    p.add_argument("--share-out", required=True, type=Path, help="where to store your share")
    p.add_argument("--out", required=True, type=Path,
                   help="the transcript signature (or complaint) to upload")
    _kdf(p)
    p = _command(sub, "answer", "answer the complaints against you on the board", _answer)
    p.add_argument("--key", required=True, type=Path)
    p.add_argument("--ceremony", required=True, type=Path, help="the ceremony package")
    p.add_argument("--board", required=True, type=Path,
                   help="the board with the complaints against you")
    p.add_argument("--out", type=Path, default=Path("complaint-answer.json"),
                   help="the answer file to upload (default: complaint-answer.json)")
    p = _command(sub, "adjudicate", "say who is at fault in each complaint on the board",
                 _adjudicate)
    p.add_argument("--ceremony", required=True, type=Path, help="the ceremony package")
    p.add_argument("--board", required=True, type=Path,
                   help="the board with the complaints and answers")
    p = _command(sub, "decrypt", "check a reveal round and write your partial decryptions",
                 _decrypt)
    p.add_argument("--key", required=True, type=Path)
    p.add_argument("--share", required=True, type=Path)
    p.add_argument("--package", required=True, type=Path, help="the round package")
    p.add_argument("--out", required=True, type=Path, help="the partials file to upload")
    p.add_argument("--previous", type=Path,
                   help="your partials file of the previous round, to pin the previous head")
    add_jobs_option(p)
    p = _command(sub, "destroy", "destroy your share (optionally confirm it, signed)", _destroy)
    p.add_argument("--share", required=True, type=Path)
    p.add_argument("--key", type=Path, help="sign a confirmation with this key")
    p.add_argument("--package", type=Path,
                   help="with --key: the ceremony package, or at an expiry the openings package "
                        "(checked first: the rule must have held at no head before the deadline)")
    p.add_argument("--out", type=Path, help="the confirmation file to upload (with --key)")
    add_jobs_option(p)
    return parser


def _parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    args = parser.parse_args(argv)
    if args.command == "destroy":
        given = [args.key is not None, args.package is not None, args.out is not None]
        if any(given) and not all(given):
            parser.error("destroy: --key, --package and --out go together")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (errors are one line on standard error)."""
    parser = build_parser()
    try:
        args = _parse(parser, argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exits.usage_exit_code(exc)
    handler: Handler = args.handler
    try:
        handler(args)  # its report was printed line by line as the step went
    except (Refusal, CryptoError, KeyboardInterrupt) as exc:
        return exits.stopped(PROG, exc)
    return exits.EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
