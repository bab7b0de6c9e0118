"""An entry's opening: the lab commitment in its leaf, and the check that ties a revealed entry
to a token of its lab."""

from __future__ import annotations

import hashlib

import pytest

from crypto import blindrsa
from crypto.errors import EncodingError
from crypto.hashing import H
from crypto.log_leaves import EntryLeaf
from crypto.opening import Opening, OpeningError, check_opening, lab_commitment, new_opening, parse_opening

CAMPAIGN = b"c-opening-test"


@pytest.fixture(scope="module")
def keys():
    return {"alpha": blindrsa.generate_key(), "beta": blindrsa.generate_key()}


def token(keys, slug: str, campaign: bytes = CAMPAIGN) -> tuple[bytes, bytes]:
    """A real token for ``slug``: blinded, blind-signed by the lab's key, finalized."""
    public = keys[slug].public_key()
    prepared = blindrsa.prepare(blindrsa.token_message(campaign, slug))
    blinded, inv = blindrsa.blind(public, prepared)
    return prepared, blindrsa.finalize(public, prepared, blindrsa.blind_sign(keys[slug], blinded), inv)


def lab_keys(keys) -> dict[str, bytes]:
    return {slug: blindrsa.public_key_der(key) for slug, key in keys.items()}


def leaf_for(opening: Opening) -> EntryLeaf:
    return EntryLeaf(lab_commitment=opening.commitment, nullifier=opening.nullifier,
                     ciphertext_sha256=hashlib.sha256(b"ct").digest(), withdrawal_key=b"\x01" * 32)


def test_the_commitment_is_the_tagged_hash_of_the_four_fields():
    opening = Opening("alpha", b"\x01" * 40, b"\x02" * 256, b"\x03" * 32)
    assert opening.commitment == H("lab-commitment", b"alpha", b"\x01" * 40, b"\x02" * 256, b"\x03" * 32, n=32)
    assert opening.commitment == lab_commitment("alpha", b"\x01" * 40, b"\x02" * 256, b"\x03" * 32)
    # Each field changes it; the nonce hides the lab even from someone who holds the token.
    assert Opening("beta", b"\x01" * 40, b"\x02" * 256, b"\x03" * 32).commitment != opening.commitment
    assert Opening("alpha", b"\x01" * 40, b"\x02" * 256, b"\x04" * 32).commitment != opening.commitment


def test_fresh_openings_of_one_token_commit_differently(keys):
    prepared, signature = token(keys, "alpha")
    assert new_opening("alpha", prepared, signature).commitment != new_opening("alpha", prepared, signature).commitment


def test_an_honest_opening_opens_its_leaf_and_round_trips(keys):
    prepared, signature = token(keys, "alpha")
    opening = new_opening("alpha", prepared, signature)
    assert check_opening(opening, leaf_for(opening), CAMPAIGN, lab_keys(keys)) == "alpha"
    as_json = {name: value.hex() if isinstance(value, bytes) else value for name, value in opening.doc().items()}
    assert parse_opening(as_json) == opening


def test_tampered_openings_are_refused_naming_the_check(keys):
    prepared, signature = token(keys, "alpha")
    honest = new_opening("alpha", prepared, signature)
    leaf = leaf_for(honest)
    other_prepared, other_signature = token(keys, "beta")
    cases = {
        "lab commitment": Opening("beta", prepared, signature, honest.nonce),  # another lab named
        "lab commitment ": Opening("alpha", prepared, signature, b"\x00" * 32),  # the nonce changed
        "lab commitment  ": Opening("beta", other_prepared, other_signature, honest.nonce),  # another lab's token
    }
    for check, opening in cases.items():
        with pytest.raises(OpeningError, match=check.strip()):
            check_opening(opening, leaf, CAMPAIGN, lab_keys(keys))
    # A leaf whose nullifier is not the opening's token's.
    with pytest.raises(OpeningError, match="nullifier"):
        check_opening(honest, EntryLeaf(leaf.lab_commitment, b"\x09" * 32, leaf.ciphertext_sha256, leaf.withdrawal_key),
                      CAMPAIGN, lab_keys(keys))
    # A commitment made honestly to a lie: the slug differs from the token's lab.
    lying = Opening("beta", prepared, signature, honest.nonce)
    with pytest.raises(OpeningError, match="token is for lab 'alpha'"):
        check_opening(lying, leaf_for(lying), CAMPAIGN, lab_keys(keys))
    # A token signed by another lab's key, relabelled.
    forged = Opening("alpha", prepared, other_signature, honest.nonce)
    with pytest.raises(OpeningError, match="does not verify"):
        check_opening(forged, leaf_for(forged), CAMPAIGN, lab_keys(keys))
    # A token of another campaign.
    elsewhere = new_opening("alpha", *token(keys, "alpha", b"c-elsewhere"))
    with pytest.raises(OpeningError, match="another campaign"):
        check_opening(elsewhere, leaf_for(elsewhere), CAMPAIGN, lab_keys(keys))


@pytest.mark.parametrize("broken", [
    {"slug": "alpha"},
    {"slug": "alpha", "nonce": "00" * 32, "prepared_message": "aa" * 40, "token_signature": "bb", "lab": "x"},
    {"slug": "", "nonce": "00" * 32, "prepared_message": "aa" * 40, "token_signature": "bb"},
    {"slug": "alpha", "nonce": "00" * 31, "prepared_message": "aa" * 40, "token_signature": "bb"},
    {"slug": "alpha", "nonce": "00" * 32, "prepared_message": "AA" * 40, "token_signature": "bb"},
    {"slug": "alpha", "nonce": "00" * 32, "prepared_message": "aa" * 32, "token_signature": "bb"},
    {"slug": 7, "nonce": "00" * 32, "prepared_message": "aa" * 40, "token_signature": "bb"},
    ["alpha"],
])
def test_malformed_openings_are_refused(broken):
    with pytest.raises(EncodingError):
        parse_opening(broken)
