"""Domain-separated hashing and canonical JSON (docs/protocol.md §1): known answers and refusals.

Every refusal must be an :class:`EncodingError` (so callers catching :class:`CryptoError`
see it), never a bare ``UnicodeEncodeError``, ``ValueError`` or ``TypeError``.
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import pytest

from crypto.errors import CryptoError, EncodingError
from crypto.hashing import H, canonical_json, u64le

VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "vectors" / "hash.json").read_text(encoding="utf-8")
)
PREFIX = b"pledge/v2/"


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['tag']}-{v['n']}")
def test_known_answers_from_hash_json(vector):
    parts = [bytes.fromhex(p) for p in vector["parts"]]
    assert H(vector["tag"], *parts, n=vector["n"]).hex() == vector["out"]


def test_definition_is_keyed_blake2b_over_length_prefixed_parts():
    parts = (b"", b"abc", bytes(range(200)))
    expected = hashlib.blake2b(
        b"".join(u64le(len(p)) + p for p in parts), digest_size=32, key=PREFIX + b"kem"
    ).digest()
    assert H("kem", *parts, n=32) == expected
    assert H("kem", bytearray(b"abc")) == H("kem", b"abc")
    # Length prefixes: moving a byte between parts changes the hash.
    assert H("t", b"ab", b"c") != H("t", b"a", b"bc") != H("t", b"abc")
    assert H("a", b"x") != H("b", b"x")
    assert len(H("t")) == 64 and len(H("t", n=1)) == 1


@pytest.mark.parametrize("tag", ["dléq", "kem\u2028", "\U0001f512", "\ud800"])
def test_non_ascii_tag_is_an_encoding_error(tag):
    with pytest.raises(EncodingError, match="ASCII"):
        H(tag, b"x")


def test_non_string_tag_is_an_encoding_error():
    with pytest.raises(EncodingError):
        H(b"kem", b"x")  # type: ignore[arg-type]


def test_tag_may_fill_the_64_byte_key_but_not_exceed_it():
    longest = "t" * (64 - len(PREFIX))
    assert H(longest, b"x", n=32) == hashlib.blake2b(
        u64le(1) + b"x", digest_size=32, key=PREFIX + longest.encode()
    ).digest()
    with pytest.raises(EncodingError):
        H(longest + "t", b"x")


@pytest.mark.parametrize("n", [0, -1, 65, 1000])
def test_digest_size_out_of_range(n):
    with pytest.raises(EncodingError):
        H("kem", b"x", n=n)


@pytest.mark.parametrize("n", [32.0, True, "32", None])
def test_digest_size_must_be_an_integer(n):
    with pytest.raises(EncodingError):
        H("kem", b"x", n=n)  # type: ignore[arg-type]


@pytest.mark.parametrize("part", ["text", 1, None, memoryview(b"x"), [b"x"]])
def test_non_bytes_part_is_refused(part):
    with pytest.raises(EncodingError, match="bytes"):
        H("kem", b"ok", part)  # type: ignore[arg-type]


def test_u64le_range():
    assert u64le(0) == bytes(8)
    assert u64le(2**64 - 1) == b"\xff" * 8
    for bad in (-1, 2**64):
        with pytest.raises(EncodingError):
            u64le(bad)


# --- canonical JSON ------------------------------------------------------------------------


def test_canonical_json_sorts_keys_has_no_whitespace_and_hexes_bytes():
    value = {"b": [1, True, None], "a": {"z": b"\x00\xab", "y": "é\n\"\\"}, "A": 5}
    assert canonical_json(value) == (
        '{"A":5,"a":{"y":"é\\n\\"\\\\","z":"00ab"},"b":[1,true,null]}'.encode()
    )
    assert canonical_json((b"\xff", bytearray(b"\x01"))) == b'["ff","01"]'


def test_canonical_json_sorts_by_code_point_and_keeps_astral_characters():
    # U+FF61 sorts before U+1F512 by code point (not by UTF-16 unit, where it would be after).
    text = canonical_json({"\U0001f512": 1, "\uff61": 2})
    assert text == '{"\uff61":2,"\U0001f512":1}'.encode()


@pytest.mark.parametrize(
    "value",
    [1.5, 0.0, math.nan, math.inf, -math.inf, {"a": [1, 2.0]}, [math.nan]],
    ids=["float", "zero-float", "nan", "inf", "-inf", "nested-float", "nested-nan"],
)
def test_canonical_json_refuses_floats_and_nan(value):
    with pytest.raises(EncodingError):
        canonical_json(value)


@pytest.mark.parametrize("value", ["\ud800", "a\udfffb", {"k": ["\udc00"]}, {"\ud83d": 1}])
def test_canonical_json_refuses_lone_surrogates(value):
    with pytest.raises(EncodingError):
        canonical_json(value)


@pytest.mark.parametrize("value", [{1: "a"}, {b"k": 1}, {None: 1}, {"ok": {(1,): 2}}])
def test_canonical_json_refuses_non_string_keys(value):
    with pytest.raises(EncodingError, match="keys"):
        canonical_json(value)


@pytest.mark.parametrize("value", [{1, 2}, object(), 1j])
def test_canonical_json_refuses_other_types(value):
    with pytest.raises(EncodingError):
        canonical_json(value)


def test_every_refusal_is_in_the_crypto_error_family():
    assert issubclass(EncodingError, CryptoError)
    calls = (lambda: H("ü"), lambda: canonical_json(math.nan), lambda: canonical_json("\ud800"))
    for call in calls:
        with pytest.raises(CryptoError):
            call()


@pytest.mark.parametrize("number", [-1, 2**63, 2**64])
def test_canonical_json_refuses_integers_outside_0_to_2_63_minus_1(number):
    with pytest.raises(EncodingError):
        canonical_json({"n": number})
    assert canonical_json({"n": 2**63 - 1}) == b'{"n":9223372036854775807}'
