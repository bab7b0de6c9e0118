"""Reveal: partial decryptions with Chaum-Pedersen proofs, and their combination (docs/protocol.md §10).

Trustee j posts ``D_j || c || z`` (96 bytes) for an entry's ``R``: ``D_j = x_j·R`` and a proof
that ``log_G(Y_j) == log_R(D_j)``, bound to ``ad``. Any t verified partials give
``K = Σ λ_j·D_j = r·Y`` (Lagrange at 0 over the quorum's indices), which opens the box.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import lru_cache

import nacl.exceptions
import nacl.utils
from nacl.secret import SecretBox

from . import group, parallel, seal
from .errors import (
    CryptoError,
    DecryptionError,
    EncodingError,
    InvalidPoint,
    InvalidProof,
    InvalidScalar,
    ItemFailed,
)
from .group import RandomBytes, sc

PARTIAL_BYTES = 96


@dataclass(frozen=True)
class Partial:
    """The three fields of a posted partial decryption, each already parsed."""

    D: bytes
    c: bytes
    z: bytes


def dleq_nonce(x_j: bytes, R: bytes, random_bytes: RandomBytes = nacl.utils.random) -> bytes:
    """``k = Hs("dleq-nonce", x_j, R, 32 random bytes)``: safe even with a weak RNG."""
    return group.Hs("dleq-nonce", x_j, R, random_bytes(32))


def _challenge(j: int, Yj: bytes, R: bytes, D: bytes, A1: bytes, A2: bytes, ad: bytes) -> bytes:
    return group.Hs("dleq", sc(j), Yj, R, D, A1, A2, ad)


def partial_decrypt(
    j: int, x_j: bytes, Yj: bytes, R: bytes, ad: bytes, *, k: bytes | None = None,
    random_bytes: RandomBytes = nacl.utils.random,
) -> bytes:
    """Trustee j's partial decryption of the entry with ``R`` and ``ad``: ``D_j || c || z``.

    ``Yj`` is trustee j's published verification key (``x_j·G``); ``k`` is injectable for
    test vectors, otherwise derived by :func:`dleq_nonce`.
    """
    group.parse_scalar(x_j, nonzero=True)
    group.parse_key(Yj)  # R is checked by the scalar multiplications below
    k = dleq_nonce(x_j, R, random_bytes) if k is None else k
    group.parse_scalar(k, nonzero=True)
    D = group.scalarmult(x_j, R)
    A1 = group.scalarmult_base(k)
    A2 = group.scalarmult(k, R)
    c = _challenge(j, Yj, R, D, A1, A2, ad)
    z = group.scalar_add(k, group.scalar_mul(c, x_j))
    return D + c + z


def parse_partial(partial: bytes) -> Partial:
    """Split ``D_j || c || z``, checking the length, the point and both scalars."""
    if not isinstance(partial, bytes) or len(partial) != PARTIAL_BYTES:
        raise EncodingError(f"partial decryption must be {PARTIAL_BYTES} bytes")
    return Partial(
        D=group.parse_point(partial[:32]),
        c=group.parse_scalar(partial[32:64]),
        z=group.parse_scalar(partial[64:96]),
    )


def verify_partial(j: int, Yj: bytes, R: bytes, ad: bytes, partial: bytes) -> bytes:
    """Check trustee j's partial for the entry with ``R`` and ``ad``; return ``D_j``.

    Checks ``c == Hs("dleq", sc(j), Y_j, R, D_j, z·G - c·Y_j, z·R - c·D_j, ad)``; raises
    :class:`InvalidProof` if it does not hold, an encoding error if the input is malformed.
    """
    group.parse_key(Yj)
    group.parse_point(R)
    p = parse_partial(partial)
    A1 = group.mul_sub(p.z, None, p.c, Yj)
    A2 = group.mul_sub(p.z, R, p.c, p.D)
    if _challenge(j, Yj, R, p.D, A1, A2, ad) != p.c:
        raise InvalidProof("partial decryption proof does not verify")
    return p.D


def lagrange_at_zero(indices: Iterable[int]) -> dict[int, bytes]:
    """``λ_j = Π_{m≠j} m / (m - j)`` (mod L) for each j of a quorum of distinct indices ≥ 1."""
    quorum = list(indices)
    if any(isinstance(j, bool) or not isinstance(j, int) for j in quorum):
        raise InvalidScalar("quorum indices must be integers")
    if not quorum or len(set(quorum)) != len(quorum) or min(quorum) < 1:
        raise InvalidScalar("a quorum is a non-empty set of distinct indices >= 1")
    return dict(_lagrange(tuple(sorted(quorum))))


@lru_cache(maxsize=64)
def _lagrange(quorum: tuple[int, ...]) -> tuple[tuple[int, bytes], ...]:
    # Cached: a round's entries are all combined over the same quorum, and each coefficient
    # costs a scalar inversion.
    coefficients = []
    for j in quorum:
        numerator, denominator = group.ONE, group.ONE
        for m in quorum:
            if m != j:
                numerator = group.scalar_mul(numerator, sc(m))
                denominator = group.scalar_mul(denominator, group.scalar_sub(sc(m), sc(j)))
        coefficients.append((j, group.scalar_mul(numerator, group.scalar_inv(denominator))))
    return tuple(coefficients)


def combine(partials: Mapping[int, bytes]) -> bytes:
    """``K = Σ λ_j·D_j`` from verified ``D_j`` values (index → 32-byte point).

    Each ``D_j`` is checked as a point of order L by its scalar multiplication: no ``λ_j`` is
    zero, since the indices are distinct and below L.
    """
    lambdas = lagrange_at_zero(partials)
    terms = []
    for j, D in sorted(partials.items()):
        if D == group.IDENTITY:  # the one point the sum would skip rather than check
            raise InvalidPoint("the identity is not a partial decryption")
        terms.append((lambdas[j], D))
    K = group.multi_scalarmult(terms)
    if K == group.IDENTITY:
        raise DecryptionError("the partials combine to the identity")
    return K


def open_ciphertext(Y: bytes, ad: bytes, ciphertext: bytes, K: bytes) -> bytes:
    """Open a ciphertext with ``K = r·Y``; return the unpadded payload.

    Does not redo the proof of knowledge: check the ciphertext
    (:func:`crypto.seal.check_ciphertext`) before asking trustees to decrypt it.
    Raises :class:`DecryptionError` if the box does not open.
    """
    ct = seal.parse_ciphertext(ciphertext)
    try:
        padded = SecretBox(seal.kem_key(Y, ct.R, K, ad)).decrypt(ct.box)
    except nacl.exceptions.CryptoError as exc:
        raise DecryptionError("the box does not open with this key") from exc
    return seal.unpad(padded)


def decrypt(Y: bytes, ad: bytes, ciphertext: bytes, partials: Mapping[int, bytes]) -> bytes:
    """Combine verified ``D_j`` values from at least t trustees and open the ciphertext."""
    return open_ciphertext(Y, ad, ciphertext, combine(partials))


# --- many entries at once --------------------------------------------------------------------
#
# A round has up to hundreds of thousands of entries. These functions do exactly the checks of
# the functions above, item by item, spread over worker processes by :mod:`crypto.parallel`
# (in this process below ``min_parallel`` items). A failure raises :class:`ItemFailed` naming
# the first failing item in input order and carrying the error the one-item function raises.


def _first_failure(chunks: Generator[tuple[int, tuple[list, tuple[int, CryptoError] | None]], None, None],
                   out: list) -> None:
    with closing(chunks) as results:
        for start, (done, failure) in results:
            out.extend(done)
            if failure is not None:
                offset, error = failure
                raise ItemFailed(start + offset, error)


def _partials_chunk(entries: Sequence[tuple[bytes, bytes]], j: int, x_j: bytes, Yj: bytes
                    ) -> tuple[list[bytes], tuple[int, CryptoError] | None]:
    out = []
    for offset, (R, ad) in enumerate(entries):
        try:
            out.append(partial_decrypt(j, x_j, Yj, R, ad))
        except CryptoError as exc:
            return out, (offset, exc)
    return out, None


def partial_decrypt_many(
    j: int, x_j: bytes, Yj: bytes, entries: Sequence[tuple[bytes, bytes]], *,
    jobs: int | None = None, min_parallel: int | None = None,
) -> list[bytes]:
    """:func:`partial_decrypt` of every ``(R, ad)`` in ``entries``, in order.

    With more than one job the share ``x_j`` is handed to this machine's worker processes
    (through a pipe; they exit when the call returns), as it is to this process.
    """
    group.parse_scalar(x_j, nonzero=True)
    group.parse_key(Yj)
    out: list[bytes] = []
    _first_failure(parallel.map_chunks(_partials_chunk, entries, j, x_j, Yj, jobs=jobs,
                                       min_parallel=min_parallel), out)
    return out


def _verify_chunk(items: Sequence[tuple[bytes, bytes, bytes]], j: int, Yj: bytes
                  ) -> tuple[list[bytes], tuple[int, CryptoError] | None]:
    out = []
    for offset, (R, ad, partial) in enumerate(items):
        try:
            out.append(verify_partial(j, Yj, R, ad, partial))
        except CryptoError as exc:
            return out, (offset, exc)
    return out, None


def verify_partials(
    j: int, Yj: bytes, items: Sequence[tuple[bytes, bytes, bytes]], *, jobs: int | None = None,
    min_parallel: int | None = None,
) -> list[bytes]:
    """:func:`verify_partial` of trustee j's partial for every ``(R, ad, partial)``; returns
    the ``D_j`` values in order.

    Raises :class:`ItemFailed` for the first item that does not verify (its ``error`` is the
    :class:`InvalidProof` or encoding error :func:`verify_partial` raises); ``Y_j`` is checked
    once, before anything else.
    """
    group.parse_key(Yj)
    out: list[bytes] = []
    _first_failure(parallel.map_chunks(_verify_chunk, items, j, Yj, jobs=jobs,
                                       min_parallel=min_parallel), out)
    return out


def _decrypt_chunk(items: Sequence[tuple[bytes, bytes, Mapping[int, bytes]]], Y: bytes
                   ) -> tuple[list[bytes | None], None]:
    out: list[bytes | None] = []
    for ad, ciphertext, partials in items:
        try:
            out.append(decrypt(Y, ad, ciphertext, partials))
        except CryptoError:
            out.append(None)
    return out, None


def decrypt_many(
    Y: bytes, items: Sequence[tuple[bytes, bytes, Mapping[int, bytes]]], *,
    jobs: int | None = None, min_parallel: int | None = None,
) -> list[bytes | None]:
    """:func:`decrypt` of every ``(ad, ciphertext, {j: D_j})``, in order; ``None`` where it
    raises (a box that does not open, a ciphertext or partial that does not parse).

    The ``D_j`` must already be verified (:func:`verify_partials`).
    """
    out: list[bytes | None] = []
    _first_failure(parallel.map_chunks(_decrypt_chunk, items, Y, jobs=jobs,
                                       min_parallel=min_parallel), out)
    return out
