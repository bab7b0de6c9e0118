"""Public views. They set no cookie and read none: signers are never tracked."""

from __future__ import annotations

from flask import Response, render_template

from pledge.extensions import db
from pledge.models import CampaignState, utcnow
from pledge.public import bp
from pledge.services.campaigns import public_campaign, public_campaigns
from pledge.services.log import latest_head
from pledge.services.outcomes import status_table, updates_of
from pledge.services.progress import campaign_progress
from pledge.services.reveal import destroy_confirmations, revealed_signatures, rounds_of


@bp.route("/")
def home():
    """Every public campaign with its progress."""
    now = utcnow()
    campaigns = [(c, campaign_progress(c, now)) for c in public_campaigns(db.session)]
    return render_template("public/home.html", campaigns=campaigns)


@bp.route("/campaigns/<slug>")
def campaign(slug: str):
    """A campaign's pledge, conditions, rule and progress; after a reveal, the signatures."""
    item = public_campaign(db.session, slug)
    rounds = rounds_of(db.session, item)
    # Signatures exist only once a round is revealed: before that, skip a query that reads every
    # entry of the campaign (ciphertexts included) on each view.
    signatures = revealed_signatures(db.session, item) if any(state.revealed for state in rounds) else {}
    return render_template(
        "public/campaign.html", campaign=item, progress=campaign_progress(item, utcnow()),
        signatures=signatures, rounds=rounds,
        head=latest_head(db.session, item) if item.group_key else None,
        # Shown only for an expired campaign (trustees confirm destroying their shares then).
        confirmations=destroy_confirmations(db.session, item) if item.state == CampaignState.EXPIRED else {},
        statuses=status_table(db.session, item), updates=updates_of(db.session, item),
    )


@bp.route("/campaigns/<slug>/updates.atom")
def updates_feed(slug: str):
    """The organizer's updates as an Atom feed."""
    item = public_campaign(db.session, slug)
    body = render_template("public/updates.atom.xml", campaign=item, updates=updates_of(db.session, item))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/about")
def about():
    """How the platform protects signers, and its limits."""
    return render_template("public/about.html")
