"""Development mailbox: lists what the local SMTP sink received. Registered only when
``PLEDGE_ENV=development``; it does not exist in production or tests of production mode."""

from flask import Blueprint

bp = Blueprint("dev", __name__, url_prefix="/dev")

from pledge.dev import views  # noqa: E402, F401  (imported for its routes; it needs bp)
