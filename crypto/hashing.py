"""Domain-separated hashing and canonical JSON (wire format v2, docs/protocol.md §1 and §2).

``H(tag, p1, ..., pk; n)`` is BLAKE2b with ``digest_size=n`` keyed with ``b"pledge/v2/" + tag``
over the length-prefixed parts, so that no two different part lists hash the same input.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import EncodingError

#: The wire format version: the ``"v"`` of every file, leaf, payload and record, and the ``v2`` in
#: every domain tag (docs/protocol.md §1). Other modules re-export it as ``VERSION``.
WIRE_VERSION = 2
_KEY_PREFIX = b"pledge/v2/"
#: The largest integer canonical JSON carries (docs/protocol.md §2); none is negative.
MAX_INTEGER = 2**63 - 1


def u64le(value: int) -> bytes:
    """Encode a non-negative integer below 2**64 as 8 little-endian bytes."""
    if not 0 <= value < 2**64:
        raise EncodingError("u64 out of range")
    return struct.pack("<Q", value)


def H(tag: str, *parts: bytes, n: int = 64) -> bytes:
    """Keyed BLAKE2b over length-prefixed ``parts``; ``n`` is the digest size in bytes."""
    if not isinstance(tag, str):
        raise EncodingError("hash tag must be a string")
    try:
        key = _KEY_PREFIX + tag.encode("ascii")
    except UnicodeEncodeError as exc:
        raise EncodingError("hash tag must be ASCII") from exc
    if isinstance(n, bool) or not isinstance(n, int):
        raise EncodingError("digest size must be an integer")
    if len(key) > 64 or not 1 <= n <= 64:
        raise EncodingError("hash tag too long or digest size out of range")
    h = hashlib.blake2b(digest_size=n, key=key)
    for part in parts:
        if not isinstance(part, (bytes, bytearray)):
            raise EncodingError("hash parts must be bytes")
        h.update(u64le(len(part)))
        h.update(part)
    return h.digest()


def _plain(value: Any) -> Any:
    """Turn bytes into lowercase hex and check every value is allowed in canonical JSON."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        if not 0 <= value <= MAX_INTEGER:
            raise EncodingError(f"canonical JSON integers are 0..2**63-1, not {value}")
        return value
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise EncodingError("canonical JSON keys must be strings")
            out[key] = _plain(item)
        return out
    if isinstance(value, Sequence):
        return [_plain(item) for item in value]
    # Floats are refused: their text form differs between implementations.
    raise EncodingError(f"type {type(value).__name__} is not allowed in canonical JSON")


def canonical_json(value: Any) -> bytes:
    """UTF-8 JSON with sorted keys, no insignificant whitespace and bytes as lowercase hex."""
    try:
        text = json.dumps(
            _plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        return text.encode("utf-8")
    except (UnicodeEncodeError, ValueError) as exc:  # lone surrogates, NaN
        raise EncodingError("value cannot be encoded as canonical JSON") from exc
