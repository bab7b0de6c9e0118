"""Admin views for review, takedown and reports: the queue of submitted campaigns with a review
page each (approve, or refuse with a note), taking a public campaign down with a public notice,
and the reports the public sent."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from pledge.admin import bp
from pledge.auth.roles import admin_required
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, User, utcnow
from pledge.services import review, review_mail, takedown
from pledge.services.reports import mark_handled, reports_by_campaign
from pledge.unit_of_work import Done, act_and_redirect, attempt

NOTE_TOO_LONG = f"Keep the note under {review.MAX_NOTE:,} characters."
NOTICE_TOO_LONG = f"Keep the notice under {takedown.MAX_NOTICE:,} characters."
MAIL_FAILED = "{emails} could not be sent; the change is saved. Tell the people concerned another way."


class ApproveForm(FlaskForm):
    """Approve a submitted campaign (a CSRF token and a button)."""

    submit = SubmitField("Approve")


class RefuseForm(FlaskForm):
    """Refuse a submitted campaign with a note to the organizer."""

    note = TextAreaField("Note to the organizer (required)", validators=[Length(max=review.MAX_NOTE, message=NOTE_TOO_LONG)],
                         description="Say what must change. It is emailed to the organizer as you write it.",
                         render_kw={"rows": 5, "maxlength": review.MAX_NOTE})
    submit = SubmitField("Refuse")


class TakedownForm(FlaskForm):
    """Take a campaign down with its public notice."""

    notice = TextAreaField("Public notice (required)", validators=[Length(max=takedown.MAX_NOTICE, message=NOTICE_TOO_LONG)],
                           description="Plain text, shown at the top of the campaign's page for good.",
                           render_kw={"rows": 6, "maxlength": takedown.MAX_NOTICE})
    submit = SubmitField("Take down for good")


class HandledForm(FlaskForm):
    """Mark a report handled."""

    submit = SubmitField("Mark handled")


def _campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _admin() -> User:
    user: User = current_user._get_current_object()
    return user


@bp.route("/review")
@admin_required
def review_queue():
    """Campaigns waiting for review, oldest submission first; and the public campaigns."""
    session = db.session()
    waiting = list(session.scalars(select(Campaign).where(
        Campaign.state == CampaignState.DRAFT, Campaign.submitted_at.is_not(None), Campaign.approved_at.is_(None))
        .order_by(Campaign.submitted_at, Campaign.id)))
    approved = list(session.scalars(select(Campaign).where(
        Campaign.state == CampaignState.DRAFT, Campaign.approved_at.is_not(None)).order_by(Campaign.approved_at)))
    public = list(session.scalars(select(Campaign).where(Campaign.state.in_(takedown.TAKEABLE_STATES))
                                  .order_by(Campaign.title, Campaign.id)))
    return render_template("admin/review_queue.html", waiting=waiting, approved=approved, public=public)


@bp.route("/review/<int:campaign_id>")
@admin_required
def review_campaign(campaign_id: int):
    """Everything that goes public about a submitted campaign, with Approve and Refuse."""
    campaign = _campaign(campaign_id)
    return render_template("admin/review_campaign.html", campaign=campaign, approve_form=ApproveForm(),
                           refuse_form=RefuseForm())


@bp.route("/review/<int:campaign_id>/approve", methods=["POST"])
@admin_required
def approve_campaign(campaign_id: int):
    """Approve: the organizer may now freeze it for the key ceremony."""
    if not ApproveForm().validate_on_submit():
        abort(400)
    campaign = _campaign(campaign_id)

    def action() -> Done:
        review.approve(db.session(), campaign, _admin(), utcnow())
        return Done(f"Approved \u201c{campaign.title}\u201d. The organizer is emailed that they may now freeze it "
                    "for the key ceremony.", review_mail.approved(campaign), url_for("admin.review_queue"))

    outcome = attempt(action, MAIL_FAILED)
    if isinstance(outcome, Exception):  # not submitted, already approved, or frozen: a conflict
        flash(outcome.message, "error")
        return redirect(url_for("admin.review_campaign", campaign_id=campaign.id)), 409
    return redirect(outcome.next_page)


@bp.route("/review/<int:campaign_id>/refuse", methods=["POST"])
@admin_required
def refuse_campaign(campaign_id: int):
    """Refuse with a note: the campaign is an editable draft again; the organizer gets the note."""
    form = RefuseForm()
    campaign = _campaign(campaign_id)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_template("admin/review_campaign.html", campaign=campaign, approve_form=ApproveForm(),
                               refuse_form=form), 400

    def action() -> Done:
        review.refuse(db.session(), campaign, _admin(), form.note.data or "")
        return Done(f"Refused \u201c{campaign.title}\u201d. The organizer is emailed your note; the campaign is an "
                    "editable draft again.", review_mail.refused(campaign), url_for("admin.review_queue"))

    outcome = attempt(action, MAIL_FAILED)
    if isinstance(outcome, review.ReviewError) and outcome.field == "note":
        form.note.errors = [outcome.message]
        return render_template("admin/review_campaign.html", campaign=_campaign(campaign_id),
                               approve_form=ApproveForm(), refuse_form=form), 400
    if isinstance(outcome, Exception):
        flash(outcome.message, "error")
        return redirect(url_for("admin.review_campaign", campaign_id=campaign_id)), 409
    return redirect(outcome.next_page)


@bp.route("/campaigns/<int:campaign_id>/takedown", methods=["GET", "POST"])
@admin_required
def takedown_campaign(campaign_id: int):
    """Confirm a takedown: what becomes permanent, and the public notice."""
    campaign = _campaign(campaign_id)
    form = TakedownForm()
    if not takedown.can_take_down(campaign):
        if campaign.state == CampaignState.TAKEN_DOWN:
            flash("This campaign is already taken down.", "error")
        else:
            flash("Only a public campaign can be taken down; a draft is not public.", "error")
        return redirect(url_for("admin.review_queue")), 409 if form.is_submitted() else 302
    if not form.is_submitted():
        return render_template("admin/takedown.html", campaign=campaign, form=form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return render_template("admin/takedown.html", campaign=campaign, form=form), 400

    def action() -> Done:
        mail = takedown.take_down(db.session(), campaign, _admin(), form.notice.data or "", utcnow())
        return Done(f"\u201c{campaign.title}\u201d is taken down. Its page shows your notice; the trustees and the "
                    "organizer are emailed.", mail, url_for("admin.review_queue"))

    outcome = attempt(action, MAIL_FAILED)
    if isinstance(outcome, takedown.TakedownError):
        form.notice.errors = [outcome.message]
        return render_template("admin/takedown.html", campaign=_campaign(campaign_id), form=form), 400
    if isinstance(outcome, Exception):
        flash(outcome.message, "error")
        return redirect(url_for("admin.review_queue")), 409
    return redirect(outcome.next_page)


@bp.route("/reports")
@admin_required
def reports():
    """Reports from the public, newest first, per campaign."""
    return render_template("admin/reports.html", groups=reports_by_campaign(db.session()), form=HandledForm())


@bp.route("/reports/<int:report_id>/handled", methods=["POST"])
@admin_required
def report_handled(report_id: int):
    """Mark one report handled."""
    if not HandledForm().validate_on_submit():
        abort(400)
    return act_and_redirect(lambda: Done("The report is marked handled.") if mark_handled(
        db.session(), report_id, _admin(), utcnow()) else None, url_for("admin.reports"), refusal_status=True)
