"""``pledge-sign``: the command-line signer, for people who will not run JavaScript served by the
site they are checking.

Usage (documented in ``docs/pledge-sign.md``; the APIs in ``docs/affiliation-api.md`` and
``docs/signing-api.md``)::

    pledge-sign verify --server URL --email ADDRESS [--out pledge-tokens.json]
    pledge-sign sign --server URL --campaign SLUG [--tokens FILE] [--receipt-out FILE]
                     [--display name|anonymous] [--include-role] [--name ..] [--role ..]
    pledge-sign check RECEIPT
    pledge-sign withdraw RECEIPT
    pledge-sign withhold RECEIPT
    pledge-sign stop-withholding RECEIPT

``verify`` (:mod:`.verify_address`) asks the server to email a one-time code to a work
address, reads the code, and then obtains one blind-signed token for every open campaign that
accepts the signer's lab. Each campaign's token key is taken from its manifest after the
manifest's ``ctx`` has been recomputed; each blind signature is verified before its token is
kept.

This module parses the command line and maps errors to exit codes.

``sign`` checks the campaign key ``Y`` against the ceremony board and the trustees' transcript
signatures, seals the signature here under that ``Y`` and submits it with the token, writing a
receipt; ``check`` verifies a receipt's inclusion in the signed log; ``withdraw`` withdraws the
signature with the receipt's key (:mod:`.commands`); ``withhold`` and ``stop-withholding``
state in public, signed with the receipt's key, that a revealed signer is withholding their work
or has stopped (:mod:`.statements`).

Exit codes (the table is :mod:`pledge_tools.exits`): 0 done; 1 a check failed (the server's
manifest, key, board, head, proof or signature); 2 bad command line; 3 nothing new or nothing
sent (this address already received its tokens, the file already held one for each campaign,
no campaign is open for the lab, no token for the campaign, or not confirmed); 4 the server
refused (its message is shown); 5 a file could not be read or written; 6 the server could not
be reached; 130 interrupted.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from crypto.errors import CryptoError
from crypto.formats import receipt
from crypto.formats.errors import CheckFailed, Refusal
from crypto.formats.payload import DISPLAY_CHOICES, details_from
from crypto.formats.server_url import check_server_url

from .. import exits
from . import commands, statements
from .commands import SignRequest
from .verify_address import CODE_ENV_VAR, run_verify

PROG = "pledge-sign"
DEFAULT_OUT = Path("pledge-tokens.json")
SLUG_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")


# --- command line --------------------------------------------------------------------------


def _email(text: str) -> str:
    value = text.strip()
    if any(ch in value for ch in "\r\n\0") or value.count("@") != 1 or len(value) > 320:
        raise argparse.ArgumentTypeError("not an email address")
    return value


def _server(text: str) -> str:
    try:
        return check_server_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _slug(text: str) -> str:
    if not SLUG_RE.fullmatch(text):
        raise argparse.ArgumentTypeError("not a campaign slug (letters, digits, - and _)")
    return text


def _add_server(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--server", required=True, type=_server,
                        help="the Pledge site, e.g. https://pledge.example")


def _add_verify(sub: Any) -> None:
    verify = sub.add_parser(
        "verify", help="prove you work at a lab and keep one token per open campaign",
        description="Verify a work address with an emailed code and obtain blind-signed "
                    "tokens (docs/pledge-sign.md).",
    )
    _add_server(verify)
    verify.add_argument("--email", required=True, type=_email, help="your work address")
    verify.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help=f"the tokens file, created or added to (default: {DEFAULT_OUT})")


def _add_sign(sub: Any) -> None:
    sign = sub.add_parser(
        "sign", help="seal and submit your signature to a campaign, keeping a receipt",
        description="Check the campaign key against the trustees' signatures, seal your "
                    "signature on this computer and submit it with your token "
                    "(docs/pledge-sign.md). Fields not given as options are asked for.",
    )
    _add_server(sign)
    sign.add_argument("--campaign", required=True, type=_slug, metavar="SLUG",
                      help="the campaign's short name, as in /campaigns/SLUG")
    sign.add_argument("--tokens", type=Path, default=DEFAULT_OUT, metavar="FILE",
                      help=f"the tokens file from pledge-sign verify (default: {DEFAULT_OUT})")
    sign.add_argument("--receipt-out", type=Path, metavar="FILE",
                      help="the receipt file to create (default: pledge-receipt-XXXXXXXX.json, a random "
                           "name that names no campaign)")
    sign.add_argument("--name", help="your name, shown at the reveal (not with anonymous)")
    sign.add_argument("--role", help="your role, e.g. 'Research scientist' (with anonymous, only "
                      "with --include-role)")
    sign.add_argument("--include-role", action="store_true",
                      help="with --display anonymous, seal your role too (off by default: a role "
                           "can single you out at a small lab)")
    sign.add_argument("--statement", help="an optional statement")
    sign.add_argument("--display", choices=DISPLAY_CHOICES,
                      help="at the reveal, show your name or count you as anonymous")
    sign.add_argument("--yes", action="store_true", help="submit without asking to confirm")


def _add_receipt_commands(sub: Any) -> None:
    check = sub.add_parser(
        "check", help="verify that your signature is in the campaign's signed log",
        description="Show whether the receipt's signature is pending, included (verifying the "
                    "signed tree head and the inclusion proof) or withdrawn.",
    )
    check.add_argument("receipt", type=Path, metavar="RECEIPT", help="your receipt file")
    withdraw = sub.add_parser(
        "withdraw", help="withdraw your signature before the reveal",
        description="Sign the withdrawal with the receipt's key and send it.",
    )
    withdraw.add_argument("receipt", type=Path, metavar="RECEIPT", help="your receipt file")
    withdraw.add_argument("--yes", action="store_true", help="withdraw without asking")
    withhold = sub.add_parser(
        "withhold", help="state in public that you are withholding your work (after the reveal)",
        description="Sign the statement 'I am withholding my work' with the receipt's key and send "
                    "it; it is published in the campaign's log with the next batch.",
    )
    withhold.add_argument("receipt", type=Path, metavar="RECEIPT", help="your receipt file")
    stop = sub.add_parser(
        "stop-withholding", help="state in public that you have stopped withholding your work",
        description="Sign the statement 'I have stopped withholding my work' with the receipt's key "
                    "and send it; it is published in the campaign's log with the next batch.",
    )
    stop.add_argument("receipt", type=Path, metavar="RECEIPT", help="your receipt file")


def build_parser() -> argparse.ArgumentParser:
    """The command line: ``verify``, ``sign``, ``check``, ``withdraw``, ``withhold`` and
    ``stop-withholding``."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Command-line signer for Pledge campaigns.",
        epilog=f"{CODE_ENV_VAR}, when set, is used as the emailed code instead of asking: for "
               "scripts and tests only.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_verify(sub)
    _add_sign(sub)
    _add_receipt_commands(sub)
    return parser


