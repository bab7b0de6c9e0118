"""Hypothesis properties of the threshold scheme: thresholds hold, round trips round-trip."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import dkg, group, reveal, seal
from crypto.errors import DecryptionError, PayloadTooLarge
from crypto.hashing import canonical_json

from .helpers import quick_shares, seeded_random

AD = bytes(32) + b"\x01" * 32
SLOW = settings(max_examples=15, deadline=None)


@st.composite
def committee(draw, min_t: int = 1):
    """(t, n, a seed label, a quorum order): trustees 1..n, threshold t."""
    n = draw(st.integers(min_value=max(min_t, 1), max_value=5))
    t = draw(st.integers(min_value=min_t, max_value=n))
    order = draw(st.permutations(list(range(1, n + 1))))
    label = draw(st.text(max_size=8))
    return t, n, label, order


def partials_for(shares, Yjs, R, quorum):
    return {
        j: reveal.verify_partial(
            j, Yjs[j], R, AD, reveal.partial_decrypt(j, shares[j], Yjs[j], R, AD)
        )
        for j in quorum
    }


@SLOW
@given(committee(), st.binary(max_size=seal.MAX_PAYLOAD_BYTES))
def test_any_t_of_n_partials_decrypt(params, payload):
    t, n, label, order = params
    Y, shares = quick_shares(t, n, seeded_random(label))
    Yjs = {j: group.scalarmult_base(x) for j, x in shares.items()}
    ciphertext = seal.seal(Y, AD, payload)
    seal.check_ciphertext(Y, AD, ciphertext)
    partials = partials_for(shares, Yjs, ciphertext[:32], order[:t])
    assert reveal.decrypt(Y, AD, ciphertext, partials) == payload


@SLOW
@given(committee(min_t=2))
def test_any_t_minus_1_partials_do_not_decrypt(params):
    t, n, label, order = params
    Y, shares = quick_shares(t, n, seeded_random(label))
    Yjs = {j: group.scalarmult_base(x) for j, x in shares.items()}
    ciphertext = seal.seal(Y, AD, b"secret")
    partials = partials_for(shares, Yjs, ciphertext[:32], order[: t - 1])
    try:
        reveal.decrypt(Y, AD, ciphertext, partials)
    except DecryptionError:
        return
    raise AssertionError("t - 1 partials opened the box")


TEXT = st.characters(exclude_categories=("Cs",))  # lone surrogates are not UTF-8


@settings(max_examples=40, deadline=None)
@given(st.text(TEXT, max_size=60), st.text(TEXT, max_size=60), st.text(TEXT, max_size=400),
       st.sampled_from(seal.DISPLAY_CHOICES))
def test_payload_round_trip(name, role, statement, display):
    try:
        payload = seal.encode_payload(name, role, statement, display)
    except PayloadTooLarge:
        fields = {"v": seal.PAYLOAD_VERSION, "name": name, "role": role, "statement": statement, "display": display}
        assert len(canonical_json(fields)) > seal.MAX_PAYLOAD_BYTES
        return
    padded = seal.pad(payload)
    assert len(padded) == seal.PADDED_BYTES
    decoded = json.loads(seal.unpad(padded))
    assert decoded == {"v": seal.PAYLOAD_VERSION, "name": name, "role": role, "statement": statement,
                       "display": display}


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=seal.MAX_PAYLOAD_BYTES))
def test_pad_round_trip(payload):
    assert seal.unpad(seal.pad(payload)) == payload


@SLOW
@given(st.integers(min_value=1, max_value=4), st.text(max_size=8))
def test_polynomial_and_commitments_agree(t, label):
    coefficients = dkg.random_polynomial(t, seeded_random(label))
    commitments = dkg.commit(coefficients)
    for x in (1, 2, 7):
        assert dkg.evaluate_commitments(commitments, x) == group.scalarmult_base(
            dkg.evaluate(coefficients, x)
        )
