"""The prime-order group of edwards25519 and its scalars (wire format v2, docs/protocol.md §1).

Everything goes through libsodium (``nacl.bindings``): scalar multiplication uses only the
``*_noclamp`` variants and secret arithmetic only ``crypto_core_ed25519_scalar_*``. Python
integers touch public values only (point encodings, small indices).

Points are 32-byte canonical encodings of elements of order L. :func:`parse_point` is the gate
for every point received from anyone. The identity (:data:`IDENTITY`) never passes it, but may
appear as an intermediate result of :func:`add`, :func:`sub` and :func:`multi_scalarmult`, so
that a verification equation can be evaluated without special cases.

Scalars are 32-byte little-endian integers below L. :func:`parse_scalar` is their gate.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from functools import lru_cache

import nacl.exceptions
import nacl.utils
from nacl import bindings as sodium

from .errors import InvalidPoint, InvalidScalar
from .hashing import H

L = 2**252 + 27742317777372353535851937790883648493
"""Order of the prime-order subgroup."""

_P = 2**255 - 19
SCALAR_BYTES = 32
POINT_BYTES = 32
ZERO = bytes(32)
ONE = (1).to_bytes(32, "little")
IDENTITY = ONE  # the neutral element encodes as y = 1, x = 0: same 32 bytes as the scalar 1

RandomBytes = Callable[[int], bytes]


# --- scalars -------------------------------------------------------------------------------


def sc(i: int) -> bytes:
    """A small non-negative public integer as a 32-byte little-endian scalar."""
    if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < L:
        raise InvalidScalar("small integer out of range")
    return i.to_bytes(SCALAR_BYTES, "little")


def is_zero(s: bytes) -> bool:
    """Whether the scalar ``s`` is zero (constant time)."""
    return hmac.compare_digest(s, ZERO)


def is_canonical_scalar(s: bytes) -> bool:
    """Whether ``s`` is 32 bytes encoding an integer below L (reduction is the identity)."""
    if not isinstance(s, bytes) or len(s) != SCALAR_BYTES:
        return False
    return hmac.compare_digest(sodium.crypto_core_ed25519_scalar_reduce(s + ZERO), s)


def parse_scalar(s: bytes, *, nonzero: bool = False) -> bytes:
    """Return ``s`` if it is a canonical scalar (and non-zero when asked), else raise."""
    if not is_canonical_scalar(s):
        raise InvalidScalar("scalar is not 32 little-endian bytes below L")
    if nonzero and is_zero(s):
        raise InvalidScalar("scalar is zero")
    return s


def reduce(wide: bytes) -> bytes:
    """Reduce 64 bytes (a little-endian integer) modulo L."""
    if not isinstance(wide, bytes) or len(wide) != 64:
        raise InvalidScalar("reduction input must be 64 bytes")
    return sodium.crypto_core_ed25519_scalar_reduce(wide)


def random_scalar(random_bytes: RandomBytes = nacl.utils.random) -> bytes:
    """A uniformly random non-zero scalar: 64 random bytes reduced modulo L, zero rejected."""
    while True:
        s = reduce(random_bytes(64))
        if not is_zero(s):
            return s


def Hs(tag: str, *parts: bytes) -> bytes:
    """Hash to a scalar: ``scalar_reduce(H(tag, *parts; n=64))``."""
    return reduce(H(tag, *parts, n=64))


def scalar_add(a: bytes, b: bytes) -> bytes:
    """``a + b mod L``."""
    return sodium.crypto_core_ed25519_scalar_add(a, b)


def scalar_sub(a: bytes, b: bytes) -> bytes:
    """``a - b mod L``."""
    return sodium.crypto_core_ed25519_scalar_sub(a, b)


def scalar_mul(a: bytes, b: bytes) -> bytes:
    """``a * b mod L``."""
    return sodium.crypto_core_ed25519_scalar_mul(a, b)


def scalar_neg(a: bytes) -> bytes:
    """``-a mod L``."""
    return sodium.crypto_core_ed25519_scalar_negate(a)


def scalar_inv(a: bytes) -> bytes:
    """``a^-1 mod L``; zero has no inverse."""
    if is_zero(a):
        raise InvalidScalar("zero has no inverse")
    return sodium.crypto_core_ed25519_scalar_invert(a)


def scalar_pow(base: bytes, exponent: int) -> bytes:
    """``base^exponent mod L`` for a small public exponent, by repeated scalar multiplication."""
    if exponent < 0:
        raise InvalidScalar("negative exponent")
    result = ONE
    for _ in range(exponent):
        result = scalar_mul(result, base)
    return result


# --- points --------------------------------------------------------------------------------


def is_canonical_encoding(p: bytes) -> bool:
    """Whether ``p`` is 32 bytes whose y coordinate (the low 255 bits) is below 2^255 - 19.

    libsodium checks this too; we check it ourselves so that canonical form is a property of
    this module, not of one library version.
    """
    if not isinstance(p, bytes) or len(p) != POINT_BYTES:
        return False
    y = int.from_bytes(p, "little") & ((1 << 255) - 1)
    return y < _P


def _check_point(p: bytes) -> bool:
    return is_canonical_encoding(p) and bool(sodium.crypto_core_ed25519_is_valid_point(p))


def parse_point(p: bytes) -> bytes:
    """Return ``p`` if it canonically encodes a point of order L, else raise InvalidPoint.

    Refuses wrong lengths, non-canonical encodings, points off the curve, the identity, and
    small-order or torsioned points. The answer for the last few points is remembered (it
    depends only on the 32 bytes), so that an entry's ``R``, checked with its ciphertext, is
    not checked again for each trustee's partial decryption of it.
    """
    if not isinstance(p, bytes) or not _is_valid_recent(p):
        raise InvalidPoint("not a canonical point of order L")
    return p


@lru_cache(maxsize=16)
def _is_valid_recent(p: bytes) -> bool:
    return _check_point(p)


def parse_key(p: bytes) -> bytes:
    """:func:`parse_point` for long-lived public keys (``Y``, ``Y_j``), remembering the answer.

    The same few keys are checked for every entry of a round, and the subgroup check costs
    about as much as a scalar multiplication; per-entry points go through :func:`parse_point`.
    """
    if not isinstance(p, bytes) or not _is_valid_key(p):
        raise InvalidPoint("not a canonical point of order L")
    return p


@lru_cache(maxsize=256)
def _is_valid_key(p: bytes) -> bool:
    return _check_point(p)


def scalarmult_base(s: bytes) -> bytes:
    """``s·G`` for a non-zero canonical scalar ``s`` (never the identity)."""
    parse_scalar(s, nonzero=True)
    return sodium.crypto_scalarmult_ed25519_base_noclamp(s)


def scalarmult(s: bytes, p: bytes) -> bytes:
    """``s·P`` for a non-zero canonical scalar ``s`` and a point ``P`` of order L.

    ``P`` is fully checked here (libsodium refuses the identity, small-order, torsioned and
    off-curve points; we add the canonical-encoding check). libsodium refuses a zero scalar
    and an invalid point alike; we tell them apart so that the caller learns which was wrong.
    """
    parse_scalar(s, nonzero=True)
    if not is_canonical_encoding(p):
        raise InvalidPoint("not a canonical encoding")
    try:
        return sodium.crypto_scalarmult_ed25519_noclamp(s, p)
    except (nacl.exceptions.RuntimeError, nacl.exceptions.TypeError) as exc:
        raise InvalidPoint("not a point of order L") from exc


def _check_operand(p: bytes) -> None:
    """Points given to add/sub: the identity or a valid point (our own intermediate results)."""
    if p != IDENTITY:
        parse_point(p)


def add(p: bytes, q: bytes) -> bytes:
    """``P + Q``; each operand must be a point of order L or the identity."""
    _check_operand(p)
    _check_operand(q)
    return sodium.crypto_core_ed25519_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    """``P - Q``; each operand must be a point of order L or the identity."""
    _check_operand(p)
    _check_operand(q)
    return sodium.crypto_core_ed25519_sub(p, q)


def multi_scalarmult(terms: Iterable[tuple[bytes, bytes | None]]) -> bytes:
    """``Σ s_i·P_i`` over ``(s_i, P_i)`` pairs; ``P_i = None`` stands for the base point G.

    Zero scalars and identity points contribute nothing, and the sum may be the identity: this
    is the helper for evaluating verification equations, whose intermediate values need not be
    valid points. Every other point must be of order L.
    """
    total: bytes | None = None
    for s, p in terms:
        parse_scalar(s)
        if is_zero(s) or p == IDENTITY:
            continue
        term = _times(s, p)
        total = term if total is None else sodium.crypto_core_ed25519_add(total, term)
    return IDENTITY if total is None else total


def _times(s: bytes, p: bytes | None) -> bytes:
    """``s·P`` for a scalar already parsed: the checks of :func:`scalarmult_base` and
    :func:`scalarmult` but the scalar's (zero gives the identity, as in multi_scalarmult)."""
    if is_zero(s) or p == IDENTITY:
        return IDENTITY
    if p is None:
        return sodium.crypto_scalarmult_ed25519_base_noclamp(s)
    if not is_canonical_encoding(p):
        raise InvalidPoint("not a canonical encoding")
    try:
        return sodium.crypto_scalarmult_ed25519_noclamp(s, p)
    except (nacl.exceptions.RuntimeError, nacl.exceptions.TypeError) as exc:
        raise InvalidPoint("not a point of order L") from exc


def mul_sub(a: bytes, p: bytes | None, b: bytes, q: bytes) -> bytes:
    """``a·P - b·Q`` (``P = None`` stands for G): the shape of every verification equation.

    The same value as ``multi_scalarmult([(a, P), (-b, Q)])`` for canonical scalars: zero
    scalars and identity points contribute nothing, the result may be the identity, and every
    other point must be of order L (checked by its multiplication, see :func:`scalarmult`).
    Subtracting directly saves a negation and keeps the hot loops short.
    """
    parse_scalar(a)
    parse_scalar(b)
    left, right = _times(a, p), _times(b, q)
    if right == IDENTITY:
        return left
    return sodium.crypto_core_ed25519_sub(left, right)


G = sodium.crypto_scalarmult_ed25519_base_noclamp(ONE)
"""The standard base point."""
