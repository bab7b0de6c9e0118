"""Organizer views after launch: updates, and condition status after the reveal."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for

from pledge.auth.roles import organizer_required
from pledge.extensions import db
from pledge.models import utcnow
from pledge.organize import bp
from pledge.organize.forms import StatusForm, UpdateForm
from pledge.organize.views import _attach_error, _managed
from pledge.services import outcomes
from pledge.unit_of_work import Done, attempt


def _post(campaign, form, is_update: bool) -> Done:
    if is_update:
        outcomes.post_update(db.session(), campaign, title=form.title.data, body=form.body.data, now=utcnow())
        return Done("Update posted.", to=url_for("organize.outcomes_page", campaign_id=campaign.id))
    outcomes.record_status(
        db.session(), campaign, condition_id=form.condition_id.data, lab_id=form.lab_id.data,
        met=form.met.data == "met", decided_on=form.decided_on.data,
        evidence_url=form.evidence_url.data, today=utcnow().date())
    return Done("Status saved.", to=url_for("organize.outcomes_page", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/outcomes", methods=["GET", "POST"])
@organizer_required
def outcomes_page(campaign_id: int):
    """Post updates; after the reveal, record per lab and condition whether it is met."""
    campaign = _managed(campaign_id)
    update_form = UpdateForm(prefix="update")
    status_form = StatusForm(prefix="status")
    status = 200
    if request.method == "POST":
        form = update_form if "update-submit" in request.form else status_form
        status = 400
        outcome = attempt(lambda: _post(campaign, form, form is update_form)) if form.validate_on_submit() else None
        if isinstance(outcome, Done):
            return redirect(outcome.next_page)
        if outcome is not None:
            _attach_error(form, outcome)
    return render_template(
        "organize/outcomes.html", campaign=campaign, update_form=update_form, status_form=status_form,
        table=outcomes.status_table(db.session(), campaign), updates=outcomes.updates_of(db.session(), campaign),
        revealed=campaign.state in outcomes.REVEALED_STATES,
    ), status
