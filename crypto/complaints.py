"""Complaints in the key ceremony, settled in public (docs/protocol.md §4).

A trustee j who finds that dealer i's share for it is bad files a signed complaint with one of
the private reasons (:data:`crypto.errors.PRIVATE_COMPLAINTS`): only j can open that share, so
only j can check it. The complaint alone proves nothing: either i dealt a bad share, or j lies
to remove an honest dealer. So dealer i answers by opening the box of that one share in public:

- ``P_i``, ``P_j``: the edwards25519 points of i's and j's X25519 keys (:func:`edwards_point`);
- ``x`` with ``x·G = P_i``, from i's clamped X25519 secret (:func:`dealer_scalar`);
- ``S = x·P_j``, whose Montgomery u-coordinate is ``X25519(sk_i, pk_j)``, the input of the
  box's key;
- a DLEQ proof ``(A1, A2, z)`` that ``log_G(P_i) = log_{P_j}(S)``, with challenge
  ``c = Hs("complaint-answer", ctx, sc(i), sc(j), P_i, P_j, S, A1, A2)``.

Anyone then opens the box with ``S`` (:func:`open_box`) and decides who lied (:func:`adjudicate`).
The same map from X25519 keys to edwards25519 points gives the check every trustee key must
pass (:func:`check_x25519_public`): a key that is not a point of the prime-order subgroup is
refused when it is registered and whenever a manifest is read.

Only public values are handled with Python integers here (the keys and ``S``); the dealer's
secret goes through libsodium's scalar functions as everywhere in :mod:`crypto`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import nacl.exceptions
import nacl.utils
from nacl import bindings as sodium
from nacl.public import Box, PrivateKey, PublicKey

from . import dkg, group
from .errors import (
    Complaint,
    CryptoError,
    EncodingError,
    InvalidAnswer,
    InvalidDeal,
    InvalidPoint,
    WeakKey,
)
from .formats import messages
from .group import RandomBytes, sc

_P = 2**255 - 19
KEY_BYTES = 32

LOW_ORDER = "of low order"
MIXED_ORDER = "of mixed order (not in the prime-order subgroup)"
NOT_ON_CURVE = "not a point of the curve"
NOT_CANONICAL = "not a canonical field element"
WRONG_LENGTH = "not 32 bytes"


# --- the X25519 key check --------------------------------------------------------------------


def _edwards_encoding(u: int) -> bytes:
    """The edwards25519 encoding with ``y = (u - 1)/(u + 1) mod p`` and sign bit 0."""
    y = (u - 1) * pow(u + 1, -1, _P) % _P
    return y.to_bytes(KEY_BYTES, "little")


def _on_curve(encoding: bytes) -> bool:
    """Whether libsodium decodes ``encoding`` as a point of the curve (any order)."""
    try:
        sodium.crypto_core_ed25519_add(encoding, group.IDENTITY)
    except (nacl.exceptions.RuntimeError, nacl.exceptions.TypeError):
        return False
    return True


def _times_eight(encoding: bytes) -> bytes:
    doubled = encoding
    for _ in range(3):
        doubled = sodium.crypto_core_ed25519_add(doubled, doubled)
    return doubled


def edwards_point(key: bytes) -> bytes:
    """The edwards25519 point of an X25519 public key (sign bit 0), checked to be of order L.

    Raises :class:`WeakKey` with the reason (:func:`check_x25519_public`).
    """
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise WeakKey(WRONG_LENGTH)
    u = int.from_bytes(key, "little")
    if u >= _P:
        raise WeakKey(NOT_CANONICAL)
    if u == _P - 1:  # u + 1 = 0: a point of order 4 of the twist, with no edwards25519 image
        raise WeakKey(LOW_ORDER)
    encoding = _edwards_encoding(u)
    if sodium.crypto_core_ed25519_is_valid_point(encoding):
        return encoding
    if not _on_curve(encoding):
        raise WeakKey(NOT_ON_CURVE)
    if _times_eight(encoding) == group.IDENTITY:
        raise WeakKey(LOW_ORDER)
    raise WeakKey(MIXED_ORDER)


def check_x25519_public(key: bytes) -> None:
    """Refuse an X25519 public key that is not a point of the prime-order subgroup.

    ``key`` (32 bytes, the little-endian u-coordinate) passes only if ``u < p``, ``u != p - 1``
    and the edwards25519 point with ``y = (u - 1)/(u + 1)`` and sign bit 0 is a valid point of
    order L (libsodium's ``crypto_core_ed25519_is_valid_point``). Every honest key (a clamped
    secret times the base point) passes. Raises :class:`WeakKey` whose ``reason`` is one of
    ``"not 32 bytes"``, ``"not a canonical field element"``, ``"of low order"``,
    ``"of mixed order (not in the prime-order subgroup)"``, ``"not a point of the curve"``.
    """
    edwards_point(key)


# --- the dealer's answer ---------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintAnswer:
    """Dealer i's answer to trustee j's complaint: ``S = x·P_j`` and the DLEQ proof
    ``(A1, A2, z)`` that ``S`` is made with the secret of i's X25519 key."""

    shared_point: bytes
    a1: bytes
    a2: bytes
    z: bytes


