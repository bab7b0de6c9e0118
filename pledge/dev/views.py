"""Mailbox views over ``instance/mail/*.eml``."""

from __future__ import annotations

from flask import abort, current_app, render_template

from pledge.dev import bp
from pledge.devsmtp import list_messages, read_message


@bp.route("/mail")
def mailbox():
    """Messages the local sink received, newest first."""
    return render_template("dev/mailbox.html", messages=list_messages(current_app.config["MAIL_DIR"]))


@bp.route("/mail/<name>")
def message(name: str):
    """One message, headers and text."""
    found = read_message(current_app.config["MAIL_DIR"], name)
    if found is None:
        abort(404)
    return render_template("dev/message.html", message=found)
