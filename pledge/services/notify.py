"""Emails the ceremony sends, built as data so that views send them after the commit.

A service returns a list of :class:`Outgoing`; the view commits, then calls :func:`send_all`.
If the relay is down, the change stands and the view tells the organizer which messages did not
go out (they can be re-sent); nobody is told about a change that rolled back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from pledge.services.mail import MailError, send_email


@dataclass(frozen=True)
class Outgoing:
    """One email to send once the transaction that caused it has committed."""

    to: str
    subject: str
    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


def send_all(messages: Iterable[Outgoing]) -> list[Outgoing]:
    """Send each message; return those that could not be delivered."""
    failed = []
    for message in messages:
        try:
            send_email(current_app.config, to=message.to, subject=message.subject,
                       template=message.template, **message.context)
        except MailError:
            current_app.logger.warning("an email could not be delivered (%s)", message.template)
            failed.append(message)
    return failed
