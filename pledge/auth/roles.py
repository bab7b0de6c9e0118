"""Who may open a staff page: one decorator for every role check."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from pledge.models import Role


def role_required(*roles: Role):
    """Logged in (else the login page), and holding one of ``roles`` (else 403)."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not any(current_user.has_role(role) for role in roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


#: Organizers, and admins (who may manage every campaign).
organizer_required = role_required(Role.ORGANIZER, Role.ADMIN)
trustee_required = role_required(Role.TRUSTEE)
admin_required = role_required(Role.ADMIN)
