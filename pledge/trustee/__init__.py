"""Trustee pages: accepting an invitation, registering keys, and the ceremony uploads."""

from flask import Blueprint

bp = Blueprint("trustee", __name__, url_prefix="/trustee")

from pledge.trustee import views  # noqa: E402, F401  (imported for its routes; it needs bp)
