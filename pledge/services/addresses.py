"""Email addresses, strictly: one mailbox, no header syntax.

RFC 5322 lets a "local part" carry groups (``x:ada@…;``), comments (``ada(1)@…``), quoted strings
and several recipients (``spy,ada@…``); mail software then delivers to an address other than the
one written. For Pledge that would let one mailbox collect several tokens, or send an invitation
to a hidden recipient. So an address here is a plain dot-atom of letters, digits and ``. _ - '``
before a plain domain, and anything else is refused.
"""

from __future__ import annotations

import re
from email.utils import getaddresses

LOCAL_RE = re.compile(r"^[a-z0-9_'+-]+(?:\.[a-z0-9_'+-]+)*$")  # "+" only for +tags, removed by callers
LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
FORBIDDEN = set("\r\n\0\u2028\u2029\u0085\x0b\x0c")


class AddressError(ValueError):
    """Not a single plain mailbox address."""


def split_address(raw: object) -> tuple[str, str]:
    """Trim and lower-case; refuse header syntax; IDNA-encode the domain. Returns (local, domain)."""
    if not isinstance(raw, str) or len(raw) > 320 or any(ch in FORBIDDEN for ch in raw):
        raise AddressError("not an address")
    cleaned = raw.strip().lower()
    local, at, domain = cleaned.rpartition("@")
    if not at or not LOCAL_RE.match(local) or len(local) > 64:
        raise AddressError("not a plain address")
    try:
        domain = domain.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError("not a domain") from None
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253 or not all(LABEL_RE.match(label) for label in labels):
        raise AddressError("not a domain")
    address = f"{local}@{domain}"
    # Belt and braces: mail software must read back exactly this one mailbox.
    if getaddresses([address]) != [("", address)]:
        raise AddressError("not a single mailbox")
    return local, domain


def is_clean_text(value: str) -> bool:
    """No control characters or line separators (names shown in pages and email bodies)."""
    return not any(ch in FORBIDDEN or (ord(ch) < 32 and ch != "\t") or 0x7f <= ord(ch) < 0xa0 for ch in value)
