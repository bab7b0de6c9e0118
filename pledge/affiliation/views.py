"""Affiliation views: each reads the request, calls :mod:`pledge.services.affiliation`, and
serialises the answer; refusals are answered by the app's one handler for domain errors.

The JSON endpoints are exempt from CSRF tokens because they use no cookie at all (there is no
ambient authority to forge); they demand ``Content-Type: application/json``, which a cross-site
form cannot send without a CORS preflight this server never grants.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, jsonify, render_template

from pledge.affiliation import bp
from pledge.api import serialize
from pledge.api.body import json_body
from pledge.extensions import csrf, db
from pledge.models import utcnow
from pledge.ratelimit import allowed_per_client, rate_limited
from pledge.services import affiliation
from pledge.services.affiliation import Limits
from pledge.services.campaigns import all_labs
from pledge.services.mail import MailError, send_email
from pledge.unit_of_work import commit_and_send, transaction

SENT_MESSAGE = (
    "If this address can receive mail, a code is on its way. It expires in 10 minutes. "
    "The email names no campaign and contains no link."
)


@contextmanager
def _padded() -> Iterator[None]:
    """Answer no sooner than the configured minimum, refusal or not, so sending an email (start)
    or finding a live code (check) does not show in the response time."""
    started = time.monotonic()
    try:
        yield
    finally:
        remaining = current_app.config["VERIFY_MIN_RESPONSE_SECONDS"] - (time.monotonic() - started)
        if remaining > 0:
            time.sleep(remaining)


def _send_code(outcome: affiliation.StartOutcome) -> None:
    if outcome.code is None:
        return  # over the address's cap: the same answer, no mail
    try:
        send_email(current_app.config, to=outcome.address, subject="Your verification code",
                   template="verification_code", code=outcome.code)
    except MailError:
        current_app.logger.warning("a verification email could not be delivered")


@bp.route("/verify")
def page():
    """The signer's verification page (the work happens in static/js/verify.js)."""
    # Lab names by slug (public), so stored tokens, which carry only the slug, show their lab's name.
    return render_template("affiliation/index.html", labs=all_labs(db.session()))


@bp.route("/api/verify/start", methods=["POST"])
@csrf.exempt
@rate_limited("verify_start", site=True)
def start():
    """Send a code to an eligible address (same answer for new, capped and known addresses),
    and return the handle without which that code cannot be checked."""
    body = json_body(object_required=True)
    with _padded():
        config = current_app.config
        secret = config["ISSUER_SECRET"]
        tag = affiliation.address_tag(secret, affiliation.normalize_address(body.get("email")))
        # Counted per address and requesting network: other networks cannot use it up.
        within = allowed_per_client("verify_start", tag)
        with transaction():
            outcome = affiliation.start_verification(
                db.session(), body.get("email"), issuer_secret=secret, now=utcnow(),
                limits=Limits(config["VERIFY_SENDS_PER_HOUR"]), within_address_cap=within)
        _send_code(outcome)
    return jsonify({"status": "sent", "message": SENT_MESSAGE, "handle": outcome.handle})


@bp.route("/api/verify/check", methods=["POST"])
@csrf.exempt
@rate_limited("verify_check")
def check():
    """Evaluate a code with its request's handle; on success return a single-use ticket and the
    campaigns to cover. Padded like ``start``, so a live code does not show in the timing."""
    body = json_body(object_required=True)
    with _padded(), transaction():  # a wrong guess is a refusal that still commits the counted attempt
        ticket = affiliation.check_code(db.session(), body.get("email"), body.get("code"), body.get("handle"),
                                        issuer_secret=current_app.config["ISSUER_SECRET"], now=utcnow())
    return jsonify(serialize.ticket(ticket))


@bp.route("/api/verify/issue", methods=["POST"])
@csrf.exempt
@rate_limited("verify_issue")
def issue():
    """Blind-sign one token per listed campaign not issued to this address before."""
    body = json_body(object_required=True)
    config = current_app.config
    issued, alarms = affiliation.issue_tokens_and_watch(
        db.session(), body.get("ticket"), body.get("requests"), token_key_secret=config["TOKEN_KEY_SECRET"],
        now=utcnow(), factor=config["ISSUANCE_ALARM_FACTOR"], minimum=config["ISSUANCE_ALARM_MINIMUM"])
    commit_and_send(alarms)
    return jsonify(serialize.issued(issued))
