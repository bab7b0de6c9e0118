"""Admin views: issuance counters and burst alarms, and the lab registry."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import Form

from pledge.admin import bp
from pledge.admin.forms import LabEditForm, LabForm
from pledge.auth.roles import admin_required
from pledge.extensions import db
from pledge.models import Lab, utcnow
from pledge.refusals import status_of
from pledge.services import labs as lab_service
from pledge.services.affiliation import issuance_overview
from pledge.services.campaigns import all_labs
from pledge.services.errors import NotFound, ServiceError
from pledge.unit_of_work import Done, attempt


@bp.route("/issuance")
@admin_required
def issuance():
    """Tokens issued per campaign, lab and day over the last two weeks, with alarms."""
    overview = issuance_overview(db.session(), 14, utcnow())
    return render_template("admin/issuance.html", rows=overview.rows, campaigns=overview.campaigns,
                           labs=overview.labs, alarmed=overview.alarmed)


def _attach_error(form: Form, error: ServiceError) -> None:
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = list(field.errors) + [error.message]
    else:
        flash(error.message, "error")


def _lab(slug: str) -> Lab:
    try:
        return lab_service.lab_by_slug(db.session(), slug)
    except NotFound:
        abort(404)


@bp.route("/labs")
@admin_required
def labs():
    """Every lab with its email domains."""
    return render_template("admin/labs.html", labs=all_labs(db.session()))


@bp.route("/labs/new", methods=["GET", "POST"])
@admin_required
def new_lab():
    """Add a lab to the registry."""
    form = LabForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        def action() -> Done:
            lab = lab_service.add_lab(db.session(), slug=form.slug.data or "", name=form.name.data or "",
                                      domains=form.domain_list(), actor=current_user, source=lab_service.ADMIN_PAGE,
                                      now=utcnow())
            return Done(f"{lab.name} added.", to=url_for("admin.lab", slug=lab.slug))

        outcome = attempt(action)
        if not isinstance(outcome, ServiceError):
            return redirect(outcome.next_page)
        _attach_error(form, outcome)
        status = status_of(outcome)
    return render_template("admin/lab_new.html", form=form), status


@bp.route("/labs/<slug>", methods=["GET", "POST"])
@admin_required
def lab(slug: str):
    """A lab: change its name and domains, and read its history."""
    found = _lab(slug)
    form = LabEditForm(obj=found)
    if request.method == "GET":
        form.domains.data = "\n".join(found.domain_names)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        def action() -> Done:
            lab_service.edit_lab(db.session(), found, name=form.name.data, domains=form.domain_list(),
                                 actor=current_user, source=lab_service.ADMIN_PAGE, now=utcnow())
            return Done(f"{found.name} saved.", to=url_for("admin.lab", slug=found.slug))

        outcome = attempt(action)
        if not isinstance(outcome, ServiceError):
            return redirect(outcome.next_page)
        _attach_error(form, outcome)
        status = status_of(outcome)
        db.session.refresh(found)
    return render_template("admin/lab.html", lab=found, form=form,
                           history=lab_service.history(db.session(), found)), status
