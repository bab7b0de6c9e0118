"""The campaign JSON API, ``/api/campaigns/<slug>…`` (docs/signing-api.md, docs/affiliation-api.md):
counts, record, manifest, ceremony board, log head, entries, receipts and withdrawals.

Nothing here sets or reads a cookie. Refusals are answered by the app's one handler for domain
errors (pledge/errors.py).
"""

from flask import Blueprint

bp = Blueprint("api", __name__)

from pledge.api import views  # noqa: E402, F401  (imported for its routes; it needs bp)
