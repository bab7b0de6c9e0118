"""Trustee views: thin wrappers over :mod:`pledge.services.trustees` and ``ceremony``."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from sqlalchemy import select

from pledge.auth.roles import trustee_required
from pledge.extensions import db
from pledge.models import Campaign, Role, User, present, utcnow
from pledge.services import ceremony, ceremony_mail, expiry, packages, trustees
from pledge.services import reveal as reveal_rounds
from pledge.services.accounts import create_user, current_cost
from pledge.services.errors import ServiceError
from pledge.services.stage import current_stage, trustee_sentence
from pledge.trustee import bp
from pledge.trustee.forms import AcceptForm, KeysForm, NewTrusteeAccountForm, UploadForm
from pledge.unit_of_work import Done, attempt, commit_and_send, settle_refusal


def _my_seat(campaign_id: int):
    """The campaign and the current user's seat on it, else 404."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is not None:
        for trustee in campaign.trustees:
            if trustee.user_id == current_user.id:
                return campaign, trustee
    abort(404)


def _accept(seat, campaign: Campaign, form):
    """Accept the seat from a valid form (creating the account unless logged in): the redirect,
    or None after a refusal (flashed)."""
    new_account = not current_user.is_authenticated
    user = current_user

    def action() -> None:
        nonlocal user
        if new_account:
            user = create_user(db.session(), email=seat.email, name=seat.name, password=form.password.data,
                               roles=[Role.TRUSTEE], cost=current_cost())
        trustees.accept_invitation(db.session(), seat, user, utcnow())

    outcome = attempt(action)
    if isinstance(outcome, ServiceError):
        flash(outcome.message, "error")
        return None
    if new_account:
        login_user(user)
    flash(f"You are trustee {seat.seat} of “{campaign.title}”. Next: register your public keys.", "success")
    return redirect(url_for("trustee.keys", campaign_id=campaign.id))


@bp.route("/invitations/<secret>", methods=["GET", "POST"])
def invitation(secret: str):
    """Accept a trustee seat: create the account, or accept with the one logged in."""
    try:
        seat = trustees.find_invitation(db.session(), secret, utcnow())
    except ServiceError as error:
        return render_template("errors/error.html", title="Invitation not valid", message=error.message), 404
    campaign = present(db.session.get(Campaign, seat.campaign_id), "the seat's campaign")
    existing = db.session.scalar(select(User).where(User.email == seat.email))
    form: AcceptForm | NewTrusteeAccountForm | None = AcceptForm() if current_user.is_authenticated else NewTrusteeAccountForm()
    if existing is not None and not current_user.is_authenticated:
        form = None  # the account exists: log in first, then come back
    accepted = _accept(seat, campaign, form) if form is not None and form.validate_on_submit() else None
    if accepted is not None:
        return accepted
    return render_template("trustee/invitation.html", seat=seat, campaign=campaign, form=form,
                           existing=existing, secret=secret), 400 if request.method == "POST" else 200


def _render_dashboard(status: int = 200):
    seats = []
    for seat in trustees.seats_of(db.session(), current_user):
        campaign = present(db.session.get(Campaign, seat.campaign_id), "the seat's campaign")
        board = ceremony.load_board(db.session(), campaign)
        stage = current_stage(db.session(), campaign, utcnow())
        seats.append((campaign, seat, board, ceremony.step_of(campaign, board, seat),
                      reveal_rounds.rounds_of(db.session(), campaign), stage, trustee_sentence(stage, campaign)))
    archives = {campaign.id: ceremony.archives_of(db.session(), campaign) for campaign, *_ in seats}
    return render_template("trustee/dashboard.html", seats=seats, archives=archives), status


@bp.route("/")
@trustee_required
def dashboard():
    """Every seat of the current trustee, each with its next step."""
    return _render_dashboard()


