"""Organizer views after launch: updates, and the dated history of each condition at each lab."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from pledge.auth.roles import organizer_required
from pledge.extensions import db
from pledge.models import utcnow
from pledge.organize import bp
from pledge.organize.forms import UpdateForm
from pledge.organize.views import _attach_error, _managed
from pledge.services import outcomes
from pledge.services.statements import FINAL_STATES, round_one_published
from pledge.unit_of_work import Done, attempt


class JudgementForm(FlaskForm):
    """A new judgement of one condition at one lab (earlier ones stay in the history)."""

    condition_id = IntegerField(validators=[InputRequired()])
    lab_id = IntegerField(validators=[InputRequired()])
    status = SelectField("Status", choices=[SelectChoice(value, label) for value, label in outcomes.STATUS_LABELS.items()],
                         validators=[InputRequired()])
    decided_on = DateField("Date decided", validators=[InputRequired(message="Give the date.")])
    evidence_url = StringField("Evidence link (optional)", validators=[Optional(), Length(max=500)])
    note = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Record")


def _post(campaign, form, is_update: bool) -> Done:
    if is_update:
        outcomes.post_update(db.session(), campaign, title=form.title.data, body=form.body.data, now=utcnow())
        return Done("Update posted.", to=url_for("organize.outcomes_page", campaign_id=campaign.id))
    outcomes.record_judgement(
        db.session(), campaign, condition_id=form.condition_id.data, lab_id=form.lab_id.data,
        status=form.status.data, decided_on=form.decided_on.data, evidence_url=form.evidence_url.data or "",
        note=form.note.data or "", today=utcnow().date())
    return Done("Judgement recorded: it is published with the next batch.",
                to=url_for("organize.outcomes_page", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/outcomes", methods=["GET", "POST"])
@organizer_required
def outcomes_page(campaign_id: int):
    """Post updates; once round 1 is revealed, record per lab and condition a dated judgement."""
    campaign = _managed(campaign_id)
    update_form = UpdateForm(prefix="update")
    status_form = JudgementForm(prefix="status")
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
        history=outcomes.judgement_history(db.session(), campaign), updates=outcomes.updates_of(db.session(), campaign),
        revealed=campaign.state not in FINAL_STATES and round_one_published(db.session(), campaign),
        labels=outcomes.STATUS_LABELS,
    ), status
