"""Why ``pledge-sign`` stopped, beyond the file and check problems of :mod:`crypto.formats`.

Their exit codes are in :mod:`pledge_tools.exits`.
"""

from __future__ import annotations

from crypto.formats.errors import CheckFailed, Refusal


class ServerUnreachable(Refusal):
    """No HTTP answer at all: DNS, connection, TLS or timeout."""


class ServerRefused(Refusal):
    """The server answered with an error body ``{"error": CODE, "message": TEXT}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class BadReply(CheckFailed):
    """The server answered, but not in the documented format."""


class NothingSent(Refusal):
    """The signer declined at the confirmation prompt."""
