"""The exit codes of ``pledge-trustee``, ``pledge-sign`` and ``pledge-verify``, and which error
gives which.

One table for the three programs (``docs/trustee-files.md``, ``docs/pledge-sign.md`` and
``docs/record.md`` document each program's subset):

====  ====================  =============================================================
code  name                  meaning
====  ====================  =============================================================
0     ``EXIT_OK``           done (``pledge-verify``: every check holds)
1     ``EXIT_CHECK_FAILED`` a check failed or a file or reply is not in the documented
                            format; nothing was written or sent
2     ``EXIT_USAGE``        bad command line (argparse's own code)
3     ``EXIT_NOT_DONE``     the step stopped short by design: ``finish`` filed a complaint
                            instead of storing a share; ``pledge-sign`` got nothing new,
                            found no token for the campaign, or was not confirmed
4     ``EXIT_REFUSED``      refused by the other side: a passphrase-protected file would not
                            open (``pledge-trustee``), the server refused (``pledge-sign``)
5     ``EXIT_FILE_PROBLEM`` a file could not be read or written (missing, or it would
                            overwrite an existing file)
6     ``EXIT_UNREACHABLE``  the server could not be reached (``pledge-sign``)
130   ``EXIT_INTERRUPTED``  interrupted at the keyboard
====  ====================  =============================================================

A :class:`SystemExit` whose code is not an integer (argparse never raises one; ``sys.exit`` with
a message or ``None`` does) is a usage problem: every program exits with ``EXIT_USAGE`` (2), the
code documented for a bad command line.
"""

from __future__ import annotations

import sys

from crypto.errors import CryptoError
from crypto.formats.errors import (
    CheckFailed,
    ComplaintFiled,
    FileProblem,
    NoToken,
    Refusal,
    UnlockFailed,
)

from .sign.errors import NothingSent, ServerRefused, ServerUnreachable

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_DONE = 3
EXIT_REFUSED = 4
EXIT_FILE_PROBLEM = 5
EXIT_UNREACHABLE = 6
EXIT_INTERRUPTED = 130

# First match wins: subclasses before the classes they extend.
_EXIT_FOR: tuple[tuple[type[BaseException], int], ...] = (
    (ComplaintFiled, EXIT_NOT_DONE),
    (NoToken, EXIT_NOT_DONE),
    (NothingSent, EXIT_NOT_DONE),
    (UnlockFailed, EXIT_REFUSED),
    (ServerRefused, EXIT_REFUSED),
    (FileProblem, EXIT_FILE_PROBLEM),
    (ServerUnreachable, EXIT_UNREACHABLE),
    (CheckFailed, EXIT_CHECK_FAILED),
    (Refusal, EXIT_CHECK_FAILED),
    (CryptoError, EXIT_CHECK_FAILED),  # a check inside crypto/ that no step anticipated
    (KeyboardInterrupt, EXIT_INTERRUPTED),
)


def exit_code(error: BaseException) -> int:
    """The exit code for a program stopped by ``error`` (see the table above)."""
    for kind, code in _EXIT_FOR:
        if isinstance(error, kind):
            return code
    raise TypeError(f"no exit code for {type(error).__name__}") from error


def usage_exit_code(stop: SystemExit) -> int:
    """The exit code for argparse's :class:`SystemExit` (``--help``, or a usage error it has
    already printed); a non-integer code counts as a usage error."""
    return stop.code if isinstance(stop.code, int) else EXIT_USAGE


def fail(prog: str, message: str) -> None:
    """One line on standard error: ``PROG: error: MESSAGE``."""
    print(f"{prog}: error: {message}", file=sys.stderr, flush=True)


def stopped(prog: str, error: Refusal | CryptoError | KeyboardInterrupt) -> int:
    """Say why ``prog`` stopped (one line on standard error) and return its exit code."""
    if isinstance(error, KeyboardInterrupt):
        fail(prog, "interrupted")
    elif isinstance(error, CryptoError):
        fail(prog, f"a check failed: {error}")
    else:
        fail(prog, str(error))
    return exit_code(error)
