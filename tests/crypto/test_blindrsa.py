"""RFC 9474 RSABSSA-SHA384-PSS-Randomized: the RFC's vector, round trips, faults, tokens."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import blindrsa
from crypto.errors import CryptoError, EncodingError, InvalidSignature
from crypto.hashing import u64le

RFC9474 = Path(__file__).resolve().parents[1] / "vectors" / "rfc9474.json"


def rfc_vector() -> dict:
    document = json.loads(RFC9474.read_text(encoding="utf-8"))
    (vector,) = [v for v in document["vectors"] if v["name"] == "RSABSSA-SHA384-PSS-Randomized"]
    return vector


def rfc_key(vector: dict) -> rsa.RSAPrivateKey:
    p, q, n, e, d = (int(vector[name], 16) for name in "pqned")
    public = rsa.RSAPublicNumbers(e, n)
    return rsa.RSAPrivateNumbers(
        p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q), public
    ).private_key()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return blindrsa.generate_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return blindrsa.generate_key()


def issue(key: rsa.RSAPrivateKey, msg: bytes) -> tuple[bytes, bytes]:
    """The whole protocol: prepare, blind, blind-sign, finalize. Returns (prepared, sig)."""
    pk = key.public_key()
    prepared = blindrsa.prepare(msg)
    blinded, inv = blindrsa.blind(pk, prepared)
    return prepared, blindrsa.finalize(pk, prepared, blindrsa.blind_sign(key, blinded), inv)


class TestRfc9474Vector:
    def test_reproduces_every_value(self):
        v = rfc_vector()
        sk = rfc_key(v)
        pk = sk.public_key()
        prepared = blindrsa.prepare(bytes.fromhex(v["msg"]), prefix=bytes.fromhex(v["msg_prefix"]))
        assert prepared.hex() == v["prepared_msg"]
        r = pow(int(v["inv"], 16), -1, int(v["n"], 16))
        blinded, inv = blindrsa.blind(pk, prepared, r=r, salt=bytes.fromhex(v["salt"]))
        assert blinded.hex() == v["blinded_msg"]
        assert inv.hex() == v["inv"]
        blind_sig = blindrsa.blind_sign(sk, blinded)
        assert blind_sig.hex() == v["blind_sig"]
        sig = blindrsa.finalize(pk, prepared, blind_sig, inv)
        assert sig.hex() == v["sig"]
        blindrsa.verify(pk, prepared, sig)

    def test_signature_is_plain_rsassa_pss(self):
        v = rfc_vector()
        pk = rfc_key(v).public_key()
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=48)
        pk.verify(bytes.fromhex(v["sig"]), bytes.fromhex(v["prepared_msg"]), pss, hashes.SHA384())

    def test_signature_does_not_cover_the_unprepared_message(self):
        v = rfc_vector()
        with pytest.raises(InvalidSignature):
            pk = rfc_key(v).public_key()
            blindrsa.verify(pk, bytes.fromhex(v["msg"]), bytes.fromhex(v["sig"]))


class TestRoundTrip:
    @settings(max_examples=15, deadline=None)
    @given(st.binary(max_size=200))
    def test_any_message(self, key, msg):
        prepared, sig = issue(key, msg)
        assert prepared[blindrsa.PREFIX_LEN :] == msg
        assert len(sig) == 256
        blindrsa.verify(key.public_key(), prepared, sig)

    def test_blinding_hides_the_message(self, key):
        prepared = blindrsa.prepare(b"same")
        first, _ = blindrsa.blind(key.public_key(), prepared)
        second, _ = blindrsa.blind(key.public_key(), prepared)
        assert first != second

    def test_key_serialisation_round_trips(self, key):
        der = blindrsa.public_key_der(key)
        pem = blindrsa.public_key_pem(key)
        assert pem.startswith(b"-----BEGIN PUBLIC KEY-----")
        for data in (der, pem):
            loaded = blindrsa.load_public_key(data)
            assert loaded.public_numbers() == key.public_key().public_numbers()
        reloaded = blindrsa.load_private_key(blindrsa.private_key_to_der(key))
        assert reloaded.private_numbers() == key.private_numbers()
        prepared, sig = issue(reloaded, b"m")
        blindrsa.verify(blindrsa.load_public_key(der), prepared, sig)

    def test_generated_keys_are_2048_bit_65537(self, key):
        assert key.key_size == 2048
        assert key.public_key().public_numbers().e == 65537


class TestFailures:
    def test_fault_in_a_crt_component_is_caught(self, key):
        numbers = key.private_numbers()
        broken = rsa.RSAPrivateNumbers(
            numbers.p, numbers.q, numbers.d, numbers.dmp1 ^ 2, numbers.dmq1, numbers.iqmp,
            numbers.public_numbers,
        ).private_key(unsafe_skip_rsa_key_validation=True)
        blinded, _ = blindrsa.blind(key.public_key(), blindrsa.prepare(b"m"))
        with pytest.raises(InvalidSignature):
            blindrsa.blind_sign(broken, blinded)

    def test_fault_in_the_reply_is_caught_by_finalize(self, key):
        pk = key.public_key()
        prepared = blindrsa.prepare(b"m")
        blinded, inv = blindrsa.blind(pk, prepared)
        reply = bytearray(blindrsa.blind_sign(key, blinded))
        reply[100] ^= 0x10
        with pytest.raises(InvalidSignature):
            blindrsa.finalize(pk, prepared, bytes(reply), inv)

    def test_wrong_key_fails(self, key, other_key):
        prepared, sig = issue(key, b"m")
        with pytest.raises(InvalidSignature):
            blindrsa.verify(other_key.public_key(), prepared, sig)
        blinded, inv = blindrsa.blind(key.public_key(), prepared)
        if int.from_bytes(blinded, "big") >= other_key.public_key().public_numbers().n:
            # Blinded under the larger modulus: the other key refuses to sign it at all.
            with pytest.raises(EncodingError, match="out of range"):
                blindrsa.blind_sign(other_key, blinded)
            return
        wrong_reply = blindrsa.blind_sign(other_key, blinded)
        with pytest.raises(InvalidSignature):
            blindrsa.finalize(key.public_key(), prepared, wrong_reply, inv)

    def test_changed_message_or_signature_fails(self, key):
        prepared, sig = issue(key, b"m")
        with pytest.raises(InvalidSignature):
            blindrsa.verify(key.public_key(), prepared + b"x", sig)
        with pytest.raises(InvalidSignature):
            blindrsa.verify(key.public_key(), prepared, sig[:-1] + bytes([sig[-1] ^ 1]))
        with pytest.raises(InvalidSignature):
            blindrsa.verify(key.public_key(), prepared, sig[:-1])

    def test_message_not_below_the_modulus_is_refused(self, key):
        n = key.public_key().public_numbers().n
        for value in (n, n + 1, 2**2048 - 1):
            with pytest.raises(EncodingError):
                blindrsa.blind_sign(key, value.to_bytes(256, "big"))
        with pytest.raises(EncodingError):
            blindrsa.blind_sign(key, b"\x01" * 255)
        with pytest.raises(EncodingError):
            blindrsa.blind_sign(key, b"\x01" * 257)

    def test_reply_not_below_the_modulus_is_refused(self, key):
        pk = key.public_key()
        prepared = blindrsa.prepare(b"m")
        _, inv = blindrsa.blind(pk, prepared)
        n = pk.public_numbers().n
        with pytest.raises(InvalidSignature):
            blindrsa.finalize(pk, prepared, n.to_bytes(256, "big"), inv)
        with pytest.raises(EncodingError):
            blindrsa.finalize(pk, prepared, b"\x00" * 255, inv)

    def test_bad_injected_parameters_are_refused(self, key):
        pk = key.public_key()
        with pytest.raises(EncodingError):
            blindrsa.blind(pk, b"x", salt=b"\x00" * 47)
        with pytest.raises(EncodingError):
            blindrsa.blind(pk, b"x", r=0)
        with pytest.raises(EncodingError):
            blindrsa.prepare(b"x", prefix=b"\x00" * 31)

    def test_unsuitable_public_keys_are_refused(self):
        small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        odd_e = rsa.generate_private_key(public_exponent=3, key_size=2048)
        for k in (small, odd_e):
            with pytest.raises(EncodingError):
                blindrsa.load_public_key(blindrsa.public_key_der(k))
        bad_pem = b"-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----\n"
        for junk in (b"", b"not a key", bad_pem):
            with pytest.raises(EncodingError):
                blindrsa.load_public_key(junk)
        with pytest.raises(EncodingError):
            blindrsa.load_private_key(b"junk")

    def test_errors_share_one_family(self):
        assert issubclass(InvalidSignature, CryptoError)


class TestTokens:
    def test_token_message_layout(self):
        nonce = bytes(range(32))
        message = blindrsa.token_message(b"c-42", "openai", nonce)
        assert message == (
            b"pledge-token/v2" + u64le(4) + b"c-42" + u64le(6) + b"openai" + nonce
        )
        parsed = blindrsa.parse_token_message(message)
        assert parsed == blindrsa.TokenMessage(b"c-42", "openai", nonce)

    def test_lengths_make_the_encoding_unambiguous(self):
        nonce = b"\x00" * 32
        first = blindrsa.token_message(b"ab", "c", nonce)
        assert first != blindrsa.token_message(b"a", "bc", nonce)

    def test_random_nonce_by_default(self):
        assert blindrsa.token_message(b"c", "l") != blindrsa.token_message(b"c", "l")

    @pytest.mark.parametrize(
        "message",
        [
            b"",
            b"pledge-token/v1" + u64le(1) + b"c" + u64le(1) + b"l" + b"\x00" * 32,  # the previous version's tag
            b"pledge-token/v2" + u64le(1) + b"c" + u64le(1) + b"l" + b"\x00" * 31,
            b"pledge-token/v2" + u64le(1) + b"c" + u64le(1) + b"l" + b"\x00" * 33,
            b"pledge-token/v2" + u64le(0) + u64le(1) + b"l" + b"\x00" * 32,
            b"pledge-token/v2" + u64le(2**40) + b"c" + u64le(1) + b"l" + b"\x00" * 32,
            b"pledge-token/v2" + u64le(1) + b"c" + u64le(1) + b"\xff" + b"\x00" * 32,
            b"pledge-token/v2" + u64le(1),
        ],
    )
    def test_malformed_token_messages_are_refused(self, message):
        with pytest.raises(EncodingError):
            blindrsa.parse_token_message(message)

    def test_bad_fields_are_refused(self):
        for args in [(b"", "lab"), (b"c", ""), (b"c" * 256, "lab"), (b"c", "l" * 256)]:
            with pytest.raises(EncodingError):
                blindrsa.token_message(*args)
        with pytest.raises(EncodingError):
            blindrsa.token_message(b"c", "lab", b"\x00" * 16)

    def test_nullifier(self):
        prepared = b"\x01" * 32 + blindrsa.token_message(b"c", "lab")
        assert blindrsa.nullifier(prepared) == hashlib.sha256(
            b"pledge-nullifier/v2" + prepared
        ).digest()

    def test_issue_and_verify_a_token(self, key):
        prepared, sig = issue(key, blindrsa.token_message(b"campaign-1", "anthropic"))
        parsed = blindrsa.verify_token(key.public_key(), prepared, sig)
        assert (parsed.campaign_id, parsed.lab_slug) == (b"campaign-1", "anthropic")
