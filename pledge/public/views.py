"""Public views. They set no cookie and read none: signers are never tracked."""

from __future__ import annotations

from flask import Response, render_template

from pledge.extensions import db
from pledge.models import Campaign, utcnow
from pledge.public import bp
from pledge.services.campaign_page import campaign_page
from pledge.services.campaigns import public_campaign, public_campaigns
from pledge.services.feed import campaign_feed
from pledge.services.progress import campaign_progress
from pledge.services.reveal import rounds_of
from pledge.services.stage import Stage, Step, current_stage, timeline
from pledge.services.witnessing import witnessing_summary


@bp.app_template_global("stage_of")
def stage_of(campaign: Campaign) -> Stage:
    """The campaign's stage now, for pages whose view does not pass one (dashboards, the preview)."""
    return current_stage(db.session(), campaign, utcnow())


@bp.app_template_global("timeline_of")
def timeline_of(campaign: Campaign) -> list[Step]:
    """The campaign's timeline now, for pages whose view does not pass one (the preview)."""
    now, session = utcnow(), db.session()
    return timeline(campaign, campaign_progress(campaign, now, session), rounds_of(session, campaign), now)


@bp.route("/")
def home():
    """Every public campaign with its progress and stage."""
    now = utcnow()
    session = db.session()
    campaigns = [(c, campaign_progress(c, now, session), current_stage(session, c, now)) for c in public_campaigns(session)]
    return render_template("public/home.html", campaigns=campaigns)


@bp.route("/campaigns/<slug>")
def campaign(slug: str):
    """A campaign's stage, pledge, conditions, rule and progress; after a reveal, the signatures."""
    page = campaign_page(db.session(), slug, utcnow())
    witnessed = witnessing_summary(db.session(), page.campaign) if page.campaign.group_key else None
    return render_template("public/campaign.html", witnessing=witnessed, **page.context())


@bp.route("/campaigns/<slug>/updates.atom")
def updates_feed(slug: str):
    """The campaign's stage changes and the organizer's updates, as an Atom feed."""
    item = public_campaign(db.session(), slug)
    entries = campaign_feed(db.session(), item)
    body = render_template("public/updates.atom.xml", campaign=item, entries=entries,
                           updated=entries[0].updated if entries else (item.launched_at or item.created_at))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/about")
def about():
    """How the platform protects signers, and its limits."""
    return render_template("public/about.html")
