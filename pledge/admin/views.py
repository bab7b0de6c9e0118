"""Admin views."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select

from pledge.admin import bp
from pledge.auth.roles import admin_required
from pledge.extensions import db
from pledge.models import Campaign, Lab, utcnow
from pledge.services.affiliation import issuance_report


@bp.route("/issuance")
@admin_required
def issuance():
    """Tokens issued per campaign, lab and day over the last two weeks, with alarms."""
    rows = issuance_report(db.session, 14, utcnow())
    campaigns = {c.id: c for c in db.session.scalars(select(Campaign))}
    labs = {lab.id: lab for lab in db.session.scalars(select(Lab))}
    alarmed = [c for c in campaigns.values() if c.issuance_alarm_at is not None]
    return render_template("admin/issuance.html", rows=rows, campaigns=campaigns, labs=labs, alarmed=alarmed)
