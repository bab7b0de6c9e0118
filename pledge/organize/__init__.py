"""Organizer pages: the dashboard and campaign authoring."""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")

from pledge.organize import ceremony_views, outcome_views, views  # noqa: E402, F401  (imported for their routes; they need bp)
