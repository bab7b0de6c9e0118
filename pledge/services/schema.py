"""Strict shapes of the JSON request bodies, with the refusal messages the API documents.

Built on the tools' strict reader (``Obj``, ``unhex``): an object has exactly its fields, and a
hex field is even-length lowercase hex with nothing else in it (``"AB cd"`` is refused), the
form the browser and ``pledge-sign`` send. Every refusal is a :class:`BadRequest`.
"""

from __future__ import annotations

import sys

from crypto.formats.errors import FormatError
from crypto.formats.jsonfile import Obj, unhex
from pledge.services.errors import BadRequest


def exact_object(body: object, fields: set[str], message: str) -> Obj:
    """``body`` as a JSON object with exactly ``fields``, else :class:`BadRequest` (``message``)."""
    try:
        return Obj(body, "body").exact_keys(fields)
    except FormatError:
        raise BadRequest(message) from None


def hex_field(value: object, name: str, size: int | None = None) -> bytes:
    """A hex string field as bytes, of exactly ``size`` bytes if given."""
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a hex string.")
    try:
        raw = unhex(value, name, max_size=sys.maxsize)  # sizes are checked here, with the API's words
    except FormatError:
        raise BadRequest(f"{name} is not hex.") from None
    if size is not None and len(raw) != size:
        raise BadRequest(f"{name} must be {size} bytes.")
    return raw