def _read_upload(form, limit: int = ceremony.MAX_UPLOAD_BYTES) -> bytes | None:
    upload = form.file.data
    if upload is not None and getattr(upload, "filename", None):
        try:
            return upload.read(limit + 1)
        finally:
            upload.close()  # large uploads are spooled to a temporary file
    return None


def _register_keys(campaign: Campaign, seat, form: KeysForm) -> Done:
    data = _read_upload(form) or (form.pasted.data or "").encode("utf-8")
    ed25519, x25519 = ceremony.parse_public_keys(data)
    trustees.register_keys(db.session(), campaign, seat, ed25519, x25519, utcnow())
    return Done("Your public keys are registered.", to=url_for("trustee.dashboard"))


@bp.route("/campaigns/<int:campaign_id>/keys", methods=["GET", "POST"])
@trustee_required
def keys(campaign_id: int):
    """Register the public keys made by ``pledge-trustee init``."""
    campaign, seat = _my_seat(campaign_id)
    form = KeysForm()
    if form.validate_on_submit():
        outcome = attempt(lambda: _register_keys(campaign, seat, form))
        if isinstance(outcome, Done):
            return redirect(outcome.next_page)
        flash(outcome.message, "error")
    return render_template("trustee/keys.html", campaign=campaign, seat=seat, form=form,
                           can_register=trustees.seats_open(campaign)), 400 if request.method == "POST" else 200


