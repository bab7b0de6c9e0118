"""Sealing and the public ciphertext check: what passes, and why each forgery fails."""

from __future__ import annotations

import json

import pytest

from crypto import group, reveal, seal
from crypto.errors import (
    DecryptionError,
    EncodingError,
    InvalidPoint,
    InvalidProof,
    InvalidScalar,
    PayloadTooLarge,
)

from . import edwards
from .helpers import scalar, seeded_random

X = scalar(0xC0FFEE)  # the campaign secret of these tests (no trustees needed here)
Y = group.scalarmult_base(X)
AD = b"c" * 32 + b"n" * 32
PAYLOAD = seal.encode_payload("Ada Lovelace", "Research scientist", "I will not.", "name")


def sealed(ad: bytes = AD, payload: bytes = PAYLOAD, label: str = "seal") -> bytes:
    return seal.seal(Y, ad, payload, random_bytes=seeded_random(label))


def open_with_secret(ciphertext: bytes, ad: bytes = AD) -> bytes:
    K = group.scalarmult(X, ciphertext[:32])
    return reveal.open_ciphertext(Y, ad, ciphertext, K)


def test_payload_is_canonical_json():
    assert PAYLOAD == (
        b'{"display":"name","name":"Ada Lovelace","role":"Research scientist",'
        b'"statement":"I will not.","v":2}'
    )
    anonymous = seal.encode_payload("Zoë 李", "", "", "anonymous")
    assert json.loads(anonymous)["name"] == "Zoë 李"
    with pytest.raises(EncodingError):
        seal.encode_payload("a", "b", "c", "everyone")


def test_padding_is_exact_and_reversible():
    for payload in (b"", b"\x80", b"ab\x00", b"x" * 1023):
        padded = seal.pad(payload)
        assert len(padded) == 1024
        assert padded[len(payload)] == 0x80
        assert seal.unpad(padded) == payload


def test_payload_over_the_limit_is_refused():
    with pytest.raises(PayloadTooLarge):
        seal.pad(b"x" * 1024)
    with pytest.raises(PayloadTooLarge):
        seal.encode_payload("a", "b", "x" * 1000, "name")
    with pytest.raises(PayloadTooLarge):
        seal.seal(Y, AD, b"x" * 1024)


@pytest.mark.parametrize("bad", [bytes(1024), b"ab" + bytes(1022), b"\x80" * 1023, b"\x80"])
def test_unpad_refuses_bad_padding(bad):
    with pytest.raises(EncodingError):
        seal.unpad(bad)


def test_seal_check_and_open():
    ciphertext = sealed()
    assert len(ciphertext) == seal.CIPHERTEXT_BYTES == 1160
    parsed = seal.check_ciphertext(Y, AD, ciphertext)
    assert ciphertext[:32] == parsed.R
    assert open_with_secret(ciphertext) == PAYLOAD


def test_sealing_is_randomised():
    assert sealed(label="one") != sealed(label="two")
    assert sealed(label="one")[:32] != sealed(label="two")[:32]


def test_injected_values_are_used():
    r, w, nonce = scalar(3), scalar(4), bytes(range(24))
    ciphertext = seal.seal(Y, AD, PAYLOAD, r=r, w=w, nonce=nonce)
    assert ciphertext[:32] == group.scalarmult_base(r)
    assert ciphertext[96:120] == nonce
    assert ciphertext == seal.seal(Y, AD, PAYLOAD, r=r, w=w, nonce=nonce)


def test_seal_refuses_bad_inputs():
    with pytest.raises(InvalidScalar):
        seal.seal(Y, AD, PAYLOAD, r=group.ZERO)
    with pytest.raises(InvalidScalar):
        seal.seal(Y, AD, PAYLOAD, w=group.L.to_bytes(32, "little"))
    with pytest.raises(EncodingError):
        seal.seal(Y, AD, PAYLOAD, nonce=bytes(23))
    with pytest.raises(InvalidPoint):
        seal.seal(edwards.torsion_points()[3], AD, PAYLOAD)


def test_wrong_ad_fails_the_check_and_does_not_open():
    ciphertext = sealed()
    other_ad = AD[:32] + b"m" * 32
    with pytest.raises(InvalidProof):
        seal.check_ciphertext(Y, other_ad, ciphertext)
    with pytest.raises(DecryptionError):
        open_with_secret(ciphertext, other_ad)


def test_wrong_key_fails_the_check():
    with pytest.raises(InvalidProof):
        seal.check_ciphertext(group.scalarmult_base(scalar(2)), AD, sealed())


def test_R_copied_into_another_entry_fails_the_check():
    # Given two honest entries A and B
    a, b = sealed(label="a"), sealed(ad=AD[:32] + b"b" * 32, label="b")
    # When B's R is replaced by A's (so trustees' partials for B would decrypt A)
    lifted = a[:32] + b[32:]
    # Then the proof of knowledge, bound to R, ad and the box, fails
    with pytest.raises(InvalidProof):
        seal.check_ciphertext(Y, AD[:32] + b"b" * 32, lifted)
    # And A itself replayed under B's ad fails too
    with pytest.raises(InvalidProof):
        seal.check_ciphertext(Y, AD[:32] + b"b" * 32, a)


@pytest.mark.parametrize("offset", [40, 70, 100, 600, 1159])
def test_any_tampered_byte_fails_the_check(offset):
    ciphertext = bytearray(sealed())
    ciphertext[offset] ^= 0x01
    with pytest.raises(InvalidProof):
        seal.check_ciphertext(Y, AD, bytes(ciphertext))


def test_proof_scalars_at_or_above_L_are_refused():
    ciphertext = sealed()
    for start in (32, 64):
        value = int.from_bytes(ciphertext[start:start + 32], "little") + group.L
        bumped = ciphertext[:start] + value.to_bytes(32, "little") + ciphertext[start + 32:]
        with pytest.raises(InvalidScalar):
            seal.check_ciphertext(Y, AD, bumped)


def test_bad_R_and_bad_lengths():
    ciphertext = sealed()
    for R in (edwards.torsion_points()[1], edwards.noncanonical_encodings()[0], group.IDENTITY):
        with pytest.raises(InvalidPoint):
            seal.check_ciphertext(Y, AD, R + ciphertext[32:])
    for bad in (ciphertext[:-1], ciphertext + b"\x00", b""):
        with pytest.raises(EncodingError):
            seal.check_ciphertext(Y, AD, bad)
