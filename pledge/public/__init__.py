"""Public pages: the campaign list, each campaign, and how the platform works (the
campaign JSON is in :mod:`pledge.api`)."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from pledge.public import report_views, views  # noqa: E402, F401  (imported for their routes; they need bp)
