"""Signer affiliation: the verification page (``/verify``) and its JSON API, ``/api/verify/…``
(docs/affiliation-api.md). Not to be confused with checking a campaign record (``pledge-verify``).

Nothing here sets or reads a cookie; signers are never tracked.
"""

from flask import Blueprint

bp = Blueprint("affiliation", __name__)

from pledge.affiliation import views  # noqa: E402, F401  (imported for its routes; it needs bp)
