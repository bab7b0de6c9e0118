"""Admin pages: issuance counters and burst alarms, and the lab registry."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from pledge.admin import review_views, views  # noqa: E402, F401  (imported for their routes; they need bp)
