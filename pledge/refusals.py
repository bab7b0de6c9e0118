"""The HTTP status that answers each domain refusal (services know codes, never statuses)."""

from __future__ import annotations

from pledge.services.errors import NotFound, ServiceError

#: The refusal codes the JSON APIs answer with, by HTTP status (docs/signing-api.md,
#: docs/affiliation-api.md); a code not listed is a 400.
CODES_BY_STATUS = {
    400: ("bad_request", "invalid_address", "invalid_code", "wrong_code", "ticket_invalid"),
    403: ("token_refused", "bad_signature"),
    404: ("not_found", "unknown_receipt", "unknown_entry", "no_batch"),
    409: ("already_issued", "duplicate_ciphertext", "token_used", "already_withdrawn", "revealed", "conflict",
          "taken_down"),
    410: ("closed",),
    413: ("too_large",),
    422: ("not_eligible", "bad_ciphertext"),
    503: ("busy",),
}
API_STATUS = {code: status for status, codes in CODES_BY_STATUS.items() for code in codes}


def status_of(error: ServiceError) -> int:
    """The HTTP status that answers a refusal."""
    return 404 if isinstance(error, NotFound) else API_STATUS.get(error.code, 400)