def sign_request(parser: argparse.ArgumentParser, args: argparse.Namespace) -> SignRequest:
    """The ``sign`` options as a request. Fields given as options are checked here, before
    anything is read or sent: a problem is a usage error."""
    given = {"display": args.display, "name": args.name, "role": args.role,
             "statement": args.statement}
    if args.display == "anonymous" and args.name:
        parser.error("with --display anonymous no name is sealed (everything sealed is public "
                     "after the reveal); leave --name out")
    if args.include_role and args.display == "name":
        parser.error("--include-role is for --display anonymous (a named signature always seals its role)")
    if args.display == "anonymous" and args.role and not args.include_role:
        parser.error("with --display anonymous no role is sealed unless you choose to: add "
                     "--include-role, or leave --role out")
    role_given = args.role is not None or (args.display == "anonymous" and not args.include_role)
    complete = args.display and role_given and args.statement is not None and (
        args.name is not None or args.display == "anonymous")
    if complete:
        try:
            details_from(args.display, args.name or "", args.role or "", args.statement,
                         include_role=args.include_role)
        except (ValueError, CheckFailed) as exc:
            parser.error(str(exc))
    out = args.receipt_out or receipt.default_path()
    return SignRequest(args.server, args.campaign, args.tokens, out, given, args.yes, args.include_role)


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Dispatch one parsed command."""
    if args.command == "verify":
        return run_verify(args.server, args.email, args.out)
    if args.command == "sign":
        return commands.run_sign(sign_request(parser, args))
    if args.command == "check":
        return commands.run_check(args.receipt)
    if args.command in ("withhold", "stop-withholding"):
        print(statements.state(args.receipt, "withholding" if args.command == "withhold" else "stopped"), flush=True)
        return 0
    return commands.run_withdraw(args.receipt, args.yes)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (errors are one line on standard error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return run(parser, args)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exits.usage_exit_code(exc)
    except (Refusal, CryptoError, KeyboardInterrupt) as exc:
        return exits.stopped(PROG, exc)


if __name__ == "__main__":
    sys.exit(main())
