"""Outgoing email over SMTP, bodies rendered from ``templates/email/``.

Call :func:`send_email` only after the database commit that the email reports, so nobody is
told about something that then rolled back. Nothing here logs recipients or bodies.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from flask import render_template
from jinja2 import TemplateNotFound

from pledge.models import utcnow


class MailError(RuntimeError):
    """The SMTP server could not be reached or refused the message."""


def build_message(config: Mapping[str, Any], *, to: str, subject: str, template: str, **context: Any) -> EmailMessage:
    """Render ``email/<template>.txt`` (and ``.html`` if it exists) into a message."""
    if any(ch in to + subject for ch in "\r\n\0"):
        raise MailError("header values must not contain line breaks")
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="pledge.invalid")
    message.set_content(render_template(f"email/{template}.txt", **context))
    try:
        html = render_template(f"email/{template}.html", **context)
    except TemplateNotFound:  # a plain-text-only email is fine
        html = None
    if html:
        message.add_alternative(html, subtype="html")
    return message


def deliver(config: Mapping[str, Any], message: EmailMessage) -> None:
    """Hand ``message`` to the configured SMTP server."""
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # The exception text can quote the recipient; keep only its type.
        raise MailError(f"could not send email ({type(exc).__name__})") from None


def send_email(config: Mapping[str, Any], *, to: str, subject: str, template: str, **context: Any) -> None:
    """Render and send one message."""
    deliver(config, build_message(config, to=to, subject=subject, template=template, **context))