@dataclass(frozen=True)
class Verdict:
    """Who lied: the dealer (a bad share) or the complainant (a false complaint)."""

    at_fault: int
    dealer_at_fault: bool
    reason: str


def _clamp(secret: bytes) -> bytes:
    clamped = bytearray(secret)
    clamped[0] &= 248
    clamped[31] &= 127
    clamped[31] |= 64
    return bytes(clamped)


def _scalar_of_clamped(secret: bytes) -> bytes:
    """The clamped X25519 secret reduced modulo L."""
    return sodium.crypto_core_ed25519_scalar_reduce(_clamp(secret) + bytes(32))


def dealer_scalar(x25519_secret: bytes, dealer_point: bytes) -> bytes:
    """``x`` mod L with ``x·G = P_i``: ``s mod L`` or ``L - (s mod L)`` for the clamped secret
    ``s`` (the X25519 key fixes the point only up to its sign)."""
    if not isinstance(x25519_secret, bytes) or len(x25519_secret) != KEY_BYTES:
        raise EncodingError("an X25519 secret key is 32 bytes")
    x = _scalar_of_clamped(x25519_secret)
    if group.scalarmult_base(x) == dealer_point:
        return x
    x = group.scalar_neg(x)
    if group.scalarmult_base(x) == dealer_point:
        return x
    raise EncodingError("the X25519 secret key does not belong to the dealer's public key")


def _challenge(
    ctx: bytes, i: int, j: int, p_i: bytes, p_j: bytes, s: bytes, a1: bytes, a2: bytes
) -> bytes:
    return group.Hs("complaint-answer", ctx, sc(i), sc(j), p_i, p_j, s, a1, a2)


def answer_nonce(
    x: bytes, ctx: bytes, i: int, j: int, random_bytes: RandomBytes = nacl.utils.random
) -> bytes:
    """``r = Hs("complaint-answer-nonce", x, ctx, sc(i), sc(j), 32 random bytes)``: safe even
    with a weak random generator, as the nonce of a partial decryption's proof."""
    return group.Hs("complaint-answer-nonce", x, ctx, sc(i), sc(j), random_bytes(32))


def _check_pair(dealer: int, complainant: int) -> None:
    for seat in (dealer, complainant):
        if isinstance(seat, bool) or not isinstance(seat, int) or not 1 <= seat <= dkg.MAX_TRUSTEES:
            raise EncodingError("trustee indices are 1..255")
    if dealer == complainant:
        raise EncodingError("a trustee does not complain against itself")


def answer_complaint(
    ctx: bytes, dealer: int, complainant: int, dealer_x25519_secret: bytes,
    complainant_x25519: bytes, *, nonce: bytes | None = None,
    random_bytes: RandomBytes = nacl.utils.random,
) -> ComplaintAnswer:
    """Dealer i's answer to trustee j's complaint: reveal ``S = x·P_j`` and prove it.

    ``nonce`` (the scalar ``r``) is for test vectors only; by default it is derived by
    :func:`answer_nonce`. Raises :class:`WeakKey` if j's key is weak.
    """
    _check_pair(dealer, complainant)
    p_i = edwards_point(sodium.crypto_scalarmult_base(dealer_x25519_secret))
    p_j = edwards_point(complainant_x25519)
    x = dealer_scalar(dealer_x25519_secret, p_i)
    s = group.scalarmult(x, p_j)
    r = answer_nonce(x, ctx, dealer, complainant, random_bytes) if nonce is None else nonce
    group.parse_scalar(r, nonzero=True)
    a1, a2 = group.scalarmult_base(r), group.scalarmult(r, p_j)
    c = _challenge(ctx, dealer, complainant, p_i, p_j, s, a1, a2)
    z = group.scalar_add(r, group.scalar_mul(c, x))
    return ComplaintAnswer(s, a1, a2, z)


def verify_answer(
    ctx: bytes, dealer: int, complainant: int, dealer_x25519: bytes, complainant_x25519: bytes,
    answer: ComplaintAnswer,
) -> None:
    """Check the DLEQ proof: ``z·G == A1 + c·P_i`` and ``z·P_j == A2 + c·S``.

    Raises :class:`InvalidAnswer` when a value is malformed or the proof does not verify, and
    :class:`WeakKey` if either trustee's key is weak.
    """
    _check_pair(dealer, complainant)
    p_i, p_j = edwards_point(dealer_x25519), edwards_point(complainant_x25519)
    try:
        for point in (answer.shared_point, answer.a1, answer.a2):
            group.parse_point(point)
    except InvalidPoint as exc:
        raise InvalidAnswer("a point is not a canonical point of order L") from exc
    if not group.is_canonical_scalar(answer.z):
        raise InvalidAnswer("z is not a canonical scalar")
    c = _challenge(ctx, dealer, complainant, p_i, p_j, answer.shared_point, answer.a1, answer.a2)
    if (group.mul_sub(answer.z, None, c, p_i) != answer.a1
            or group.mul_sub(answer.z, p_j, c, answer.shared_point) != answer.a2):
        raise InvalidAnswer("the proof that the shared point is the dealer's does not verify")


