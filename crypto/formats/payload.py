"""The signature payload: what a signer seals, and the rules for each field.

The payload is the canonical JSON ``{"display", "name", "role", "statement", "v": 2}``, at most
1023 bytes (:func:`crypto.seal.encode_payload`). It is sealed on the signer's machine; nobody
reads it before the reveal, and at the reveal everything sealed becomes public. The field rules
here are the ones ``pledge-sign`` applies and ``static/js/sign.js`` mirrors; a record checker
uses :func:`is_valid_payload` to tell a well-formed revealed payload from one a signer sealed
malformed on purpose.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field

from .. import seal
from ..errors import EncodingError
from .errors import CheckFailed

MAX_NAME = 200
MAX_ROLE = 200
MAX_STATEMENT = 900
DISPLAY_CHOICES = seal.DISPLAY_CHOICES
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass(frozen=True)
class Details:
    """A signature's content. Never printed after it is submitted."""

    display: str
    name: str = field(repr=False)
    role: str = field(repr=False)
    statement: str = field(repr=False)

    def payload(self) -> bytes:
        """The canonical JSON payload; :class:`CheckFailed` if it does not fit a ciphertext."""
        try:
            return seal.encode_payload(self.name, self.role, self.statement, self.display)
        except EncodingError:
            raise CheckFailed(f"your name, role and statement are too long together (at most "
                              f"{seal.MAX_PAYLOAD_BYTES} bytes are sealed); nothing was sent"
                              ) from None


# --- checking what was typed ----------------------------------------------------------------


def clean(text: str, what: str, max_len: int, *, required: bool) -> str:
    """``text`` without surrounding spaces; ``ValueError`` if it is empty when required, too
    long, or holds control characters (a line break included: each field is one line)."""
    value = text.strip()
    if required and not value:
        raise ValueError(f"the {what} must not be empty")
    if len(value) > max_len:
        raise ValueError(f"the {what} is longer than {max_len} characters")
    if any(_forbidden(ch) for ch in value):
        raise ValueError(f"the {what} must be one line of text without control characters")
    return value


def _forbidden(ch: str) -> bool:
    """Control characters, line and paragraph separators, and bidirectional overrides (which
    would let a name display as something else on the reveal page)."""
    return unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in BIDI_CONTROLS


def role_sealed(display: str, include_role: bool) -> bool:
    """Whether a role is sealed: always with a name; for an anonymous signer only when they
    choose to include it (a role can single someone out at a small lab)."""
    return display == "name" or include_role


def details_from(display: str, name: str, role: str, statement: str, *, include_role: bool = False) -> Details:
    """Check the four fields together; ``ValueError`` with a reason. An anonymous signer seals
    no name, and no role unless ``include_role``."""
    if display not in DISPLAY_CHOICES:
        raise ValueError("the display choice must be 'name' or 'anonymous'")
    if display == "anonymous" and name.strip():
        raise ValueError("with --display anonymous no name is sealed: everything sealed is "
                         "public after the reveal, so leave the name out")
    with_role = role_sealed(display, include_role)
    if not with_role and role.strip():
        raise ValueError("with --display anonymous no role is sealed unless you choose to "
                         "include it (--include-role): everything sealed is public after the reveal")
    details = Details(
        display=display,
        name=clean(name, "name", MAX_NAME, required=display == "name"),
        role=clean(role, "role", MAX_ROLE, required=with_role),
        statement=clean(statement, "statement", MAX_STATEMENT, required=False),
    )
    details.payload()
    return details


PAYLOAD_KEYS = {"v", "name", "role", "statement", "display"}


def is_valid_payload(payload: bytes) -> bool:
    """Whether ``payload`` is exactly the canonical JSON a signer's client makes (docs/protocol.md §6)."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(obj, dict) or obj.keys() != PAYLOAD_KEYS:
        return False
    if type(obj["v"]) is not int or obj["v"] != seal.PAYLOAD_VERSION:
        return False
    try:
        encoded = seal.encode_payload(obj["name"], obj["role"], obj["statement"], obj["display"])
    except EncodingError:
        return False
    return encoded == payload
