"""Reading a JSON request body.

The JSON endpoints use no cookie, so they carry no CSRF token; they demand a JSON content type,
which a cross-site form cannot send without a CORS preflight this server never grants. The
body's shape is then checked strictly by the service that reads it (pledge/services/schema.py).

Before anything parses it, a body must be at most :data:`MAX_JSON_BYTES` long (else 413
``too_large``) and nest lists and objects at most :data:`MAX_JSON_DEPTH` deep (else 400
``bad_request``). The largest body the API takes, a token request for 100 campaigns, is at most
about a kilobyte per campaign (a 4096-bit blinded message in hex) and nests three deep; the
limits leave room for that, and the depth limit keeps the parser, which recurses once per level,
far from Python's recursion limit.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, overload

from flask import abort, request

from pledge.services.errors import BadRequest, ServiceError

#: The longest JSON body any endpoint reads, in bytes (the site's MAX_CONTENT_LENGTH is larger:
#: it also covers trustee uploads).
MAX_JSON_BYTES = 256 * 1024
#: The deepest nesting of lists and objects a JSON body may have.
MAX_JSON_DEPTH = 32

# The bytes that can change the nesting or the string state; everything else is skipped in C.
_STRUCTURE = re.compile(rb'["\\\[\]{}]')


class TooLarge(ServiceError):
    """A request body longer than the endpoint reads."""

    code = "too_large"


def json_depth_exceeds(data: bytes, limit: int) -> bool:
    """Whether ``data``, read as JSON, opens more than ``limit`` nested lists or objects: one
    linear pass that keeps track of strings (a bracket inside one does not count) and escapes.
    On malformed JSON the answer is still an upper bound of what a parser would reach before
    refusing it, so a body this passes cannot make the parser recurse deeper than ``limit``."""
    depth = 0
    in_string = False
    escaped = -1  # the offset of the byte a backslash escapes
    for match in _STRUCTURE.finditer(data):
        at = match.start()
        if at == escaped:
            continue
        char = data[at]
        if in_string:
            if char == 0x5C:  # backslash
                escaped = at + 1
            elif char == 0x22:  # quote
                in_string = False
        elif char == 0x22:
            in_string = True
        elif char in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif char in b"]}":
            depth -= 1
    return False


def _read_json() -> object:
    """The parsed body, or None if it is not JSON; the size and depth limits refused first."""
    if request.content_length is not None and request.content_length > MAX_JSON_BYTES:
        raise TooLarge(f"The body is longer than the {MAX_JSON_BYTES} bytes this endpoint reads.")
    # Without a Content-Length (a chunked body) no more than one byte past the limit is read.
    data = request.stream.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise TooLarge(f"The body is longer than the {MAX_JSON_BYTES} bytes this endpoint reads.")
    if json_depth_exceeds(data, MAX_JSON_DEPTH):
        raise BadRequest(f"The body nests lists or objects more than {MAX_JSON_DEPTH} deep.")
    try:
        return json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: not reached after the depth check
        return None


@overload
def json_body(*, object_required: Literal[True]) -> dict[str, Any]: ...
@overload
def json_body(*, object_required: bool = False) -> object: ...


def json_body(*, object_required: bool = False) -> object:
    """The parsed body (None if it is not JSON); 415 without a JSON content type, 413 when it is
    longer than :data:`MAX_JSON_BYTES`, 400 when it nests deeper than :data:`MAX_JSON_DEPTH`,
    and 400 when ``object_required`` and the body is not a JSON object."""
    if not request.is_json:
        abort(415)
    body = _read_json()
    if object_required and not isinstance(body, dict):
        abort(400)
    return body