# --- opening the box -------------------------------------------------------------------------

OPENER_SECRET = hashlib.sha512(b"pledge complaint opener").digest()[:32]
"""The fixed public X25519 secret ``e`` used to reach the box key ``HSalsa20(u(S))``."""
_OPENER_INVERSE = group.scalar_inv(_scalar_of_clamped(OPENER_SECRET))


def open_box(shared_point: bytes, sealed: bytes) -> bytes | None:
    """Open an encrypted share (``nonce || ciphertext``) with the revealed shared point ``S``.

    The box key is ``HSalsa20(u(S))``. libsodium reaches it only through X25519, so this takes
    ``S' = (c_e^-1 mod L)·S`` for the clamped fixed secret ``c_e`` of :data:`OPENER_SECRET` and
    opens ``Box(e, u(S'))``: ``X25519(e, u(S')) = u(c_e·S') = u(S)``. Returns the plaintext, or
    ``None`` when the box does not open.
    """
    s_prime = group.scalarmult(_OPENER_INVERSE, group.parse_point(shared_point))
    u = sodium.crypto_sign_ed25519_pk_to_curve25519(s_prime)
    try:
        return bytes(Box(PrivateKey(OPENER_SECRET), PublicKey(u)).decrypt(sealed))
    except (nacl.exceptions.CryptoError, TypeError, ValueError):
        return None


# --- the verdict -----------------------------------------------------------------------------

COMPLAINT_FALSE = ("the share opens, has the right context and matches the dealer's "
                   "commitments: the complaint is false")
DEALER_FAULTS = {
    Complaint.SHARE_CONTEXT: "the share's context is not this campaign, this dealer and this "
                             "complainant",
    Complaint.SHARE_MALFORMED: "the share is malformed (wrong length, or not a canonical scalar)",
    Complaint.FELDMAN: "the share does not match the dealer's commitments (the Feldman check "
                       "fails)",
}
NO_DECRYPT = "the share does not decrypt under the revealed key"


def _check_deal_shape(t: int, n: int, deal: dkg.Deal, complainant: int) -> None:
    """The public shape the verdict relies on (the server checked it before storing the deal)."""
    if not 1 <= complainant <= n or not 1 <= deal.dealer <= n:
        raise EncodingError("the dealer and the complainant must be trustees 1..n")
    if (len(deal.commitments) != t or set(deal.encrypted_shares) != set(range(1, n + 1))
            or len(deal.encrypted_shares[complainant]) != dkg.ENCRYPTED_SHARE_BYTES):
        raise EncodingError("the deal is malformed (it fails a public check)")
    for point in deal.commitments:
        group.parse_point(point)


def adjudicate(
    ctx: bytes, t: int, n: int, deal: dkg.Deal, complainant: int, dealer_x25519: bytes,
    complainant_x25519: bytes, answer: ComplaintAnswer,
) -> Verdict:
    """Decide trustee ``complainant``'s complaint against ``deal`` from public values alone.

    The dealer is at fault if, under the proven shared point, the box does not open, the
    plaintext's context is not ``ctx || sc(i) || sc(j)``, it is malformed, or the share fails
    the Feldman check; otherwise the complainant is, whatever reason they gave. Raises
    :class:`InvalidAnswer` when the answer's proof does not verify (it then proves nothing),
    and :class:`EncodingError` when the deal fails a public check (the server should never
    have stored it). The answer's Ed25519 signature is checked by the caller
    (:func:`crypto.formats.messages.complaint_answer_message`).
    """
    i, j = deal.dealer, complainant
    _check_pair(i, j)
    _check_deal_shape(t, n, deal, j)
    verify_answer(ctx, i, j, dealer_x25519, complainant_x25519, answer)
    plain = open_box(answer.shared_point, deal.encrypted_shares[j])
    if plain is None:
        return Verdict(i, True, NO_DECRYPT)
    try:
        share = dkg.check_share_plaintext(ctx, i, j, plain)
        dkg.check_feldman(deal, j, share)
    except InvalidDeal as failure:
        return Verdict(i, True, DEALER_FAULTS[failure.reason])
    return Verdict(j, False, COMPLAINT_FALSE)


def signed_verdict(
    ctx: bytes, t: int, n: int, deal: dkg.Deal, complainant: int, dealer: dkg.TrusteeKeys,
    complainant_x25519: bytes, answer: ComplaintAnswer, signature: bytes,
) -> Verdict:
    """:func:`adjudicate` for an answer as filed: first check the dealer's Ed25519 signature over
    :func:`crypto.formats.messages.complaint_answer_message` (:class:`InvalidAnswer` if it does
    not verify), then decide."""
    message = messages.complaint_answer_message(ctx, deal.dealer, complainant,
                                                answer.shared_point, answer.a1, answer.a2,
                                                answer.z)
    try:
        messages.verify(dealer.ed25519, message, signature)
    except CryptoError as exc:
        raise InvalidAnswer("the dealer's signature on it does not verify") from exc
    return adjudicate(ctx, t, n, deal, complainant, dealer.x25519, complainant_x25519, answer)
