"""Staff login and logout."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from pledge.auth import views  # noqa: E402, F401  (imported for its routes; it needs bp)
