"""Partial decryptions, their proofs, and combining a quorum of them."""

from __future__ import annotations

import pytest

from crypto import group, reveal, seal
from crypto.errors import DecryptionError, EncodingError, InvalidPoint, InvalidProof, InvalidScalar

from . import edwards
from .helpers import Ceremony, run_ceremony, scalar, seeded_random

AD = b"x" * 32 + b"y" * 32
PAYLOAD = seal.encode_payload("Grace", "Engineer", "Not until the audit is published.", "name")


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(3, 5, label="reveal")


@pytest.fixture(scope="module")
def entry(ceremony) -> bytes:
    return seal.seal(ceremony.Y, AD, PAYLOAD, random_bytes=seeded_random("entry"))


@pytest.fixture(scope="module")
def partials(ceremony, entry) -> dict[int, bytes]:
    R = entry[:32]
    return {
        j: reveal.partial_decrypt(j, x_j, ceremony.Yj[j], R, AD,
                                  random_bytes=seeded_random(f"partial/{j}"))
        for j, x_j in ceremony.shares.items()
    }


def verified(ceremony, entry, partials, quorum) -> dict[int, bytes]:
    return {j: reveal.verify_partial(j, ceremony.Yj[j], entry[:32], AD, partials[j])
            for j in quorum}


def test_partial_is_D_c_z_and_verifies(ceremony, entry, partials):
    R = entry[:32]
    for j, partial in partials.items():
        assert len(partial) == reveal.PARTIAL_BYTES
        D = reveal.verify_partial(j, ceremony.Yj[j], R, AD, partial)
        assert D == partial[:32] == group.scalarmult(ceremony.shares[j], R)


@pytest.mark.parametrize("quorum", [(1, 2, 3), (1, 3, 5), (5, 4, 2), (1, 2, 3, 4, 5)])
def test_any_quorum_of_t_or_more_opens_the_entry(ceremony, entry, partials, quorum):
    assert reveal.decrypt(ceremony.Y, AD, entry, verified(ceremony, entry, partials, quorum)) == (
        PAYLOAD
    )


@pytest.mark.parametrize("quorum", [(1, 2), (3, 5), (4,)])
def test_fewer_than_t_partials_do_not_open(ceremony, entry, partials, quorum):
    with pytest.raises(DecryptionError):
        reveal.decrypt(ceremony.Y, AD, entry, verified(ceremony, entry, partials, quorum))


def test_nonce_is_hedged_and_injectable(ceremony, entry):
    x, R = ceremony.shares[1], entry[:32]
    fixed = lambda size: b"\x01" * size  # noqa: E731
    assert reveal.dleq_nonce(x, R, fixed) == group.Hs("dleq-nonce", x, R, b"\x01" * 32)
    assert reveal.dleq_nonce(x, R, fixed) != reveal.dleq_nonce(x, R, lambda n: b"\x02" * n)
    with_k = reveal.partial_decrypt(1, x, ceremony.Yj[1], R, AD, k=scalar(77))
    assert with_k == reveal.partial_decrypt(1, x, ceremony.Yj[1], R, AD, k=scalar(77))
    reveal.verify_partial(1, ceremony.Yj[1], R, AD, with_k)


def test_tampered_partials_fail_their_proof(ceremony, entry, partials):
    R, Y1, p = entry[:32], ceremony.Yj[1], partials[1]
    other_D = group.scalarmult(scalar(99), R)
    bumped_c = group.scalar_add(p[32:64], group.ONE)
    for bad in (other_D + p[32:], p[:32] + bumped_c + p[64:], p[:64] + group.ONE):
        with pytest.raises(InvalidProof):
            reveal.verify_partial(1, Y1, R, AD, bad)


def test_partial_checked_against_the_wrong_context_fails(ceremony, entry, partials):
    R, p = entry[:32], partials[1]
    other_R = group.scalarmult_base(scalar(5))
    for j, Yj, R_, ad in ((2, ceremony.Yj[2], R, AD), (1, ceremony.Yj[1], R, AD[:32] + bytes(32)),
                          (1, ceremony.Yj[1], other_R, AD), (2, ceremony.Yj[1], R, AD)):
        with pytest.raises(InvalidProof):
            reveal.verify_partial(j, Yj, R_, ad, p)


def test_malformed_partials(ceremony, entry, partials):
    R, Y1, p = entry[:32], ceremony.Yj[1], partials[1]
    z_plus_L = (int.from_bytes(p[64:], "little") + group.L).to_bytes(32, "little")
    with pytest.raises(InvalidScalar):
        reveal.verify_partial(1, Y1, R, AD, p[:64] + z_plus_L)
    for D in (edwards.torsion_points()[5], edwards.noncanonical_encodings()[7]):
        with pytest.raises(InvalidPoint):
            reveal.verify_partial(1, Y1, R, AD, D + p[32:])
    with pytest.raises(EncodingError):
        reveal.verify_partial(1, Y1, R, AD, p[:95])
    with pytest.raises(InvalidPoint):
        reveal.partial_decrypt(1, ceremony.shares[1], Y1, edwards.torsion_points()[1], AD)


def test_a_forged_D_makes_the_box_refuse(ceremony, entry, partials):
    Ds = verified(ceremony, entry, partials, (1, 2, 3))
    Ds[2] = group.scalarmult(scalar(4), entry[:32])
    with pytest.raises(DecryptionError):
        reveal.decrypt(ceremony.Y, AD, entry, Ds)


def test_lagrange_coefficients_interpolate_at_zero():
    for quorum in ((1,), (1, 2), (2, 5, 7), (1, 2, 3, 4, 5)):
        lambdas = reveal.lagrange_at_zero(quorum)
        total = group.ZERO
        for value in lambdas.values():
            total = group.scalar_add(total, value)
        assert total == group.ONE  # a constant polynomial interpolates to itself
    assert reveal.lagrange_at_zero((1, 2)) == {1: scalar(2), 2: scalar(-1)}


@pytest.mark.parametrize("quorum", [(), (1, 1), (0, 1), (-1, 2)])
def test_lagrange_refuses_bad_quorums(quorum):
    with pytest.raises(InvalidScalar):
        reveal.lagrange_at_zero(quorum)


def test_open_with_wrong_K_is_refused(ceremony, entry):
    with pytest.raises(DecryptionError):
        reveal.open_ciphertext(ceremony.Y, AD, entry, group.G)


def test_combining_to_identity_is_refused():
    # For the quorum {1, 2}, lambda_1 = 2 and lambda_2 = -1: D_1 = D and D_2 = 2·D cancel
    D = group.scalarmult_base(scalar(3))
    with pytest.raises(DecryptionError):
        reveal.combine({1: D, 2: group.scalarmult(scalar(2), D)})


def test_combine_refuses_bad_points(entry):
    D = group.scalarmult(scalar(3), entry[:32])
    torsioned = edwards.encode(edwards.add(edwards.decode(D), edwards.decode(
        edwards.torsion_points()[1])))
    for bad in (group.IDENTITY, edwards.torsion_points()[4], torsioned,
                edwards.noncanonical_encodings()[9]):
        with pytest.raises(InvalidPoint):
            reveal.combine({1: D, 2: bad})


def test_lagrange_refuses_non_integer_indices_inside_the_error_family():
    import pytest

    from crypto.errors import CryptoError
    from crypto.reveal import lagrange_at_zero

    for bad in (["1", "2"], [1.0, 2], [True, 2]):
        with pytest.raises(CryptoError):
            lagrange_at_zero(bad)
