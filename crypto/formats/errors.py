"""Why a file was refused or a step stopped.

Every reason is one :class:`Refusal` whose message is a single line naming what failed. The
server turns them into a refused upload; the command-line programs turn them into exit codes
(``pledge_tools.exits``). Nothing here knows about exit codes.
"""

from __future__ import annotations


class Refusal(Exception):
    """A reason to refuse a file or to stop a step, in one line."""


class CheckFailed(Refusal):
    """Something in an input file failed a check: nothing was written."""


class FormatError(CheckFailed):
    """An input file is not in the documented format."""


class ComplaintFiled(Refusal):
    """``finish`` found a bad deal and wrote a signed complaint instead of storing a share."""


class UnlockFailed(Refusal):
    """A passphrase-protected file would not open: wrong passphrase, or the file was altered."""


class FileProblem(Refusal):
    """A file could not be read or written (missing, unreadable, or would be overwritten)."""


class NoToken(Refusal):
    """The tokens file holds no token for the campaign asked for."""
