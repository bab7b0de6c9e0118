"""The HTTP status that answers each domain refusal (services know codes, never statuses)."""

from __future__ import annotations

from pledge.services.errors import NotFound, ServiceError

#: The status of each refusal code the JSON APIs answer with (docs/signing-api.md,
#: docs/affiliation-api.md); a code not listed is a 400.
API_STATUS = {
    "bad_request": 400, "invalid_address": 400, "invalid_code": 400, "wrong_code": 400, "ticket_invalid": 400,
    "token_refused": 403, "bad_signature": 403,
    "not_found": 404, "unknown_receipt": 404, "unknown_entry": 404, "no_batch": 404,
    "already_issued": 409, "duplicate_ciphertext": 409, "token_used": 409, "already_withdrawn": 409,
    "revealed": 409, "conflict": 409,
    "closed": 410,
    "not_eligible": 422, "bad_ciphertext": 422,
    "busy": 503,
}


def status_of(error: ServiceError) -> int:
    """The HTTP status that answers a refusal."""
    return 404 if isinstance(error, NotFound) else API_STATUS.get(error.code, 400)
