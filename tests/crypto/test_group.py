"""The group and scalar helpers: what they accept, and the specific refusal for what they don't."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crypto import group
from crypto.errors import EncodingError, InvalidPoint, InvalidScalar
from crypto.hashing import H

from . import edwards
from .helpers import scalar

TORSION = edwards.torsion_points()
NONCANONICAL = edwards.noncanonical_encodings()
SCALARS = st.integers(min_value=0, max_value=group.L - 1)


def test_order_and_base_point_match_the_design():
    assert group.L == 2**252 + 27742317777372353535851937790883648493
    assert edwards.encode(edwards.decode(group.G)) == group.G
    assert group.parse_point(group.G) == group.G


def test_sc_encodes_small_integers_little_endian():
    assert group.sc(0) == bytes(32)
    assert group.sc(258) == b"\x02\x01" + bytes(30)
    assert group.sc(group.L - 1) == (group.L - 1).to_bytes(32, "little")


@pytest.mark.parametrize("bad", [-1, group.L, 2**256, True])
def test_sc_refuses_out_of_range(bad):
    with pytest.raises(InvalidScalar):
        group.sc(bad)


@pytest.mark.parametrize(
    "value", [group.L, group.L + 1, 2 * group.L, 2**255, 2**256 - 1], ids=str
)
def test_scalars_at_or_above_L_are_refused(value):
    encoded = value.to_bytes(32, "little")
    assert not group.is_canonical_scalar(encoded)
    with pytest.raises(InvalidScalar):
        group.parse_scalar(encoded)


def test_scalar_edges_and_lengths():
    assert group.parse_scalar(scalar(group.L - 1)) == scalar(group.L - 1)
    assert group.parse_scalar(group.ZERO) == group.ZERO
    with pytest.raises(InvalidScalar):
        group.parse_scalar(group.ZERO, nonzero=True)
    for wrong in (bytes(31), bytes(33), "00" * 32):
        with pytest.raises(InvalidScalar):
            group.parse_scalar(wrong)  # type: ignore[arg-type]


def test_random_scalar_rejects_zero_and_reduces():
    # Given a generator whose first two draws reduce to zero (0 and L itself)
    draws = iter([bytes(64), group.L.to_bytes(64, "little"), b"\x07" + bytes(63)])
    # When a random scalar is drawn, Then both zeros are skipped
    assert group.random_scalar(lambda size: next(draws)) == scalar(7)


def test_Hs_is_H_reduced():
    digest = H("dleq", b"a", b"", n=64)
    assert group.Hs("dleq", b"a", b"") == scalar(int.from_bytes(digest, "little"))
    assert group.is_canonical_scalar(group.Hs("x"))


@pytest.mark.parametrize("index", range(8))
def test_small_order_points_are_refused(index):
    point = TORSION[index]
    assert edwards.mul(8, edwards.decode(point)) == edwards.IDENTITY
    with pytest.raises(InvalidPoint):
        group.parse_point(point)
    with pytest.raises(InvalidPoint):
        group.scalarmult(scalar(5), point)


def test_parse_key_remembers_but_refuses_the_same_points():
    assert group.parse_key(group.G) == group.parse_key(group.G) == group.G
    for bad in (*TORSION, NONCANONICAL[0], bytearray(group.G), group.G[:5]):
        with pytest.raises(InvalidPoint):
            group.parse_key(bad)  # type: ignore[arg-type]


def test_scalarmult_checks_the_point_itself():
    # y = p + 1 spells the identity non-canonically; libsodium also refuses it, but we check
    # the encoding before handing it over
    with pytest.raises(InvalidPoint):
        group.scalarmult(scalar(2), NONCANONICAL[2])
    torsioned = edwards.encode(edwards.add(edwards.decode(group.G), edwards.decode(TORSION[1])))
    with pytest.raises(InvalidPoint):
        group.scalarmult(scalar(2), torsioned)


def test_identity_is_refused_as_input():
    with pytest.raises(InvalidPoint):
        group.parse_point(group.IDENTITY)


@pytest.mark.parametrize("index", range(1, 8))
def test_torsioned_points_are_refused(index):
    torsioned = edwards.encode(edwards.add(edwards.decode(group.G), edwards.decode(TORSION[index])))
    assert edwards.decode(torsioned) is not None  # on the curve, just not of order L
    with pytest.raises(InvalidPoint):
        group.parse_point(torsioned)


def test_noncanonical_encodings_are_refused_by_our_own_check():
    assert len(NONCANONICAL) == 38
    for encoding in NONCANONICAL:
        assert not group.is_canonical_encoding(encoding)
        with pytest.raises(InvalidPoint):
            group.parse_point(encoding)
    # y = p + 1 is a non-canonical spelling of the identity, which decodes
    assert edwards.decode(NONCANONICAL[2]) == edwards.IDENTITY


def test_off_curve_and_wrong_length_points_are_refused():
    off_curve = next(
        y.to_bytes(32, "little") for y in range(2, 100) if edwards.recover_x(y, 0) is None
    )
    for bad in (off_curve, group.G[:31], group.G + b"\x00", bytearray(group.G)):
        with pytest.raises(InvalidPoint):
            group.parse_point(bad)  # type: ignore[arg-type]


def test_scalarmult_refuses_zero_and_noncanonical_scalars():
    with pytest.raises(InvalidScalar):
        group.scalarmult_base(group.ZERO)
    with pytest.raises(InvalidScalar):
        group.scalarmult(group.ZERO, group.G)
    with pytest.raises(InvalidScalar):
        group.scalarmult(scalar(3)[:31] + b"\xff", group.G)  # far above L


def test_add_sub_and_identity_results():
    P = group.scalarmult_base(scalar(5))
    Q = group.scalarmult_base(scalar(7))
    assert group.add(P, Q) == group.scalarmult_base(scalar(12))
    assert group.sub(Q, P) == group.scalarmult_base(scalar(2))
    assert group.sub(P, P) == group.IDENTITY
    assert group.add(group.IDENTITY, P) == P
    with pytest.raises(InvalidPoint):
        group.add(P, TORSION[1])


def test_multi_scalarmult_skips_zero_terms_and_may_sum_to_identity():
    P = group.scalarmult_base(scalar(11))
    terms = [(scalar(3), None), (scalar(2), P), (group.ZERO, P), (scalar(9), group.IDENTITY)]
    assert group.multi_scalarmult(terms) == group.scalarmult_base(scalar(25))
    assert group.multi_scalarmult([(scalar(11), None), (scalar(-1), P)]) == group.IDENTITY
    assert group.multi_scalarmult([]) == group.IDENTITY
    with pytest.raises(InvalidScalar):
        group.multi_scalarmult([(group.L.to_bytes(32, "little"), None)])


def test_scalar_inverse_of_zero_is_refused():
    with pytest.raises(InvalidScalar):
        group.scalar_inv(group.ZERO)


def test_reduce_needs_64_bytes():
    with pytest.raises(InvalidScalar):
        group.reduce(bytes(32))
    assert issubclass(InvalidScalar, EncodingError)


@settings(max_examples=60, deadline=None)
@given(a=SCALARS, b=SCALARS, k=st.integers(min_value=0, max_value=6))
def test_scalar_arithmetic_matches_integers_mod_L(a, b, k):
    A, B, mod = scalar(a), scalar(b), group.L
    assert group.scalar_add(A, B) == scalar(a + b)
    assert group.scalar_sub(A, B) == scalar(a - b)
    assert group.scalar_mul(A, B) == scalar(a * b)
    assert group.scalar_neg(A) == scalar(-a)
    assert group.scalar_pow(A, k) == scalar(pow(a, k, mod))
    if a:
        assert group.scalar_mul(A, group.scalar_inv(A)) == group.ONE


@settings(max_examples=20, deadline=None)
@given(a=st.integers(min_value=1, max_value=group.L - 1))
def test_scalarmult_base_agrees_with_reference_arithmetic(a):
    expected = edwards.encode(edwards.mul(a, edwards.decode(group.G)))
    assert group.scalarmult_base(scalar(a)) == expected
    assert group.scalarmult(scalar(a), group.G) == expected
