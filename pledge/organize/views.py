"""Organizer views: thin wrappers over :mod:`pledge.services.campaigns`."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from pledge.auth.roles import organizer_required
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, utcnow
from pledge.organize import bp
from pledge.organize.forms import CampaignForm, ConditionForm, ConfirmForm, MoveForm
from pledge.organize.steps import next_of, steps_of
from pledge.refusals import status_of
from pledge.services import campaigns as service
from pledge.services import ceremony, review, review_mail
from pledge.services import reveal as reveal_rounds
from pledge.services.errors import ServiceError
from pledge.services.progress import campaign_progress
from pledge.unit_of_work import Done, act_and_redirect, attempt


def _managed(campaign_id: int) -> Campaign:
    try:
        return service.managed_campaign(db.session(), current_user, campaign_id)
    except service.CampaignNotFound:
        abort(404)


def _attach_error(form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        if error.message not in field.errors:
            field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def _path(campaign: Campaign | None, page: str, *, ready: bool = False) -> dict:
    """The step indicator and the next step, for every organizer page of ``campaign``."""
    return {"steps": steps_of(campaign, page), "next": next_of(campaign, page, ready=ready)}


def _lab_choices(form: CampaignForm) -> None:
    form.labs.choices = [SelectChoice(lab.id, lab.name) for lab in service.all_labs(db.session())]


@bp.route("/")
@organizer_required
def dashboard():
    """The organizer's campaigns."""
    campaigns = service.organizer_campaigns(db.session(), current_user)
    rounds = {c.id: reveal_rounds.rounds_of(db.session(), c) for c in campaigns if c.launched_at is not None}
    nexts = {c.id: next_of(c, "draft", ready=c.state == CampaignState.CEREMONY
                           and ceremony.ready_to_launch(c, ceremony.load_board(db.session(), c)))
             for c in campaigns}
    return render_template("organize/dashboard.html", campaigns=campaigns, rounds=rounds, nexts=nexts)


def _save_draft(form: CampaignForm, campaign: Campaign | None):
    """Create or change a draft from a submitted form: the redirect, or None after a refusal.

    Every problem is reported at once: the fields' own checks, then (whenever the numbers and the
    deadline could be read) every cross-field check of the service, each next to its field.
    """
    if not form.is_submitted():
        return None
    valid = form.validate()
    if form.parsed():
        problems = service.validate_draft(db.session(), form.to_fields(), utcnow(), campaign)
        for problem in problems:
            field = getattr(form, problem.field, None) if problem.field else None
            if field is None or not field.errors:
                _attach_error(form, problem)
        if problems:
            return None
    if not valid:
        return None

    def action() -> Done:
        if campaign is None:
            created = service.create_draft(db.session(), current_user, form.to_fields(), utcnow())
            return Done("Draft saved. Add its conditions next.", to=url_for("organize.conditions", campaign_id=created.id))
        service.update_draft(db.session(), campaign, form.to_fields(), utcnow())
        return Done("Draft saved.", to=url_for("organize.preview", campaign_id=campaign.id))

    outcome = attempt(action)
    if isinstance(outcome, ServiceError):
        _attach_error(form, outcome)
        return None
    return redirect(outcome.next_page)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@organizer_required
def new_campaign():
    """Start a draft."""
    form = CampaignForm()
    _lab_choices(form)
    saved = _save_draft(form, None)
    if saved is not None:
        return saved
    form.default_deadline()
    status = 400 if request.method == "POST" else 200
    return render_template("organize/campaign_form.html", form=form, campaign=None, **_path(None, "draft")), status


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@organizer_required
def edit_campaign(campaign_id: int):
    """Change a draft."""
    campaign = _managed(campaign_id)
    if not campaign.is_editable:
        flash(service.UNDER_REVIEW_MESSAGE if campaign.state == CampaignState.DRAFT else service.FROZEN_MESSAGE, "error")
        return redirect(url_for("organize.preview", campaign_id=campaign.id))
    form = CampaignForm(obj=campaign)
    _lab_choices(form)
    if request.method == "GET":
        form.labs.data = [link.lab_id for link in campaign.lab_links]
        form.deadline.data = campaign.deadline.replace(tzinfo=None)
        form.fill_from(campaign)
    saved = _save_draft(form, campaign)
    if saved is not None:
        return saved
    status = 400 if request.method == "POST" else 200
    return render_template("organize/campaign_form.html", form=form, campaign=campaign,
                           **_path(campaign, "draft")), status


