"""Organizer views of the trustees and the key ceremony."""

from __future__ import annotations

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from pledge.auth.roles import organizer_required
from pledge.extensions import db
from pledge.models import Role, utcnow
from pledge.organize import bp
from pledge.organize.forms import ConfirmForm, SeatForm, TrusteeInviteForm, UnderstandForm
from pledge.organize.views import _attach_error, _managed, _path
from pledge.services import ceremony, ceremony_mail
from pledge.services import trustees as seats
from pledge.services.errors import ServiceError
from pledge.unit_of_work import Done, act_and_redirect, settle_refusal


def _back(campaign_id: int) -> str:
    return url_for("organize.trustees", campaign_id=campaign_id)


def _confirmed(form) -> None:
    if not form.validate_on_submit():
        abort(400)


def _invite(campaign, form: TrusteeInviteForm) -> Done:
    invitation = seats.invite_trustee(db.session(), campaign, name=form.name.data, email=form.email.data, now=utcnow())
    return Done(f"Invitation sent to {invitation.trustee.email}.", [ceremony_mail.invitation(campaign, invitation)])


def _trustees_page(campaign, form: TrusteeInviteForm, status: int):
    board = ceremony.load_board(db.session(), campaign)
    ready = ceremony.ready_to_launch(campaign, board)
    return render_template(
        "organize/trustees.html", campaign=campaign, form=form, board=board, seat_form=SeatForm(),
        confirm_form=ConfirmForm(), seat_steps={t.seat: ceremony.step_of(campaign, board, t) for t in campaign.trustees},
        seats_open=seats.seats_open(campaign), ready=ready, **_path(campaign, "trustees", ready=ready),
        transcript=ceremony.expected_transcript(campaign, board) if len(board.deals) == campaign.trustee_count else None,
        overdue=ceremony.overdue(campaign, board, utcnow()), archives=ceremony.archives_of(db.session(), campaign),
    ), status


@bp.route("/campaigns/<int:campaign_id>/trustees", methods=["GET", "POST"])
@organizer_required
def trustees(campaign_id: int):
    """The trustees, the ceremony's progress, and the next step."""
    campaign = _managed(campaign_id)
    form = TrusteeInviteForm()
    if not form.validate_on_submit():
        return _trustees_page(campaign, form, 400 if request.method == "POST" else 200)
    try:
        done = _invite(campaign, form)
    except ServiceError as error:
        settle_refusal(error)
        _attach_error(form, error)
        return _trustees_page(campaign, form, 400)
    return act_and_redirect(lambda: done, _back(campaign.id))


def _seat(campaign, form: SeatForm):
    _confirmed(form)
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

    def action() -> Done:
        invitation = seats.reissue_invitation(db.session(), campaign, trustee, utcnow())
        return Done(f"A new invitation went to {trustee.email}; the old link no longer works.",
                    [ceremony_mail.invitation(campaign, invitation)])

    return act_and_redirect(action, _back(campaign.id))


@bp.route("/campaigns/<int:campaign_id>/trustees/remove", methods=["POST"])
@organizer_required
def remove_trustee(campaign_id: int):
    """Free a seat before the freeze."""
    campaign = _managed(campaign_id)
    trustee = _seat(campaign, SeatForm())

    def action() -> Done:
        seats.remove_trustee(db.session(), campaign, trustee)
        return Done(f"{trustee.name} no longer has a seat.")

    return act_and_redirect(action, _back(campaign.id))


def _freeze(campaign):
    def action() -> Done:
        ceremony.freeze(db.session(), campaign, current_app.config["TOKEN_KEY_SECRET"], current_app.config["LOG_KEY_SECRET"],
                        utcnow())
        return Done("Frozen. The trustees have been asked to post their deals.", ceremony_mail.deal_requests(campaign))

    return act_and_redirect(action, _back(campaign.id))


@bp.route("/campaigns/<int:campaign_id>/freeze", methods=["POST"])
@organizer_required
def freeze(campaign_id: int):
    """Freeze text, rule and trustees, and start the ceremony."""
    campaign = _managed(campaign_id)
    _confirmed(ConfirmForm())
    return _freeze(campaign)


def _confirm_page(campaign, kind: str, form: UnderstandForm, status: int):
    board = ceremony.load_board(db.session(), campaign)
    ready = ceremony.ready_to_launch(campaign, board)
    return render_template(f"organize/{kind}_confirm.html", campaign=campaign, form=form, ready=ready,
                           refusal=_refusal(campaign, kind, ready),
                           **_path(campaign, "ceremony" if kind == "freeze" else "launch", ready=ready)), status


