"""One request, one unit of work: commit once, then send the mail the work queued.

Services only flush; a view ends its work here. On a refusal (:class:`ServiceError`) the work is
rolled back, except what the refusal says must stand (a counted wrong guess); nobody is told by
mail about a change that rolled back, and mail goes out only after the commit that caused it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import flash, redirect
from werkzeug.wrappers import Response

from crypto.formats.counts import count
from pledge.extensions import db
from pledge.refusals import status_of
from pledge.services.errors import ServiceError
from pledge.services.notify import Outgoing, send_all

MAIL_FAILED = "{emails} could not be sent. The change is saved; re-send from this page when mail works."


def settle_refusal(error: ServiceError) -> None:
    """End a refused unit of work: roll it back, or commit what the refusal keeps."""
    if error.keeps_changes:
        db.session.commit()
    else:
        db.session.rollback()


def commit_and_send(messages: Iterable[Outgoing] = ()) -> list[Outgoing]:
    """Commit the work once, then send its mail; the messages that could not be delivered."""
    db.session.commit()
    messages = list(messages)
    return send_all(messages) if messages else []


@contextmanager
def transaction() -> Iterator[None]:
    """Commit the block's work at its end; on a refusal, settle it and let the refusal through."""
    try:
        yield
    except ServiceError as error:
        settle_refusal(error)
        raise
    db.session.commit()


@dataclass(frozen=True)
class Done:
    """What a staff action did: the message to flash, the mail to send, where to go next."""

    message: str | None = None
    mail: tuple[Outgoing, ...] | list[Outgoing] = ()
    to: str | None = None

    @property
    def next_page(self) -> str:
        """``to``, for an action that always says where to go next."""
        if self.to is None:
            raise ValueError("this action did not say where to go next")
        return self.to


def attempt(action: Callable[[], Done | None], mail_failed: str = MAIL_FAILED) -> Done | ServiceError:
    """Run a staff action as one unit of work: its :class:`Done`, or the refusal it raised.

    A refusal is settled (rolled back) and returned for the caller to show. Otherwise the work is
    committed, its mail sent (a failure is flashed with ``mail_failed``, which may name the
    ``{count}``, or ``{emails}`` for "1 email" / "2 emails"), and the action's message flashed.
    """
    try:
        done = action() or Done()
    except ServiceError as error:
        settle_refusal(error)
        return error
    failed = commit_and_send(done.mail)
    if failed:
        flash(mail_failed.format(count=len(failed), emails=count(len(failed), "email")), "error")
    if done.message:
        flash(done.message, "success")
    return done


def act_and_redirect(action: Callable[[], Done | None], back: str, *, mail_failed: str = MAIL_FAILED,
                     refusal_status: bool = False) -> Response | tuple[Response, int]:
    """:func:`attempt` an action, then redirect: on to ``done.to`` (or ``back``), or after a
    refusal (flashed as an error) ``back``, with the refusal's status if ``refusal_status``."""
    outcome = attempt(action, mail_failed)
    if isinstance(outcome, ServiceError):
        flash(outcome.message, "error")
        return (redirect(back), status_of(outcome)) if refusal_status else redirect(back)
    return redirect(outcome.to or back)
