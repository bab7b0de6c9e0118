"""Public views. They set no cookie and read none: signers are never tracked."""

from __future__ import annotations

from flask import Response, abort, jsonify, render_template

from pledge.extensions import db
from pledge.models import CampaignState, utcnow
from pledge.public import bp
from pledge.services.campaigns import CampaignNotFound, public_campaign, public_campaigns
from pledge.services.progress import campaign_progress, progress_document
from pledge.services.reveal import destroy_confirmations, revealed_signatures, rounds_of
from pledge.services.errors import ServiceError
from pledge.services.outcomes import status_table, updates_of
from pledge.services.record import campaign_record
from pledge.services.signing import latest_head


@bp.route("/")
def home():
    """Every public campaign with its progress."""
    now = utcnow()
    campaigns = [(c, campaign_progress(c, now)) for c in public_campaigns(db.session)]
    return render_template("public/home.html", campaigns=campaigns)


def _campaign_or_404(slug: str):
    try:
        return public_campaign(db.session, slug)
    except CampaignNotFound:
        abort(404)


@bp.route("/campaigns/<slug>")
def campaign(slug: str):
    """A campaign's pledge, conditions, rule and progress; after a reveal, the signatures."""
    item = _campaign_or_404(slug)
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
    item = _campaign_or_404(slug)
    body = render_template("public/updates.atom.xml", campaign=item, updates=updates_of(db.session, item))
    return Response(body, mimetype="application/atom+xml")


@bp.route("/api/campaigns/<slug>")
def campaign_json(slug: str):
    """The same counts as the campaign page, as JSON."""
    item = _campaign_or_404(slug)
    return jsonify(progress_document(item, campaign_progress(item, utcnow())))


@bp.route("/about")
def about():
    """How the platform protects signers, and its limits."""
    return render_template("public/about.html")


@bp.route("/api/campaigns/<slug>/record")
def campaign_record_json(slug: str):
    """The campaign record, the same document as ``flask --app pledge campaign export``."""
    item = _campaign_or_404(slug)
    try:
        data = campaign_record(db.session, item)
    except ServiceError:
        abort(404)
    return Response(data, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="record-{item.slug}.json"'})
