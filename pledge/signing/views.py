"""Signing pages: sign (sealing happens in static/js/sign.js) and check a receipt. Their JSON
API is in :mod:`pledge.api`."""

from __future__ import annotations

from flask import render_template

from pledge.errors import render_error
from pledge.extensions import db
from pledge.models import CampaignState, utcnow
from pledge.services.campaigns import public_campaign
from pledge.services.signing import TAKEN_DOWN_MESSAGE
from pledge.signing import bp


@bp.route("/campaigns/<slug>/sign")
def sign_page(slug: str):
    """The sign page (sealing happens in static/js/sign.js)."""
    campaign = public_campaign(db.session(), slug, launched=True)
    if campaign.state == CampaignState.TAKEN_DOWN:
        return render_error(409, TAKEN_DOWN_MESSAGE)
    return render_template("signing/sign.html", campaign=campaign, accepting=campaign.accepting(utcnow()))


@bp.route("/campaigns/<slug>/receipt")
def receipt_page(slug: str):
    """Check a receipt: pending, or its inclusion proof checked in the browser."""
    return render_template("signing/receipt.html", campaign=public_campaign(db.session(), slug, launched=True))