def _json_download(data: bytes, filename: str) -> Response:
    return Response(data, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/campaigns/<int:campaign_id>/ceremony.json")
@trustee_required
def ceremony_package(campaign_id: int):
    """The ceremony package for ``pledge-trustee deal``."""
    campaign, _ = _my_seat(campaign_id)
    try:
        return _json_download(ceremony.ceremony_package(campaign), f"ceremony-{campaign.slug}.json")
    except ServiceError:
        abort(404)


@bp.route("/campaigns/<int:campaign_id>/board.json")
@trustee_required
def board(campaign_id: int):
    """The complete board for ``pledge-trustee finish``."""
    campaign, _ = _my_seat(campaign_id)
    try:
        return _json_download(ceremony.board_file(db.session(), campaign), f"board-{campaign.slug}.json")
    except ServiceError:
        abort(404)


def _upload(campaign_id: int, action, limit: int = ceremony.MAX_UPLOAD_BYTES):
    campaign, seat = _my_seat(campaign_id)
    form = UploadForm()
    if not form.validate_on_submit():
        abort(400)
    data = _read_upload(form, limit)
    if data is None:
        flash("Choose the file to upload.", "error")
        return _render_dashboard(400)
    try:
        messages = action(campaign, seat, data)
    except ServiceError as error:
        settle_refusal(error)
        flash(f"Refused: {error.message}", "error")
        return _render_dashboard(400)
    if commit_and_send(messages):
        flash("Some notification emails could not be sent; the upload is saved.", "error")
    return redirect(url_for("trustee.dashboard"))


@bp.route("/campaigns/<int:campaign_id>/deal", methods=["POST"])
@trustee_required
def upload_deal(campaign_id: int):
    """Post a deal; the server checks it first."""

    def action(campaign, seat, data):
        ceremony.submit_deal(db.session(), campaign, seat, data)
        flash("Your deal is verified and posted on the board.", "success")
        complete = len(ceremony.load_board(db.session(), campaign).deals) == campaign.trustee_count
        return ceremony_mail.board_ready(campaign) if complete else []

    return _upload(campaign_id, action)


@bp.route("/campaigns/<int:campaign_id>/result", methods=["POST"])
@trustee_required
def upload_result(campaign_id: int):
    """Post a transcript signature, or a complaint that halts the ceremony."""

    def action(campaign, seat, data):
        outcome = ceremony.submit_result(db.session(), campaign, seat, data, utcnow())
        board = ceremony.load_board(db.session(), campaign)
        if outcome == "complaint":
            flash("Your complaint is posted. The ceremony is halted until the accused trustee answers; "
                  "everyone is told.", "success")
            mine = [c for c in board.complaints if c.complainant_seat == seat.seat]  # in filing order
            return ceremony_mail.complaint_filed(campaign, [c for c in mine if c.body == mine[-1].body])
        flash("Your transcript signature is verified and posted.", "success")
        if not ceremony.ready_to_launch(campaign, board):
            return []
        return [ceremony_mail.ready(campaign, ceremony.expected_transcript(campaign, board))]

    return _upload(campaign_id, action)


@bp.route("/campaigns/<int:campaign_id>/answer", methods=["POST"])
@trustee_required
def upload_answer(campaign_id: int):
    """Post the answer to a complaint against one's deal; the server checks it and decides."""

    def action(campaign, seat, data):
        restart = ceremony.submit_answer(db.session(), campaign, seat, data, utcnow())
        if restart is None:
            flash("Your answer is verified and posted. The ceremony waits for the answers to the other complaints.",
                  "success")
            return []
        flash("Your answer is verified and posted. Every complaint now has its verdict: the ceremony restarts "
              "(see the outcome below), and everyone is told.", "success")
        return ceremony_mail.restarted(campaign, restart, removed_by_organizer=False)

    return _upload(campaign_id, action)


@bp.route("/campaigns/<int:campaign_id>/archives/<int:archive_id>/<any(ceremony, board):kind>.json")
@trustee_required
def archive_file(campaign_id: int, archive_id: int, kind: str):
    """The ceremony package or the board of an ended run, for ``pledge-trustee adjudicate``."""
    campaign, _ = _my_seat(campaign_id)
    try:
        return _json_download(*ceremony.archive_file(db.session(), campaign, archive_id, kind))
    except ServiceError:
        abort(404)


@bp.route("/campaigns/<int:campaign_id>/rounds/<int:number>/round.json")
@trustee_required
def round_package(campaign_id: int, number: int):
    """The round package for ``pledge-trustee decrypt``."""
    campaign, _ = _my_seat(campaign_id)
    try:
        data = packages.round_package(db.session(), campaign, number)
    except ServiceError:
        abort(404)
    return _json_download(data, f"round-{number}-{campaign.slug}.json")


@bp.route("/campaigns/<int:campaign_id>/openings.json")
@trustee_required
def openings_package(campaign_id: int):
    """The openings package of an expired campaign, for ``pledge-trustee destroy``: the trustee
    checks that round 1 was owed at no head before it confirms (docs/trustee-files.md)."""
    campaign, _ = _my_seat(campaign_id)
    try:
        data = packages.expiry_package(db.session(), campaign)
    except ServiceError:
        abort(404)
    return _json_download(data, f"openings-{campaign.slug}.json")


@bp.route("/campaigns/<int:campaign_id>/rounds/<int:number>/partials", methods=["POST"])
@trustee_required
def upload_partials(campaign_id: int, number: int):
    """Post partial decryptions; every proof is checked before anything is stored."""

    def action(campaign, seat, data):
        opened = reveal_rounds.submit_partials(db.session(), campaign, seat, number, data, utcnow())
        if opened:
            flash(f"Your partials are verified. Round {number} is now revealed.", "success")
            return ceremony_mail.round_revealed(campaign, number)
        flash("Your partials are verified and posted.", "success")
        return []

    # A round's partials grow with its entries (the body limit is raised in pledge/trustee/limits.py).
    return _upload(campaign_id, action, ceremony.MAX_PARTIALS_BYTES)


@bp.route("/campaigns/<int:campaign_id>/destroyed", methods=["POST"])
@trustee_required
def upload_destroyed(campaign_id: int):
    """Post the signed confirmation that the share of an expired campaign is destroyed."""

    def action(campaign, seat, data):
        expiry.confirm_destroyed(db.session(), campaign, seat, data, utcnow())
        flash("Your confirmation is recorded and shown on the campaign page.", "success")
        return []

    return _upload(campaign_id, action)
