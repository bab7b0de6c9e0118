"""Domain errors. Each carries a message that is safe to show to the person who caused it."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the domain refuses, with a message for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class AccountError(ServiceError):
    """An account cannot be created or changed as asked."""


class CampaignError(ServiceError):
    """A campaign cannot be created or changed as asked."""


class NotEditable(CampaignError):
    """The campaign is past the draft stage and can no longer change."""
