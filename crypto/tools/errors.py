"""Why ``pledge-trustee`` stopped, and the exit code each reason maps to.

Every failure is one :class:`ToolError` whose message is a single line naming what failed.
The exit codes are part of the documented contract (``docs/trustee-files.md``).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2  # argparse's own code for a bad command line
EXIT_COMPLAINT = 3
EXIT_UNLOCK_FAILED = 4
EXIT_FILE_PROBLEM = 5


class ToolError(Exception):
    """A reason to stop; ``exit_code`` is what the process returns."""

    exit_code = EXIT_CHECK_FAILED


class CheckFailed(ToolError):
    """Something in an input file failed a check: nothing was written."""


class FormatError(CheckFailed):
    """An input file is not in the documented format."""


class ComplaintFiled(ToolError):
    """``finish`` found a bad deal and wrote a signed complaint instead of storing a share."""

    exit_code = EXIT_COMPLAINT


class UnlockFailed(ToolError):
    """A passphrase-protected file would not open: wrong passphrase, or the file was altered."""

    exit_code = EXIT_UNLOCK_FAILED


class FileProblem(ToolError):
    """A file could not be read or written (missing, unreadable, or would be overwritten)."""

    exit_code = EXIT_FILE_PROBLEM
