"""The log's two leaf kinds: canonical JSON, strict parsing, withdrawal signatures."""

from __future__ import annotations

import json

import nacl.signing
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto.errors import EncodingError, InvalidSignature
from crypto.log_leaves import (
    VERSION,
    EntryLeaf,
    WithdrawalLeaf,
    encode_leaf,
    parse_leaf,
    sign_withdrawal,
    verify_withdrawal,
    withdrawal_message,
)

SEED = b"\x07" * 32
WITHDRAWAL_KEY = bytes(nacl.signing.SigningKey(SEED).verify_key)


def entry(**changes) -> EntryLeaf:
    fields = dict(
        lab_commitment=b"\xaa" * 32,
        nullifier=b"\xcc" * 32,
        ciphertext_sha256=b"\xdd" * 32,
        withdrawal_key=WITHDRAWAL_KEY,
    )
    fields.update(changes)
    return EntryLeaf(**fields)


def test_entry_encoding_is_canonical_json_with_kind_and_version():
    data = encode_leaf(entry())
    obj = json.loads(data)
    assert obj["kind"] == "entry" and obj["v"] == VERSION == 2
    # No lab and no token: the log must not say which lab an unrevealed entry is from.
    assert set(obj) == {"kind", "v", "lab_commitment", "nullifier", "ciphertext_sha256", "withdrawal_key"}
    assert data == json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    assert obj["nullifier"] == "cc" * 32
    assert data.startswith(b'{"ciphertext_sha256":"dddd')


def test_withdrawal_encoding():
    leaf = WithdrawalLeaf(nullifier=b"\xcc" * 32, signature=b"\x01" * 64)
    assert encode_leaf(leaf) == (
        b'{"kind":"withdrawal","nullifier":"' + b"cc" * 32 + b'","signature":"'
        + b"01" * 64 + b'","v":2}'
    )


@settings(max_examples=50)
@given(
    commitment=st.binary(min_size=32, max_size=32),
    nullifier=st.binary(min_size=32, max_size=32),
)
def test_round_trip(commitment, nullifier):
    leaf = entry(lab_commitment=commitment, nullifier=nullifier)
    assert parse_leaf(encode_leaf(leaf)) == leaf


def test_an_entry_naming_its_lab_is_refused():
    """A version 2 entry with the lab (or the token) in the clear is not a valid leaf."""
    obj = json.loads(encode_leaf(entry()))
    for extra in ({"lab": "deepmind"}, {"token_message": "aa" * 40}, {"token_signature": "bb" * 40}):
        data = json.dumps({**obj, **extra}, sort_keys=True, separators=(",", ":")).encode()
        with pytest.raises(EncodingError):
            parse_leaf(data)


def test_withdrawal_round_trip():
    leaf = WithdrawalLeaf(nullifier=b"\x01" * 32, signature=b"\x02" * 64)
    assert parse_leaf(encode_leaf(leaf)) == leaf


def withdrawal_json(nullifier="00" * 32, signature="00" * 64, v=str(VERSION), kind="withdrawal") -> bytes:
    """A withdrawal leaf written by hand, to break one thing at a time."""
    text = f'{{"kind":"{kind}","nullifier":"{nullifier}","signature":"{signature}","v":{v}}}'
    return text.encode()


def test_hand_written_canonical_withdrawal_parses():
    assert parse_leaf(withdrawal_json()) == WithdrawalLeaf(b"\x00" * 32, b"\x00" * 64)


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[]",
        b"\xff",
        b'{"kind":"entry","v":%d}' % VERSION,
        withdrawal_json(kind="vote"),
        withdrawal_json(v=str(VERSION - 1)),  # the previous version
        withdrawal_json(v=str(VERSION + 1)),
        withdrawal_json(v="true"),
        withdrawal_json(v=f'"{VERSION}"'),
        withdrawal_json(nullifier="00" * 31),
        withdrawal_json(nullifier="AA" * 32),
        withdrawal_json(nullifier="0"),
        withdrawal_json(signature="00" * 65),
        withdrawal_json().replace(b'"kind":"withdrawal",', b'"kind":"withdrawal", '),
        withdrawal_json().replace(b'"v":2}', b'"v":2,"x":0}'),
        b'{"v":2,' + withdrawal_json().replace(b',"v":2}', b"}")[1:],
    ],
)
def test_malformed_or_non_canonical_leaves_are_refused(data):
    with pytest.raises(EncodingError):
        parse_leaf(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"lab_commitment": b"\x00" * 31},
        {"lab_commitment": b"\x00" * 33},
        {"nullifier": b"\x00" * 31},
        {"ciphertext_sha256": b"\x00" * 33},
        {"withdrawal_key": b"\x00" * 31},
    ],
)
def test_bad_entry_fields_are_refused(changes):
    with pytest.raises(EncodingError):
        encode_leaf(entry(**changes))


def test_withdrawal_signature():
    nullifier = b"\x42" * 32
    assert withdrawal_message(nullifier) == b"pledge/v2/withdraw" + nullifier
    signature = sign_withdrawal(SEED, nullifier)
    verify_withdrawal(WITHDRAWAL_KEY, nullifier, signature)
    with pytest.raises(InvalidSignature):
        verify_withdrawal(WITHDRAWAL_KEY, b"\x43" * 32, signature)
    with pytest.raises(InvalidSignature):
        other = bytes(nacl.signing.SigningKey(b"\x08" * 32).verify_key)
        verify_withdrawal(other, nullifier, signature)
    with pytest.raises(InvalidSignature):
        verify_withdrawal(WITHDRAWAL_KEY, nullifier, bytes([signature[0] ^ 1]) + signature[1:])
    with pytest.raises(EncodingError):
        verify_withdrawal(WITHDRAWAL_KEY, nullifier, signature[:63])
