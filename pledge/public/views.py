"""Public views. They set no cookie and read none: signers are never tracked."""

from __future__ import annotations

from flask import Response, render_template

from pledge.extensions import db
from pledge.models import utcnow
from pledge.public import bp
from pledge.services.campaign_page import campaign_page
from pledge.services.campaigns import public_campaign, public_campaigns
from pledge.services.outcomes import updates_of
from pledge.services.progress import campaign_progress
from pledge.services.witnessing import witnessing_summary


@bp.route("/")
def home():
    """Every public campaign with its progress."""
    now = utcnow()
    session = db.session()
    campaigns = [(c, campaign_progress(c, now, session)) for c in public_campaigns(session)]
    return render_template("public/home.html", campaigns=campaigns)


@bp.route("/campaigns/<slug>")
def campaign(slug: str):
    """A campaign's pledge, conditions, rule and progress; after a reveal, the signatures."""
    page = campaign_page(db.session(), slug, utcnow())
    witnessed = witnessing_summary(db.session(), page.campaign) if page.campaign.group_key else None
    return render_template("public/campaign.html", witnessing=witnessed, **page.context())


@bp.route("/campaigns/<slug>/updates.atom")
def updates_feed(slug: str):
    """The organizer's updates as an Atom feed."""
    item = public_campaign(db.session(), slug)
    body = render_template("public/updates.atom.xml", campaign=item, updates=updates_of(db.session(), item))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/about")
def about():
    """How the platform protects signers, and its limits."""
    return render_template("public/about.html")
