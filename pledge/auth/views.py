"""Login and logout views."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from pledge.auth import bp
from pledge.auth.forms import LoginForm, LogoutForm
from pledge.extensions import db
from pledge.models import Role
from pledge.ratelimit import limit_account, limit_client
from pledge.services.accounts import authenticate, current_cost, end_sessions


def safe_next(target: str | None) -> str | None:
    """Accept ``next`` only as a path on this site (no scheme, host, or ``//`` or ``\\`` tricks)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user) -> str:
    """Where a staff member lands: the organizer dashboard, or the trustee page."""
    if user.has_role(Role.ORGANIZER) or user.has_role(Role.ADMIN):
        return url_for("organize.dashboard")
    return url_for("trustee.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on valid credentials start a session."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    status, error = 200, None
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    elif request.method == "POST":
        limit_client("login")
    if form.validate_on_submit():
        limit_account("login", form.email.data)
        user = authenticate(db.session(), form.email.data, form.password.data, current_cost())
        if user is not None:
            login_user(user)
            flash(f"Logged in as {user.name}.", "success")
            return redirect(safe_next(form.next.data) or home_for(user))
        # One message for unknown email and wrong password alike.
        status, error = 401, "That email and password do not match an account."
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session and every other cookie minted for the account."""
    form = LogoutForm()
    if not form.validate_on_submit():
        flash("Your session form expired; try logging out again.", "error")
        return redirect(home_for(current_user))
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for("public.home"))
