"""The one error family of :mod:`crypto`.

Callers catch :class:`CryptoError`. Subclasses say which family of check failed (so a trustee
tool can file a precise complaint), never which secret value was involved.
"""

from enum import Enum


class CryptoError(Exception):
    """Any failure to parse, check or compute something in :mod:`crypto`."""


class EncodingError(CryptoError):
    """Input was not in the wire format: wrong length, non-canonical, not JSON-encodable."""


class InvalidSignature(CryptoError):
    """A signature (tree head, withdrawal, RSA token or blind signature) did not verify."""


class InvalidProof(CryptoError):
    """A proof did not verify: Merkle inclusion or consistency, a ciphertext's proof of
    knowledge, or a partial decryption's Chaum-Pedersen proof."""


class InvalidPoint(EncodingError):
    """A group element was not a canonical encoding of a point of prime order L (the identity,
    small-order and torsioned points are all refused)."""


class InvalidScalar(EncodingError):
    """A scalar was not 32 little-endian bytes below L, or was zero where zero is not allowed."""


class PayloadTooLarge(EncodingError):
    """A signature payload does not fit the fixed padded size of a ciphertext."""


class ItemFailed(CryptoError):
    """Item ``position`` (from 0, in input order) of a batch failed; ``error`` is the error the
    one-item function raised for it (see :mod:`crypto.parallel`)."""

    def __init__(self, position: int, error: CryptoError) -> None:
        super().__init__(f"item {position}: {error}")
        self.position = position
        self.error = error


class DecryptionError(CryptoError):
    """An authenticated box did not open: wrong key, wrong passphrase, or tampered data."""


class Complaint(str, Enum):  # noqa: UP042  (a StrEnum's str() is its value, not Complaint.X: a behaviour change)
    """Why trustee j refuses trustee i's deal (docs/protocol.md §4); the value is filed on the board."""

    MALFORMED = "malformed"
    BAD_POINT = "bad-point"
    BAD_SIGNATURE = "bad-signature"
    BAD_PROOF = "bad-proof"
    SHARE_UNDECRYPTABLE = "share-does-not-decrypt"
    SHARE_CONTEXT = "share-context-wrong"
    SHARE_MALFORMED = "share-malformed"
    FELDMAN = "feldman-check-failed"


PRIVATE_COMPLAINTS = frozenset({
    Complaint.SHARE_UNDECRYPTABLE, Complaint.SHARE_CONTEXT, Complaint.SHARE_MALFORMED,
    Complaint.FELDMAN,
})
"""The complaints only the recipient of a share can check, so the only ones a trustee may file:
the server checks every other reason in public before it stores a deal (docs/protocol.md §4)."""


class InvalidDeal(CryptoError):
    """A DKG deal failed one of trustee j's checks; ``reason`` is the complaint to file."""

    def __init__(self, dealer: int, reason: Complaint) -> None:
        super().__init__(f"deal from trustee {dealer}: {reason.value}")
        self.dealer = dealer
        self.reason = reason


class WeakKey(CryptoError):
    """A trustee's X25519 public key is not a point of the prime-order subgroup (docs/protocol.md
    §4); ``reason`` says why, e.g. ``"of low order"``."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the X25519 key is {reason}")
        self.reason = reason


class InvalidAnswer(CryptoError):
    """A dealer's answer to a complaint proves nothing: a value is malformed or its proof does not
    verify; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the answer to the complaint is invalid: {reason}")
        self.reason = reason


class LifecycleError(CryptoError):
    """The log's leaves and heads break the campaign lifecycle (docs/protocol.md §8): an event
    out of place, a missing or second deadline event, an entry after it, heads out of order."""
