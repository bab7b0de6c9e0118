"""Trustee X25519 keys are checked, and a complaint is settled in public by the dealer's answer."""

from __future__ import annotations

import dataclasses

import pytest
from nacl import bindings as sodium
from nacl.public import PrivateKey
from nacl.signing import SigningKey

from crypto import complaints, dkg, group
from crypto.complaints import ComplaintAnswer, adjudicate, answer_complaint, check_x25519_public
from crypto.errors import PRIVATE_COMPLAINTS, Complaint, EncodingError, InvalidAnswer, WeakKey
from crypto.formats import messages

from . import edwards
from .helpers import Ceremony, run_ceremony, scalar, seeded_random

P = edwards.P
A = 486662


def u_of(point: edwards.Point) -> int:
    """The Montgomery u of an edwards25519 point other than the identity: (1 + y)/(1 - y)."""
    _, y = point
    return (1 + y) * pow(1 - y, -1, P) % P


def edwards_of(u: int) -> edwards.Point:
    """The edwards25519 point of a Montgomery u (sign bit 0), which must be on the curve."""
    y = (u - 1) * pow(u + 1, -1, P) % P
    x = edwards.recover_x(y, 0)
    assert x is not None
    return x, y


def key(u: int) -> bytes:
    return u.to_bytes(32, "little")


def reason_of(k: bytes) -> str:
    with pytest.raises(WeakKey) as caught:
        check_x25519_public(k)
    return caught.value.reason


def small_order_us() -> set[int]:
    """The u of every point of order 2, 4 or 8 (the identity has none; X25519 writes it 0)."""
    torsion = [edwards.decode(e) for e in edwards.torsion_points()]
    return {0} | {u_of(t) for t in torsion if t is not None and t != edwards.IDENTITY}


# --- the key check -----------------------------------------------------------------------------


def test_honest_keys_from_many_random_secrets_pass() -> None:
    rng = seeded_random("honest x25519 keys")
    for _ in range(300):
        check_x25519_public(bytes(PrivateKey(rng(32)).public_key))
    for _ in range(50):
        check_x25519_public(bytes(PrivateKey.generate().public_key))
    check_x25519_public(key(9))  # the base point itself


def test_every_small_order_u_is_refused_as_low_order() -> None:
    us = small_order_us()
    known_order_8 = {
        325606250916557431795983626356110631294008115727848805560023387167927233504,
        39382357235489614581723060781553021112529911719440698176882885853963445705823,
    }
    assert us == {0, 1} | known_order_8  # the curve's eight small-order points have these u
    for u in sorted(us | {P - 1}):  # p - 1: the twist's point of order 4
        assert reason_of(key(u)) == "of low order", u
    assert str(_error(key(1))) == "the X25519 key is of low order"
    assert reason_of(bytes([1]) + bytes(31)) == "of low order"  # the key in the bug report


def _error(k: bytes) -> WeakKey:
    with pytest.raises(WeakKey) as caught:
        check_x25519_public(k)
    return caught.value


def test_an_honest_key_plus_a_small_order_point_is_of_mixed_order() -> None:
    rng = seeded_random("mixed order keys")
    torsion = [edwards.decode(e) for e in edwards.torsion_points()]
    for _ in range(4):
        honest = int.from_bytes(bytes(PrivateKey(rng(32)).public_key), "little")
        point = edwards_of(honest)
        for t in torsion:
            assert t is not None
            if t == edwards.IDENTITY:
                continue
            mixed = edwards.add(point, t)
            assert reason_of(key(u_of(mixed))) == "of mixed order (not in the prime-order subgroup)"


