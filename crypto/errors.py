"""The one error family of :mod:`crypto`.

Callers catch :class:`CryptoError`. Subclasses say which family of check failed (so a trustee
tool can file a precise complaint), never which secret value was involved.
"""


class CryptoError(Exception):
    """Any failure to parse, check or compute something in :mod:`crypto`."""


class EncodingError(CryptoError):
    """Input was not in the wire format: wrong length, non-canonical, not JSON-encodable."""
