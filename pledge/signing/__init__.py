"""Signing: the sign and receipt pages and their JSON API (docs/signing-api.md).

Nothing here sets or reads a cookie.
"""

from flask import Blueprint

bp = Blueprint("signing", __name__)

from pledge.signing import views  # noqa: E402,F401
