"""Verification views: thin wrappers over :mod:`pledge.services.affiliation`.

The JSON endpoints are exempt from CSRF tokens because they use no cookie at all (there is no
ambient authority to forge); they demand ``Content-Type: application/json``, which a cross-site
form cannot send without a CORS preflight this server never grants.
"""

from __future__ import annotations

import json
import time
from typing import Any

from flask import abort, current_app, jsonify, render_template, request
from sqlalchemy import select

from pledge.extensions import csrf, db
from pledge.models import PUBLIC_STATES, Campaign, Role, User, UserRole, utcnow
from pledge.ratelimit import rate_limited
from pledge.services import affiliation
from pledge.services.affiliation import AffiliationError, Limits
from pledge.services.mail import MailError, send_email
from pledge.services.notify import Outgoing, send_all
from pledge.verify import bp

SENT_MESSAGE = (
    "If this address can receive mail, a code is on its way. It expires in 10 minutes. "
    "The email names no campaign and contains no link."
)


def _error(error: AffiliationError):
    return jsonify({"error": error.code, "message": error.message}), error.status


def _json_body() -> dict[str, Any]:
    if not request.is_json:
        abort(415)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400)
    return body


def _pad(started: float) -> None:
    """Answer no sooner than the configured minimum, so sending an email does not show."""
    remaining = current_app.config["VERIFY_MIN_RESPONSE_SECONDS"] - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)


@bp.route("/verify")
def page():
    """The signer's verification page (the work happens in static/js/verify.js)."""
    return render_template("verify/index.html")


@bp.route("/api/verify/start", methods=["POST"])
@csrf.exempt
@rate_limited("verify_start", site=True)
def start():
    """Send a code to an eligible address (same answer for new, capped and known addresses)."""
    started = time.monotonic()
    body = _json_body()
    config = current_app.config
    limits = Limits(config["VERIFY_SENDS_PER_ADDRESS_PER_HOUR"], config["VERIFY_SENDS_PER_HOUR"])
    try:
        outcome = affiliation.start_verification(
            db.session, body.get("email"), issuer_secret=config["ISSUER_SECRET"], now=utcnow(), limits=limits)
    except AffiliationError as error:
        db.session.rollback()
        _pad(started)
        return _error(error)
    db.session.commit()
    if outcome.code is not None:
        try:
            send_email(config, to=outcome.address, subject="Your verification code",
                       template="verification_code", code=outcome.code)
        except MailError:
            current_app.logger.warning("a verification email could not be delivered")
    _pad(started)
    return jsonify({"status": "sent", "message": SENT_MESSAGE})


@bp.route("/api/verify/check", methods=["POST"])
@csrf.exempt
@rate_limited("verify_check")
def check():
    """Evaluate a code; on success return a single-use ticket and the campaigns to cover."""
    body = _json_body()
    config = current_app.config
    try:
        ticket = affiliation.check_code(db.session, body.get("email"), body.get("code"),
                                        issuer_secret=config["ISSUER_SECRET"], now=utcnow())
    except affiliation.WrongCode as error:
        db.session.commit()  # the attempt counts even though the guess was wrong
        return _error(error)
    except AffiliationError as error:
        db.session.rollback()
        return _error(error)
    db.session.commit()
    return jsonify({
        "ticket": ticket.secret,
        "lab": {"slug": ticket.lab.slug, "name": ticket.lab.name},
        "campaigns": [
            {"id": c.public_id, "slug": c.slug, "title": c.title, "manifest_url": f"/api/campaigns/{c.slug}/manifest"}
            for c in ticket.campaigns
        ],
    })


@bp.route("/api/verify/issue", methods=["POST"])
@csrf.exempt
@rate_limited("verify_issue")
def issue():
    """Blind-sign one token per listed campaign not issued to this address before."""
    body = _json_body()
    config = current_app.config
    now = utcnow()
    try:
        issued = affiliation.issue_tokens(db.session, body.get("ticket"), body.get("requests"),
                                          token_key_secret=config["TOKEN_KEY_SECRET"], now=now)
        bursts = affiliation.detect_bursts(db.session, issued, now, factor=config["ISSUANCE_ALARM_FACTOR"],
                                           minimum=config["ISSUANCE_ALARM_MINIMUM"])
    except AffiliationError as error:
        db.session.rollback()
        return _error(error)
    db.session.commit()
    if bursts:
        send_all(_alarm_emails(bursts))
    return jsonify({
        "signatures": [{"campaign": cid, "blind_signature": sig.hex()} for cid, sig in issued.signatures.items()],
        "already_issued": issued.already_issued,
    })


def _alarm_emails(bursts) -> list[Outgoing]:
    admins = db.session.scalars(select(User).join(UserRole).where(UserRole.role == Role.ADMIN, User.active.is_(True)))
    return [
        Outgoing(to=admin.email, subject="Pledge: unusual token issuance", template="issuance_alarm",
                 context={"bursts": bursts})
        for admin in admins
    ]


@bp.route("/api/campaigns/<slug>/manifest")
def manifest(slug: str):
    """The frozen manifest and its ctx, for clients that check token keys themselves."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None or campaign.state not in PUBLIC_STATES or campaign.manifest is None:
        abort(404)
    return jsonify({"manifest": json.loads(campaign.manifest), "ctx": campaign.ctx.hex()})
