"""Signing: the sign and receipt pages (their JSON API is in :mod:`pledge.api`,
docs/signing-api.md).

Nothing here sets or reads a cookie.
"""

from flask import Blueprint

bp = Blueprint("signing", __name__)

from pledge.signing import views  # noqa: E402, F401  (imported for its routes; it needs bp)