def test_a_point_of_the_twist_is_not_a_point_of_the_curve() -> None:
    def on_curve(u: int) -> bool:
        rhs = (u * u * u + A * u * u + u) % P
        return rhs == 0 or pow(rhs, (P - 1) // 2, P) == 1

    twist = [u for u in range(2, 40) if not on_curve(u)]
    assert len(twist) > 5
    for u in twist:
        assert reason_of(key(u)) == "not a point of the curve", u
    # large twist values too (one of them is the twist's generator-like point near p)
    big = [u for u in range(P - 60, P - 1) if not on_curve(u)]
    assert big and all(reason_of(key(u)) == "not a point of the curve" for u in big)


def test_values_at_or_above_p_and_wrong_lengths_are_refused() -> None:
    for u in (P, P + 1, P + 9, 2**255 - 1, 2**255, 2**256 - 1):
        assert reason_of(key(u)) == "not a canonical field element", u
    for bad in (b"", bytes(31), bytes(33)):
        assert reason_of(bad) == "not 32 bytes"


def test_the_key_check_agrees_with_libsodium_on_the_edwards_point() -> None:
    rng = seeded_random("random u values")
    accepted = 0
    for _ in range(400):
        u = int.from_bytes(rng(32), "little") % P
        if u == P - 1:
            continue
        y = (u - 1) * pow(u + 1, -1, P) % P
        valid = bool(sodium.crypto_core_ed25519_is_valid_point(key(y)))
        try:
            check_x25519_public(key(u))
        except WeakKey:
            assert not valid
        else:
            assert valid
            accepted += 1
    assert 5 < accepted < 60  # about one random u in 16 is of order L


# --- answers and verdicts ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(2, 4, "complaints")


def resign(c: Ceremony, deal: dkg.Deal) -> dkg.Deal:
    digest = dkg.deal_digest(c.ctx, deal.commitments, deal.pop_r, deal.pop_z,
                             deal.encrypted_shares)
    return dataclasses.replace(deal, signature=SigningKey(c.signing_seeds[deal.dealer])
                               .sign(digest).signature)


def with_sealed(c: Ceremony, i: int, j: int, sealed: bytes) -> dkg.Deal:
    deal = c.deals[i]
    bad = resign(c, dataclasses.replace(deal, encrypted_shares={**deal.encrypted_shares,
                                                                 j: sealed}))
    dkg.check_deal_public(c.ctx, c.t, c.n, bad, c.keys[i].ed25519)  # passes every public check
    return bad


def sealed_share(c: Ceremony, i: int, j: int, plain: bytes) -> bytes:
    from nacl.public import Box, PublicKey

    return bytes(Box(PrivateKey(c.x25519_secrets[i]), PublicKey(c.keys[j].x25519))
                 .encrypt(plain, bytes(24)))


def verdict(c: Ceremony, deal: dkg.Deal, j: int, answer: ComplaintAnswer | None = None):
    i = deal.dealer
    answer = answer or answer_complaint(c.ctx, i, j, c.x25519_secrets[i], c.keys[j].x25519)
    return adjudicate(c.ctx, c.t, c.n, deal, j, c.keys[i].x25519, c.keys[j].x25519, answer)


def test_an_honest_answer_to_a_false_complaint_blames_the_complainant(ceremony) -> None:
    c = ceremony
    for i in range(1, c.n + 1):
        for j in range(1, c.n + 1):
            if i == j:
                continue
            found = verdict(c, c.deals[i], j)
            assert (found.at_fault, found.dealer_at_fault) == (j, False)
            assert found.reason == ("the share opens, has the right context and matches the "
                                    "dealer's commitments: the complaint is false")


def test_the_revealed_point_opens_exactly_the_box_the_complainant_opens(ceremony) -> None:
    c = ceremony
    answer = answer_complaint(c.ctx, 1, 3, c.x25519_secrets[1], c.keys[3].x25519)
    shared = sodium.crypto_scalarmult(c.x25519_secrets[1], c.keys[3].x25519)
    assert sodium.crypto_sign_ed25519_pk_to_curve25519(answer.shared_point) == shared
    plain = complaints.open_box(answer.shared_point, c.deals[1].encrypted_shares[3])
    assert plain is not None
    assert plain[96:] == dkg.decrypt_share(c.ctx, 1, 3, c.deals[1].encrypted_shares[3],
                                           c.x25519_secrets[3], c.keys[1].x25519)
    assert complaints.open_box(answer.shared_point, c.deals[1].encrypted_shares[2]) is None


def test_the_revealed_point_also_opens_the_complainants_share_for_the_dealer(ceremony) -> None:
    # A box key is the same both ways, so the answer makes public f_3(1) as well as f_1(3): the
    # guide and the tool say so, and that both deals are then discarded.
    c = ceremony
    answer = answer_complaint(c.ctx, 1, 3, c.x25519_secrets[1], c.keys[3].x25519)
    plain = complaints.open_box(answer.shared_point, c.deals[3].encrypted_shares[1])
    assert plain is not None
    assert plain[96:] == dkg.decrypt_share(c.ctx, 3, 1, c.deals[3].encrypted_shares[1],
                                           c.x25519_secrets[1], c.keys[3].x25519)
    assert complaints.open_box(answer.shared_point, c.deals[2].encrypted_shares[1]) is None


def test_a_tampered_share_blames_the_dealer(ceremony) -> None:
    c = ceremony
    sealed = bytearray(c.deals[1].encrypted_shares[2])
    sealed[50] ^= 1
    found = verdict(c, with_sealed(c, 1, 2, bytes(sealed)), 2)
    assert (found.at_fault, found.dealer_at_fault) == (1, True)
    assert found.reason == "the share does not decrypt under the revealed key"
    # a share sealed to someone else does not open either
    found = verdict(c, with_sealed(c, 1, 2, c.deals[1].encrypted_shares[3]), 2)
    assert (found.at_fault, found.reason) == (1, "the share does not decrypt under the revealed key")


def test_a_share_with_the_wrong_context_blames_the_dealer(ceremony) -> None:
    c = ceremony
    value = dkg.evaluate([scalar(3), scalar(4)], 2)
    for ctx, i, j in ((bytes(32), 1, 2), (c.ctx, 1, 3), (c.ctx, 4, 2)):
        deal = with_sealed(c, 1, 2, sealed_share(c, 1, 2, ctx + group.sc(i) + group.sc(j) + value))
        found = verdict(c, deal, 2)
        assert (found.at_fault, found.dealer_at_fault) == (1, True)
        assert found.reason == ("the share's context is not this campaign, this dealer and this "
                                "complainant")


def test_a_malformed_share_blames_the_dealer(ceremony) -> None:
    c = ceremony
    head = c.ctx + group.sc(1) + group.sc(2)
    above_l = (group.L + 1).to_bytes(32, "little")
    found = verdict(c, with_sealed(c, 1, 2, sealed_share(c, 1, 2, head + above_l)), 2)
    assert (found.at_fault, found.reason) == (
        1, "the share is malformed (wrong length, or not a canonical scalar)")


def test_a_share_off_the_commitments_blames_the_dealer(ceremony) -> None:
    c = ceremony
    honest = dkg.decrypt_share(c.ctx, 1, 2, c.deals[1].encrypted_shares[2],
                               c.x25519_secrets[2], c.keys[1].x25519)
    head = c.ctx + group.sc(1) + group.sc(2)
    for wrong in (group.scalar_add(honest, group.ONE), group.ZERO):
        found = verdict(c, with_sealed(c, 1, 2, sealed_share(c, 1, 2, head + wrong)), 2)
        assert (found.at_fault, found.dealer_at_fault) == (1, True)
        assert found.reason == ("the share does not match the dealer's commitments (the Feldman "
                                "check fails)")


def test_the_verdict_does_not_depend_on_the_reason_given(ceremony) -> None:
    # adjudicate takes no reason at all: whatever j claimed, an honest share blames j
    c = ceremony
    private = {Complaint.SHARE_UNDECRYPTABLE, Complaint.SHARE_CONTEXT, Complaint.SHARE_MALFORMED,
               Complaint.FELDMAN}
    assert private == PRIVATE_COMPLAINTS
    assert verdict(c, c.deals[2], 4).at_fault == 4


def test_a_forged_proof_is_refused(ceremony) -> None:
    c = ceremony
    honest = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    # a dealer who cannot prove anything reveals a point of its choosing
    r = scalar(77)
    other = group.scalarmult(scalar(5), honest.shared_point)
    forged = dataclasses.replace(honest, shared_point=other)
    z_plus = dataclasses.replace(honest, z=group.scalar_add(honest.z, group.ONE))
    a1 = dataclasses.replace(honest, a1=group.scalarmult_base(r))
    for bad in (forged, z_plus, a1):
        with pytest.raises(InvalidAnswer) as caught:
            verdict(c, c.deals[1], 2, bad)
        assert caught.value.reason == ("the proof that the shared point is the dealer's does "
                                       "not verify")
    # the complainant's own secret makes the same shared point, but not the dealer's proof
    x_j = complaints.dealer_scalar(c.x25519_secrets[2], complaints.edwards_point(c.keys[2].x25519))
    k = scalar(9)
    p_j = complaints.edwards_point(c.keys[2].x25519)
    fake = ComplaintAnswer(group.scalarmult(x_j, complaints.edwards_point(c.keys[1].x25519)),
                           group.scalarmult_base(k), group.scalarmult(k, p_j), k)
    assert fake.shared_point == honest.shared_point
    with pytest.raises(InvalidAnswer):
        verdict(c, c.deals[1], 2, fake)


def test_malformed_answer_values_are_refused(ceremony) -> None:
    c = ceremony
    honest = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    torsion = edwards.torsion_points()[1]
    for bad in (dataclasses.replace(honest, shared_point=group.IDENTITY),
                dataclasses.replace(honest, a2=torsion),
                dataclasses.replace(honest, a1=bytes(31)),
                dataclasses.replace(honest, z=(group.L + 2).to_bytes(32, "little"))):
        with pytest.raises(InvalidAnswer):
            verdict(c, c.deals[1], 2, bad)


def test_an_answer_for_another_pair_or_campaign_is_refused(ceremony) -> None:
    c = ceremony
    to_three = answer_complaint(c.ctx, 1, 3, c.x25519_secrets[1], c.keys[3].x25519)
    with pytest.raises(InvalidAnswer):
        verdict(c, c.deals[1], 2, to_three)  # the answer to trustee 3, offered to trustee 2
    by_four = answer_complaint(c.ctx, 4, 2, c.x25519_secrets[4], c.keys[2].x25519)
    with pytest.raises(InvalidAnswer):
        verdict(c, c.deals[1], 2, by_four)
    elsewhere = answer_complaint(bytes(32), 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    with pytest.raises(InvalidAnswer):
        verdict(c, c.deals[1], 2, elsewhere)


def test_a_wrong_shared_point_cannot_be_proven(ceremony) -> None:
    # Only S = x·P_j verifies: a dealer cannot reveal another point to make its box "not open".
    c = ceremony
    honest = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    p_i = complaints.edwards_point(c.keys[1].x25519)
    p_j = complaints.edwards_point(c.keys[2].x25519)
    x = complaints.dealer_scalar(c.x25519_secrets[1], p_i)
    wrong = group.scalarmult(group.scalar_add(x, group.ONE), p_j)
    r = scalar(11)
    a1, a2 = group.scalarmult_base(r), group.scalarmult(r, p_j)
    ch = group.Hs("complaint-answer", c.ctx, group.sc(1), group.sc(2), p_i, p_j, wrong, a1, a2)
    cheat = ComplaintAnswer(wrong, a1, a2, group.scalar_add(r, group.scalar_mul(ch, x)))
    assert cheat.shared_point != honest.shared_point
    with pytest.raises(InvalidAnswer):
        verdict(c, c.deals[1], 2, cheat)


def test_answers_use_fresh_nonces_and_verify_with_a_fixed_one(ceremony) -> None:
    c = ceremony
    one = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    two = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    assert one.shared_point == two.shared_point and one.a1 != two.a1
    fixed = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519,
                             nonce=scalar(1234))
    assert fixed.a1 == group.scalarmult_base(scalar(1234))
    assert verdict(c, c.deals[1], 2, fixed).at_fault == 2


def test_bad_pairs_and_weak_keys_are_refused(ceremony) -> None:
    c = ceremony
    with pytest.raises(EncodingError):
        answer_complaint(c.ctx, 1, 1, c.x25519_secrets[1], c.keys[1].x25519)
    with pytest.raises(WeakKey):
        answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], key(1))
    answer = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    with pytest.raises(EncodingError):
        adjudicate(c.ctx, c.t, c.n, c.deals[1], 9, c.keys[1].x25519, c.keys[2].x25519, answer)
    with pytest.raises(EncodingError):
        adjudicate(c.ctx, c.t, c.n, c.deals[1], 1, c.keys[1].x25519, c.keys[1].x25519, answer)
    with pytest.raises(EncodingError):  # the wrong secret for the dealer's key
        complaints.dealer_scalar(c.x25519_secrets[2], complaints.edwards_point(c.keys[1].x25519))