def _add_condition(campaign: Campaign, text: str) -> Done:
    service.add_condition(db.session(), campaign, text)
    return Done("Condition added.")


@bp.route("/campaigns/<int:campaign_id>/conditions", methods=["GET", "POST"])
@organizer_required
def conditions(campaign_id: int):
    """List, add, edit, reorder and delete a draft's conditions."""
    campaign = _managed(campaign_id)
    if campaign.state == CampaignState.DRAFT and not campaign.is_editable:
        flash(service.UNDER_REVIEW_MESSAGE, "error")
        return redirect(url_for("organize.preview", campaign_id=campaign.id))
    form = ConditionForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        outcome = attempt(lambda: _add_condition(campaign, form.text.data))
        if not isinstance(outcome, ServiceError):
            return redirect(url_for("organize.conditions", campaign_id=campaign.id))
        _attach_error(form, outcome)
        status = status_of(outcome)
    return render_template(
        "organize/conditions.html", campaign=campaign, form=form, move_form=MoveForm(), confirm_form=ConfirmForm(),
        edit_form=ConditionForm(formdata=None), **_path(campaign, "conditions"),
    ), status


def _condition_action(campaign_id: int, action) -> object:
    campaign = _managed(campaign_id)
    back = url_for("organize.conditions", campaign_id=campaign.id)
    return act_and_redirect(lambda: action(campaign), back, refusal_status=True)


@bp.route("/campaigns/<int:campaign_id>/conditions/<int:condition_id>", methods=["POST"])
@organizer_required
def edit_condition(campaign_id: int, condition_id: int):
    """Replace a condition's text."""
    form = ConditionForm()
    if not form.validate_on_submit():
        flash("Write the condition (at most 1,000 characters).", "error")
        return redirect(url_for("organize.conditions", campaign_id=campaign_id)), 400
    return _condition_action(
        campaign_id, lambda c: service.edit_condition(db.session(), c, condition_id, form.text.data)
    )


@bp.route("/campaigns/<int:campaign_id>/conditions/<int:condition_id>/move", methods=["POST"])
@organizer_required
def move_condition(campaign_id: int, condition_id: int):
    """Move a condition one place up or down."""
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    offset = -1 if form.direction.data == "up" else 1
    return _condition_action(campaign_id, lambda c: service.move_condition(db.session(), c, condition_id, offset))


@bp.route("/campaigns/<int:campaign_id>/conditions/<int:condition_id>/delete", methods=["POST"])
@organizer_required
def delete_condition(campaign_id: int, condition_id: int):
    """Remove a condition."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _condition_action(campaign_id, lambda c: service.delete_condition(db.session(), c, condition_id))


@bp.route("/campaigns/<int:campaign_id>/preview")
@organizer_required
def preview(campaign_id: int):
    """The campaign page as the public will see it, marked as a preview."""
    campaign = _managed(campaign_id)
    return render_template(
        "organize/preview.html", campaign=campaign, progress=campaign_progress(campaign, utcnow(), db.session()),
        preview=True, **_path(campaign, "preview"),
    )


@bp.route("/campaigns/<int:campaign_id>/submit", methods=["POST"])
@organizer_required
def submit_review(campaign_id: int):
    """Send the draft to the site admins; it cannot change while it waits."""
    campaign = _managed(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)

    def action() -> Done:
        review.submit(db.session(), campaign, utcnow())
        # Every active site admin is told by e-mail, after the commit.
        return Done("Submitted for review. A site admin reads it before it can go public; until then the draft "
                    "cannot change.", review_mail.submitted(db.session(), campaign))

    return act_and_redirect(action, url_for("organize.preview", campaign_id=campaign.id), refusal_status=True)


@bp.route("/campaigns/<int:campaign_id>/take-back", methods=["POST"])
@organizer_required
def take_back(campaign_id: int):
    """Take a submission back to edit the draft (an approval is cleared)."""
    campaign = _managed(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)

    def action() -> Done:
        review.take_back(db.session(), campaign)
        return Done("Taken back: the draft can be edited again. Submit it again when it is ready.")

    return act_and_redirect(action, url_for("organize.preview", campaign_id=campaign.id), refusal_status=True)