def _refusal(campaign, kind: str, ready: bool) -> str | None:
    """Why the step cannot be taken now (the page then offers no button), else None."""
    if kind == "freeze":
        if not seats.seats_open(campaign) or campaign.manifest is not None:
            return "This campaign is already frozen."
        if campaign.approved_at is None:
            return "A site admin must approve this campaign before it is frozen: submit it for review."
        return None
    if campaign.launched_at is not None:
        return "This campaign is already launched."
    if not ready:
        return "The campaign can launch when every trustee has posted a deal and signed the transcript."
    return None


@bp.route("/campaigns/<int:campaign_id>/freeze/confirm", methods=["GET", "POST"])
@organizer_required
def freeze_confirm(campaign_id: int):
    """What freezing makes permanent; freezing needs the box ticked."""
    campaign = _managed(campaign_id)
    form = UnderstandForm()
    if not form.validate_on_submit():
        return _confirm_page(campaign, "freeze", form, 400 if request.method == "POST" else 200)
    return _freeze(campaign)


@bp.route("/campaigns/<int:campaign_id>/launch/confirm", methods=["GET", "POST"])
@organizer_required
def launch_confirm(campaign_id: int):
    """What launching makes permanent; launching needs the box ticked."""
    campaign = _managed(campaign_id)
    form = UnderstandForm()
    if not form.validate_on_submit():
        return _confirm_page(campaign, "launch", form, 400 if request.method == "POST" else 200)
    return _launch(campaign)


@bp.route("/campaigns/<int:campaign_id>/trustees/<int:seat>/replace", methods=["GET", "POST"])
@organizer_required
def replace_trustee(campaign_id: int, seat: int):
    """After the ceremony deadline (or an accused's answer deadline): replace a trustee who has
    not acted, after a page that says what happens."""
    campaign = _managed(campaign_id)
    trustee = next((t for t in campaign.trustees if t.seat == seat), None)
    if trustee is None:
        abort(404)
    form = ConfirmForm()
    if request.method == "GET":
        board = ceremony.load_board(db.session(), campaign)
        why = ceremony.overdue(campaign, board, utcnow()).get(seat)
        return render_template("organize/replace.html", campaign=campaign, trustee=trustee, form=form, why=why,
                               refusal=None if why else ceremony.not_replaceable(campaign, board, seat),
                               at_fault=ceremony.verdict_outcome(campaign, board), **_path(campaign, "trustees"))
    _confirmed(form)

    def action() -> Done:
        restart = ceremony.replace_trustee(db.session(), campaign, seat, utcnow())
        names = ", ".join(f"{r.name} (seat {r.seat})" for r in restart.removed)
        return Done(f"The ceremony restarts without {names}. Invite a replacement for each empty seat, then freeze "
                    "again: every trustee will deal again.",
                    ceremony_mail.restarted(campaign, restart, removed_by_organizer=True))

    return act_and_redirect(action, _back(campaign.id))


@bp.route("/campaigns/<int:campaign_id>/archives/<int:archive_id>/<any(ceremony, board):kind>.json")
@organizer_required
def archive_file(campaign_id: int, archive_id: int, kind: str):
    """The ceremony package or the board of an ended run, for ``pledge-trustee adjudicate``."""
    campaign = _managed(campaign_id)
    try:
        data, filename = ceremony.archive_file(db.session(), campaign, archive_id, kind)
    except ServiceError:
        abort(404)
    return Response(data, mimetype="application/json", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/campaigns/<int:campaign_id>/launch", methods=["POST"])
@organizer_required
def launch(campaign_id: int):
    """Open signing once every trustee has signed the same transcript."""
    campaign = _managed(campaign_id)
    _confirmed(ConfirmForm())
    return _launch(campaign)


def _launch(campaign):
    def action() -> Done:
        ceremony.launch(db.session(), campaign, current_app.config["LOG_KEY_SECRET"], utcnow())
        return Done("Launched: signing is open.", ceremony_mail.launched(campaign),
                    to=url_for("public.campaign", slug=campaign.slug))

    return act_and_redirect(action, _back(campaign.id))


@bp.route("/campaigns/<int:campaign_id>/allow-organizer-trustee", methods=["POST"])
@organizer_required
def allow_organizer_trustee(campaign_id: int):
    """Admins only: let the organizer hold a trustee seat on this campaign."""
    if not current_user.has_role(Role.ADMIN):
        abort(403)
    campaign = _managed(campaign_id)
    _confirmed(ConfirmForm())

    def action() -> Done:
        campaign.organizer_may_be_trustee = True
        return Done("The organizer may now hold a trustee seat on this campaign.")

    return act_and_redirect(action, _back(campaign.id))
