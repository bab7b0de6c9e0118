"""Signer affiliation: the verification page and its JSON API (docs/affiliation-api.md).

Nothing here sets or reads a cookie; signers are never tracked.
"""

from flask import Blueprint

bp = Blueprint("verify", __name__)

from pledge.verify import views  # noqa: E402,F401
