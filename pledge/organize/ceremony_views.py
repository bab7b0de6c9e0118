"""Organizer views of the trustees and the key ceremony."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from pledge.extensions import db
from pledge.models import Role, utcnow
from pledge.organize import bp
from pledge.organize.forms import ConfirmForm, SeatForm, TrusteeInviteForm
from pledge.organize.views import _attach_error, _managed, organizer_required
from pledge.services import ceremony, ceremony_mail
from pledge.services import trustees as seats
from pledge.services.ceremony import CeremonyError
from pledge.services.errors import ServiceError
from pledge.services.notify import send_all


def _back(campaign_id: int):
    return redirect(url_for("organize.trustees", campaign_id=campaign_id))


def _deliver(messages) -> None:
    failed = send_all(messages)
    if failed:
        flash(f"{len(failed)} email(s) could not be sent. The change is saved; re-send from this page when mail works.", "error")


@bp.route("/campaigns/<int:campaign_id>/trustees", methods=["GET", "POST"])
@organizer_required
def trustees(campaign_id: int):
    """The trustees, the ceremony's progress, and the next step."""
    campaign = _managed(campaign_id)
    form = TrusteeInviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            invitation = seats.invite_trustee(db.session, campaign, name=form.name.data, email=form.email.data, now=utcnow())
        except ServiceError as error:
            db.session.rollback()
            _attach_error(form, error)
            status = 400
        else:
            db.session.commit()
            _deliver([ceremony_mail.invitation(campaign, invitation)])
            flash(f"Invitation sent to {invitation.trustee.email}.", "success")
            return _back(campaign.id)
    elif request.method == "POST":
        status = 400
    board = ceremony.load_board(db.session, campaign)
    return render_template(
        "organize/trustees.html", campaign=campaign, form=form, board=board, seat_form=SeatForm(),
        confirm_form=ConfirmForm(), steps={t.seat: ceremony.step_of(campaign, board, t) for t in campaign.trustees},
        seats_open=seats.seats_open(campaign), ready=ceremony.ready_to_launch(campaign, board),
        transcript=ceremony.expected_transcript(campaign, board) if len(board.deals) == campaign.trustee_count else None,
    ), status


def _seat(campaign, form: SeatForm):
    if not form.validate_on_submit():
        abort(400)
    for trustee in campaign.trustees:
        if trustee.seat == form.seat.data:
            return trustee
    abort(404)


@bp.route("/campaigns/<int:campaign_id>/trustees/reinvite", methods=["POST"])
@organizer_required
def reinvite_trustee(campaign_id: int):
    """A fresh invitation link for a seat not yet accepted."""
    campaign = _managed(campaign_id)
    trustee = _seat(campaign, SeatForm())
    try:
        invitation = seats.reissue_invitation(db.session, campaign, trustee, utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(campaign.id)
    db.session.commit()
    _deliver([ceremony_mail.invitation(campaign, invitation)])
    flash(f"A new invitation went to {trustee.email}; the old link no longer works.", "success")
    return _back(campaign.id)


@bp.route("/campaigns/<int:campaign_id>/trustees/remove", methods=["POST"])
@organizer_required
def remove_trustee(campaign_id: int):
    """Free a seat before the freeze."""
    campaign = _managed(campaign_id)
    trustee = _seat(campaign, SeatForm())
    try:
        seats.remove_trustee(db.session, campaign, trustee)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(campaign.id)
    db.session.commit()
    flash(f"{trustee.name} no longer has a seat.", "success")
    return _back(campaign.id)


@bp.route("/campaigns/<int:campaign_id>/freeze", methods=["POST"])
@organizer_required
def freeze(campaign_id: int):
    """Freeze text, rule and trustees, and start the ceremony."""
    campaign = _managed(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ceremony.freeze(db.session, campaign, current_app.config["TOKEN_KEY_SECRET"], utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(campaign.id)
    db.session.commit()
    _deliver(ceremony_mail.deal_requests(campaign))
    flash("Frozen. The trustees have been asked to post their deals.", "success")
    return _back(campaign.id)


@bp.route("/campaigns/<int:campaign_id>/restart", methods=["POST"])
@organizer_required
def restart_ceremony(campaign_id: int):
    """After a complaint: restart without the accused trustee."""
    campaign = _managed(campaign_id)
    form = SeatForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        removed = ceremony.restart_without(db.session, campaign, form.seat.data, utcnow())
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(campaign.id)
    db.session.commit()
    _deliver(ceremony_mail.restarted(campaign, removed))
    flash(f"The ceremony restarts without {removed.name}. Invite a replacement for seat {removed.seat}, then freeze again.", "success")
    return _back(campaign.id)


@bp.route("/campaigns/<int:campaign_id>/launch", methods=["POST"])
@organizer_required
def launch(campaign_id: int):
    """Open signing once every trustee has signed the same transcript."""
    campaign = _managed(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        ceremony.launch(db.session, campaign, current_app.config["LOG_KEY_SECRET"], utcnow())
    except CeremonyError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _back(campaign.id)
    db.session.commit()
    _deliver(ceremony_mail.launched(campaign))
    flash("Launched: signing is open.", "success")
    return redirect(url_for("public.campaign", slug=campaign.slug))


@bp.route("/campaigns/<int:campaign_id>/allow-organizer-trustee", methods=["POST"])
@organizer_required
def allow_organizer_trustee(campaign_id: int):
    """Admins only: let the organizer hold a trustee seat on this campaign."""
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    campaign = _managed(campaign_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    campaign.organizer_may_be_trustee = True
    db.session.commit()
    flash("The organizer may now hold a trustee seat on this campaign.", "success")
    return _back(campaign.id)
