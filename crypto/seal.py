"""Sealing a signature to the campaign key, and the public ciphertext check (docs/protocol.md §6).

A ciphertext is ``R || e || s || box`` (1160 bytes): an ElGamal-style KEM (``R = r·G``,
``K = r·Y``), a SecretBox (XSalsa20-Poly1305) over the payload padded to exactly 1024 bytes,
and a Schnorr proof ``(e, s)`` of knowledge of ``r`` bound to ``ad`` and the box, so that nobody
can lift ``R`` into another entry (which would let trustees' partials open it).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass

import nacl.utils
from nacl.secret import SecretBox

from . import group, parallel
from .errors import (
    CryptoError,
    EncodingError,
    InvalidProof,
    ItemFailed,
    PayloadTooLarge,
)
from .group import RandomBytes
from .hashing import WIRE_VERSION, H, canonical_json

PADDED_BYTES = 1024
MAX_PAYLOAD_BYTES = PADDED_BYTES - 1
NONCE_BYTES = SecretBox.NONCE_SIZE
BOX_BYTES = NONCE_BYTES + PADDED_BYTES + SecretBox.MACBYTES
CIPHERTEXT_BYTES = 32 + 32 + 32 + BOX_BYTES
DISPLAY_CHOICES = ("name", "anonymous")
#: The payload's ``"v"``: the wire format version.
PAYLOAD_VERSION = WIRE_VERSION


@dataclass(frozen=True)
class Ciphertext:
    """The four fields of a ciphertext, each already parsed and canonical."""

    R: bytes
    e: bytes
    s: bytes
    box: bytes


# --- payload -------------------------------------------------------------------------------


def encode_payload(name: str, role: str, statement: str, display: str) -> bytes:
    """The canonical JSON payload ``{"display", "name", "role", "statement", "v": 2}``.

    Raises :class:`PayloadTooLarge` if it would not fit the padded size.
    """
    if display not in DISPLAY_CHOICES:
        raise EncodingError("display must be 'name' or 'anonymous'")
    for field in (name, role, statement):
        if not isinstance(field, str):
            raise EncodingError("payload fields must be strings")
    payload = canonical_json(
        {"v": PAYLOAD_VERSION, "name": name, "role": role, "statement": statement, "display": display}
    )
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"payload is {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES}")
    return payload


def pad(payload: bytes) -> bytes:
    """``payload || 0x80 || 0x00...``: exactly 1024 bytes; longer payloads are refused."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise PayloadTooLarge(f"payload is {len(payload)} bytes; at most {MAX_PAYLOAD_BYTES}")
    return payload + b"\x80" + bytes(PADDED_BYTES - 1 - len(payload))


def unpad(padded: bytes) -> bytes:
    """Strip the padding of :func:`pad`, refusing anything not padded exactly that way."""
    if len(padded) != PADDED_BYTES:
        raise EncodingError("padded payload must be 1024 bytes")
    body = padded.rstrip(b"\x00")
    if not body.endswith(b"\x80"):
        raise EncodingError("padding marker missing")
    return body[:-1]


# --- sealing -------------------------------------------------------------------------------


def kem_key(Y: bytes, R: bytes, K: bytes, ad: bytes) -> bytes:
    """``H("kem", Y, R, K, ad; n=32)``: the box key."""
    return H("kem", Y, R, K, ad, n=32)


def _challenge(Y: bytes, R: bytes, W: bytes, ad: bytes, box: bytes) -> bytes:
    return group.Hs("ct-pok", Y, R, W, ad, box)


def seal(
    Y: bytes, ad: bytes, payload: bytes, *, r: bytes | None = None, w: bytes | None = None,
    nonce: bytes | None = None, random_bytes: RandomBytes = nacl.utils.random,
) -> bytes:
    """Seal an (unpadded) payload to the campaign key ``Y`` for associated data ``ad``.

    ``r``, ``w`` and ``nonce`` are injectable for test vectors; by default they are fresh.
    Returns the 1160-byte ciphertext.
    """
    group.parse_key(Y)
    padded = pad(payload)
    r = group.random_scalar(random_bytes) if r is None else group.parse_scalar(r, nonzero=True)
    w = group.random_scalar(random_bytes) if w is None else group.parse_scalar(w, nonzero=True)
    nonce = random_bytes(NONCE_BYTES) if nonce is None else nonce
    if len(nonce) != NONCE_BYTES:
        raise EncodingError("nonce must be 24 bytes")
    R = group.scalarmult_base(r)
    K = group.scalarmult(r, Y)
    box = bytes(SecretBox(kem_key(Y, R, K, ad)).encrypt(padded, nonce))
    e = _challenge(Y, R, group.scalarmult_base(w), ad, box)
    s = group.scalar_add(w, group.scalar_mul(e, r))
    return R + e + s + box


# --- the public check ----------------------------------------------------------------------


def parse_ciphertext(ciphertext: bytes) -> Ciphertext:
    """Split a ciphertext, checking its length, ``R`` and the canonical form of ``e`` and ``s``.

    Raises :class:`~crypto.errors.EncodingError`, :class:`~crypto.errors.InvalidPoint` or
    :class:`~crypto.errors.InvalidScalar`.
    """
    if not isinstance(ciphertext, bytes) or len(ciphertext) != CIPHERTEXT_BYTES:
        raise EncodingError(f"ciphertext must be {CIPHERTEXT_BYTES} bytes")
    R = group.parse_point(ciphertext[:32])
    e = group.parse_scalar(ciphertext[32:64])
    s = group.parse_scalar(ciphertext[64:96])
    return Ciphertext(R=R, e=e, s=s, box=ciphertext[96:])


def check_ciphertext(Y: bytes, ad: bytes, ciphertext: bytes) -> Ciphertext:
    """Anyone's check of a ciphertext for ``ad`` under ``Y``; returns its parsed fields.

    Checks the encoding (see :func:`parse_ciphertext`) and that
    ``e == Hs("ct-pok", Y, R, s·G - e·R, ad, box)``, else raises :class:`InvalidProof`.
    """
    group.parse_key(Y)
    ct = parse_ciphertext(ciphertext)
    W = group.mul_sub(ct.s, None, ct.e, ct.R)
    if _challenge(Y, ct.R, W, ad, ct.box) != ct.e:
        raise InvalidProof("ciphertext proof of knowledge does not verify")
    return ct


def _check_chunk(items: Sequence[tuple[bytes, bytes]], Y: bytes
                 ) -> tuple[int, CryptoError] | None:
    for offset, (ad, ciphertext) in enumerate(items):
        try:
            check_ciphertext(Y, ad, ciphertext)
        except CryptoError as exc:
            return offset, exc
    return None


def check_ciphertexts(
    Y: bytes, items: Sequence[tuple[bytes, bytes]], *, jobs: int | None = None,
    min_parallel: int | None = None,
) -> None:
    """:func:`check_ciphertext` of every ``(ad, ciphertext)``, spread over worker processes
    (:mod:`crypto.parallel`); raises :class:`~crypto.errors.ItemFailed` for the first that
    fails, carrying the error :func:`check_ciphertext` raised for it."""
    group.parse_key(Y)
    with closing(parallel.map_chunks(_check_chunk, items, Y, jobs=jobs,
                                     min_parallel=min_parallel)) as results:
        for start, failure in results:
            if failure is not None:
                raise ItemFailed(start + failure[0], failure[1])
