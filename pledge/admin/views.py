"""Admin views."""

from __future__ import annotations

from flask import render_template

from pledge.admin import bp
from pledge.auth.roles import admin_required
from pledge.extensions import db
from pledge.models import utcnow
from pledge.services.affiliation import issuance_overview


@bp.route("/issuance")
@admin_required
def issuance():
    """Tokens issued per campaign, lab and day over the last two weeks, with alarms."""
    overview = issuance_overview(db.session(), 14, utcnow())
    return render_template("admin/issuance.html", rows=overview.rows, campaigns=overview.campaigns,
                           labs=overview.labs, alarmed=overview.alarmed)
