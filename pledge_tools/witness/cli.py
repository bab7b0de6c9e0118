"""``pledge-witness``: check a campaign's public log and cosign its heads (docs/protocol.md §9).

Usage::

    pledge-witness init  --name NAME --key KEYFILE [--kdf moderate|interactive]
    pledge-witness check --server URL --campaign SLUG --key KEYFILE --state FILE
                         [--publish FILE] [--ctx HEX] [--watch SECONDS] [--slack SECONDS]
                         [--max-checks N]

``init`` makes the key of an extra witness (the organizer lists its public key in the draft). A
trustee witnesses with their trustee key file. ``check`` pins the manifest on the first run
(``--ctx``, the manifest hash from the campaign page), then at each run fetches every head, the
leaves and a consistency proof from the head it last cosigned, checks them (crypto/witness.py),
posts its cosignature and keeps the new head in the state file; ``--publish`` also writes the
head it cosigned, for a verifier's ``--witness``. ``--watch`` repeats the check every SECONDS
(``--max-checks`` bounds it, for scripts and tests).

Exit codes (pledge_tools/exits.py): 0 cosigned (or nothing to cosign yet); 1 a reply or file is
not in the documented format; 2 bad command line; 4 refused to cosign (one line names why: fork,
bad head signature, malformed leaf, lifecycle, time window...) or the server refused the
cosignature, or the key would not unlock; 5 a file problem; 6 the server could not be reached;
130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import nacl.utils

from crypto import witness
from crypto.errors import CryptoError
from crypto.formats import witness as witness_files
from crypto.formats.errors import CheckFailed, Refusal
from crypto.formats.jsonfile import ensure_absent, write_document
from crypto.formats.keys import KDF_COSTS, check_new_passphrase
from crypto.formats.messages import fingerprint

from .. import exits
from ..sign.errors import ServerRefused
from ..sign.http import JsonApi
from ..trustee.passphrase import ENV_VAR, new_passphrase, read_passphrase
from .check import Witness

PROG = "pledge-witness"
DEFAULT_SLACK = 300
MAX_NAME = 200


def say(line: str) -> None:
    print(line, flush=True)


def clock() -> float:
    """The current Unix time (tests replace this function to check a head against another moment)."""
    return time.time()


def _init(a: argparse.Namespace) -> int:
    if not 1 <= len(a.name) <= MAX_NAME or not a.name.isprintable():
        raise CheckFailed(f"--name must be 1 to {MAX_NAME} printable characters")
    ensure_absent(a.key)
    phrase = new_passphrase(f"the new witness key {a.key}")
    check_new_passphrase(phrase)
    doc = witness_files.witness_key_doc(a.name, nacl.utils.random(32), phrase, a.kdf)
    write_document(a.key, doc, secret=True)
    say(f"Wrote {a.key}: a new Ed25519 witness key for {a.name!r}, encrypted with your passphrase.")
    say("Give the organizer your name and this public key, to list you as a witness in the draft:")
    say(doc["ed25519"].hex())
    say(f"Its fingerprint {fingerprint(doc['ed25519'])} is how the campaign page lists your key under "
        "\"Who can reveal\" once the campaign is frozen: compare that there, not the long form.")
    return exits.EXIT_OK


def _ctx(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        value = bytes.fromhex(text)
    except ValueError:
        value = b""
    if len(value) != 32 or text != value.hex():
        raise CheckFailed("--ctx must be 64 lowercase hex characters "
                          "(the full manifest hash, under “Full values” on the campaign page)")
    return value


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _check(a: argparse.Namespace) -> int:
    key = witness_files.load_witness_key(a.key)
    pinned = _ctx(a.ctx)
    if pinned is not None:
        say(f"--ctx has the fingerprint {fingerprint(pinned)}: it must be the manifest hash fingerprint on the "
            "campaign page, and the ctx fingerprint the trustees' pledge-trustee deal printed.")
    seed = witness_files.unlock_witness_key(key, read_passphrase(f"the witness key {a.key}"))
    runner = Witness(JsonApi(a.server), a.campaign, key.ed25519, seed, a.state, a.publish, pinned, a.slack)
    checks = 0
    while True:
        result = runner.check(int(clock()))
        checks += 1
        if result is None:
            say("The log has no head yet: nothing to cosign.")
        elif result.new:
            say(f"Cosigned the head of size {result.head.size} ({_when(result.head.timestamp)}), "
                f"root fingerprint {fingerprint(result.head.root)}.")
        else:
            say(f"No new head: the head of size {result.head.size} ({_when(result.head.timestamp)}) is the one "
                f"already cosigned{'; cosignature sent again' if result.stored else ''}.")
        if a.watch is None or (a.max_checks is not None and checks >= a.max_checks):
            return exits.EXIT_OK
        time.sleep(a.watch)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Check a Pledge campaign's public log and cosign its heads.",
        epilog=f"The key's passphrase is asked for without echo. {ENV_VAR}, when set, is used instead: "
               "for scripts and tests only.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("init", help="make the key of an extra witness")
    p.set_defaults(handler=_init)
    p.add_argument("--name", required=True, help="your name as the organizer will list it")
    p.add_argument("--key", required=True, type=Path, help="the new key file")
    p.add_argument("--kdf", choices=sorted(KDF_COSTS), default="moderate",
                   help="Argon2id cost for the passphrase (default: moderate)")
    p = sub.add_parser("check", help="check the log and cosign its latest head")
    p.set_defaults(handler=_check)
    p.add_argument("--server", required=True, help="the Pledge server, e.g. https://pledge.example")
    p.add_argument("--campaign", required=True, help="the campaign's slug")
    p.add_argument("--key", required=True, type=Path, help="your witness key file, or your trustee key file")
    p.add_argument("--state", required=True, type=Path, help="your state file for this campaign (created on the first check)")
    p.add_argument("--publish", type=Path, help="also write the head you cosigned here")
    p.add_argument("--ctx", help="the manifest hash, to pin the manifest on the first check")
    p.add_argument("--watch", type=int, metavar="SECONDS", help="keep checking, every SECONDS")
    p.add_argument("--max-checks", type=int, metavar="N", help="with --watch, stop after N checks")
    p.add_argument("--slack", type=int, default=DEFAULT_SLACK, metavar="SECONDS",
                   help=f"clock tolerance for a head's timestamp (default {DEFAULT_SLACK})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (errors are one line on standard error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command == "check" and (
                (args.watch is not None and args.watch < 1) or args.slack < 0
                or (args.max_checks is not None and args.max_checks < 1)):
            parser.error("--watch and --max-checks must be at least 1, --slack at least 0")
    except SystemExit as exc:
        return exits.usage_exit_code(exc)
    try:
        return int(args.handler(args))
    except witness.WitnessRefusal as exc:
        exits.fail(PROG, f"refused to cosign: {exc}")
        return exits.EXIT_REFUSED
    except ServerRefused as exc:
        exits.fail(PROG, f"the server refused: {exc}")
        return exits.EXIT_REFUSED
    except (Refusal, CryptoError, KeyboardInterrupt) as exc:
        return exits.stopped(PROG, exc)


if __name__ == "__main__":
    sys.exit(main())
