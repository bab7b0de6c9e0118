"""Domain errors. Each carries a machine ``code`` and a message that is safe to show to the
person who caused it; none knows about HTTP (the API maps codes to statuses, pledge/refusals.py).
"""

from __future__ import annotations


class ServiceError(Exception):
    """A request the domain refuses, with a message for the user and a machine code."""

    #: The machine code of this kind of refusal (an instance may carry a more precise one).
    code = "bad_request"
    #: Whether the work done before the refusal must still be committed (a counted attempt).
    keeps_changes = False

    def __init__(self, message: str, field: str | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class BadRequest(ServiceError):
    """A request body or parameter of the wrong shape."""

    code = "bad_request"


class NotFound(ServiceError):
    """Nothing of that name here, or nothing the asker may see (the two are not told apart)."""

    code = "not_found"


class AccountError(ServiceError):
    """An account cannot be created or changed as asked."""


class CampaignError(ServiceError):
    """A campaign cannot be created or changed as asked."""


class NotEditable(CampaignError):
    """The campaign is past the draft stage and can no longer change."""

    code = "conflict"