def test_the_answer_signature_binds_every_value(ceremony) -> None:
    c = ceremony
    a = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    message = messages.complaint_answer_message(c.ctx, 1, 2, a.shared_point, a.a1, a.a2, a.z)
    signature = messages.sign(c.signing_seeds[1], message)
    messages.verify(c.keys[1].ed25519, message, signature)
    others = [
        messages.complaint_answer_message(c.ctx, 1, 3, a.shared_point, a.a1, a.a2, a.z),
        messages.complaint_answer_message(c.ctx, 2, 1, a.shared_point, a.a1, a.a2, a.z),
        messages.complaint_answer_message(bytes(32), 1, 2, a.shared_point, a.a1, a.a2, a.z),
        messages.complaint_answer_message(c.ctx, 1, 2, a.shared_point, a.a1, a.a2,
                                          group.scalar_add(a.z, group.ONE)),
        messages.complaint_message(c.ctx, 1, 2, "feldman-check-failed"),
    ]
    assert len({message, *others}) == len(others) + 1


def test_a_filed_answer_needs_the_dealers_signature(ceremony) -> None:
    c = ceremony
    a = answer_complaint(c.ctx, 1, 2, c.x25519_secrets[1], c.keys[2].x25519)
    message = messages.complaint_answer_message(c.ctx, 1, 2, a.shared_point, a.a1, a.a2, a.z)
    good = messages.sign(c.signing_seeds[1], message)
    found = complaints.signed_verdict(c.ctx, c.t, c.n, c.deals[1], 2, c.keys[1],
                                      c.keys[2].x25519, a, good)
    assert (found.at_fault, found.dealer_at_fault) == (2, False)
    for signature in (messages.sign(c.signing_seeds[2], message), bytes(64)):  # not the dealer's
        with pytest.raises(InvalidAnswer) as caught:
            complaints.signed_verdict(c.ctx, c.t, c.n, c.deals[1], 2, c.keys[1],
                                      c.keys[2].x25519, a, signature)
        assert caught.value.reason == "the dealer's signature on it does not verify"
