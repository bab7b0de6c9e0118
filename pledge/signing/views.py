"""Signing pages: sign (sealing happens in static/js/sign.js) and check a receipt. Their JSON
API is in :mod:`pledge.api`."""

from __future__ import annotations

from flask import render_template

from pledge.extensions import db
from pledge.models import utcnow
from pledge.services.campaigns import public_campaign
from pledge.services.stage import current_stage
from pledge.signing import bp


@bp.route("/campaigns/<slug>/sign")
def sign_page(slug: str):
    """The sign page (sealing happens in static/js/sign.js)."""
    campaign, now = public_campaign(db.session(), slug, launched=True), utcnow()
    return render_template("signing/sign.html", campaign=campaign, accepting=campaign.accepting(now),
                           stage=current_stage(db.session(), campaign, now))


@bp.route("/campaigns/<slug>/receipt")
def receipt_page(slug: str):
    """Check a receipt: pending, or its inclusion proof checked in the browser."""
    return render_template("signing/receipt.html", campaign=public_campaign(db.session(), slug, launched=True))
