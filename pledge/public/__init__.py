"""Public pages: the campaign list, each campaign, its JSON, and how the platform works."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from pledge.public import views  # noqa: E402,F401
