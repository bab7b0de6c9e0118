"""Reading a JSON request body.

The JSON endpoints use no cookie, so they carry no CSRF token; they demand a JSON content type,
which a cross-site form cannot send without a CORS preflight this server never grants. The
body's shape is then checked strictly by the service that reads it (pledge/services/schema.py).
"""

from __future__ import annotations

from typing import Any, Literal, overload

from flask import abort, request


@overload
def json_body(*, object_required: Literal[True]) -> dict[str, Any]: ...
@overload
def json_body(*, object_required: bool = False) -> object: ...


def json_body(*, object_required: bool = False) -> object:
    """The parsed body (None if it is not JSON); 415 without a JSON content type, and 400 when
    ``object_required`` and the body is not a JSON object."""
    if not request.is_json:
        abort(415)
    body = request.get_json(silent=True)
    if object_required and not isinstance(body, dict):
        abort(400)
    return body
