"""Organizer pages: the dashboard and campaign authoring."""

from flask import Blueprint

bp = Blueprint("organize", __name__, url_prefix="/organize")

from pledge.organize import views  # noqa: E402,F401
from pledge.organize import ceremony_views  # noqa: E402,F401
from pledge.organize import outcome_views  # noqa: E402,F401
