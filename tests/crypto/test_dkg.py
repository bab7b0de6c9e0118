"""The key ceremony: honest runs agree, and each kind of bad deal draws its own complaint."""

from __future__ import annotations

import dataclasses
import json

import pytest
from nacl.pwhash import argon2id
from nacl.signing import SigningKey

from crypto import dkg, group
from crypto.errors import Complaint, DecryptionError, EncodingError, InvalidDeal, InvalidPoint

from . import edwards
from .helpers import Ceremony, run_ceremony, scalar, seeded_random

FAST = {"opslimit": argon2id.OPSLIMIT_MIN, "memlimit": argon2id.MEMLIMIT_MIN}


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(3, 5)


def resign(c: Ceremony, deal: dkg.Deal) -> dkg.Deal:
    """A dishonest dealer signs whatever it posts: only the later checks can catch it."""
    digest = dkg.deal_digest(c.ctx, deal.commitments, deal.pop_r, deal.pop_z, deal.encrypted_shares)
    signature = SigningKey(c.signing_seeds[deal.dealer]).sign(digest).signature
    return dataclasses.replace(deal, signature=signature)


def with_share(c: Ceremony, i: int, j: int, plaintext_share: bytes, *, ctx: bytes | None = None,
               to: int | None = None) -> dkg.Deal:
    """Trustee i's deal with the share for j replaced by ``plaintext_share``, signed by i."""
    sealed = dkg.encrypt_share(
        ctx or c.ctx, i, to or j, plaintext_share, c.x25519_secrets[i], c.keys[j].x25519,
        bytes(24),
    )
    deal = c.deals[i]
    return resign(c, dataclasses.replace(deal, encrypted_shares={**deal.encrypted_shares,
                                                                 j: sealed}))


def complaint(c: Ceremony, deal: dkg.Deal, j: int = 2, dealer: int | None = None) -> Complaint:
    keys = c.keys[dealer or deal.dealer]
    with pytest.raises(InvalidDeal) as caught:
        dkg.verify_deal(c.ctx, c.t, c.n, deal, keys, j, c.x25519_secrets[j])
    assert caught.value.dealer == deal.dealer
    return caught.value.reason


def test_every_trustee_share_matches_its_verification_key(ceremony):
    for j, x_j in ceremony.shares.items():
        assert group.scalarmult_base(x_j) == ceremony.Yj[j]
        assert dkg.verification_key(ceremony.commitments, j) == ceremony.Yj[j]


def test_group_key_is_sum_of_constant_commitments(ceremony):
    total = group.IDENTITY
    for commitments in ceremony.commitments.values():
        total = group.add(total, commitments[0])
    assert total == ceremony.Y


def test_transcript_is_64_bytes_over_ordered_commitments(ceremony):
    digest = dkg.transcript(ceremony.ctx, ceremony.commitments)
    assert len(digest) == 64
    swapped = {**ceremony.commitments, 1: ceremony.commitments[2], 2: ceremony.commitments[1]}
    assert dkg.transcript(ceremony.ctx, swapped) != digest
    assert dkg.transcript(bytes(32), ceremony.commitments) != digest
    with pytest.raises(EncodingError):
        dkg.transcript(ceremony.ctx, {1: ceremony.commitments[1], 3: ceremony.commitments[3]})


def test_deal_is_reproducible_with_injected_randomness(ceremony):
    c = ceremony
    make = lambda: dkg.deal(  # noqa: E731
        c.ctx, 1, 3, c.signing_seeds[1], c.x25519_secrets[1], c.recipients,
        random_bytes=seeded_random("again"),
    )
    assert make() == make()
    coefficients = [scalar(5), scalar(6), scalar(7)]
    explicit = dkg.deal(c.ctx, 1, 3, c.signing_seeds[1], c.x25519_secrets[1], c.recipients,
                        coefficients=coefficients, pop_nonce=scalar(9))
    assert explicit.commitments == dkg.commit(coefficients)
    assert dkg.evaluate(coefficients, 2) == scalar(5 + 6 * 2 + 7 * 4)


def test_public_check_needs_no_secret(ceremony):
    for i, deal in ceremony.deals.items():
        dkg.check_deal_public(ceremony.ctx, 3, 5, deal, ceremony.keys[i].ed25519)


def test_malformed_deals(ceremony):
    c, deal = ceremony, ceremony.deals[1]
    shares = dict(deal.encrypted_shares)
    del shares[4]
    for bad in (
        dataclasses.replace(deal, commitments=deal.commitments[:2]),
        dataclasses.replace(deal, encrypted_shares=shares),
        dataclasses.replace(deal, encrypted_shares={**deal.encrypted_shares, 2: b"short"}),
        dataclasses.replace(deal, signature=deal.signature[:63]),
    ):
        assert complaint(c, bad) is Complaint.MALFORMED
    assert complaint(c, dataclasses.replace(deal, dealer=6), dealer=1) is Complaint.MALFORMED


def test_bad_points_in_a_deal(ceremony):
    c, deal = ceremony, ceremony.deals[1]
    small = edwards.torsion_points()[1]
    noncanonical = edwards.noncanonical_encodings()[4]
    bad_commitment = dataclasses.replace(deal, commitments=(deal.commitments[0], small,
                                                            deal.commitments[2]))
    assert complaint(c, resign(c, bad_commitment)) is Complaint.BAD_POINT
    assert complaint(c, resign(c, dataclasses.replace(deal, pop_r=noncanonical))) is (
        Complaint.BAD_POINT
    )


def test_bad_signatures(ceremony):
    c, deal = ceremony, ceremony.deals[1]
    flipped = bytes([deal.signature[0] ^ 1]) + deal.signature[1:]
    assert complaint(c, dataclasses.replace(deal, signature=flipped)) is Complaint.BAD_SIGNATURE
    # A commitment swapped after signing (still a valid point)
    other = group.scalarmult_base(scalar(12345))
    swapped = dataclasses.replace(deal, commitments=(deal.commitments[0], other,
                                                     deal.commitments[2]))
    assert complaint(c, swapped) is Complaint.BAD_SIGNATURE
    # Trustee 2's deal passed off as trustee 1's
    assert complaint(c, dataclasses.replace(c.deals[2], dealer=1)) is Complaint.BAD_SIGNATURE


def test_bad_proofs_of_possession(ceremony):
    c, deal = ceremony, ceremony.deals[3]
    wrong_z = dataclasses.replace(deal, pop_z=group.scalar_add(deal.pop_z, group.ONE))
    assert complaint(c, resign(c, wrong_z)) is Complaint.BAD_PROOF
    z_plus_L = (int.from_bytes(deal.pop_z, "little") + group.L).to_bytes(32, "little")
    assert complaint(c, resign(c, dataclasses.replace(deal, pop_z=z_plus_L))) is Complaint.BAD_PROOF
    # A rogue key: someone else's constant commitment, with no knowledge of its logarithm
    rogue = dataclasses.replace(deal, commitments=(c.deals[4].commitments[0],
                                                   *deal.commitments[1:]))
    assert complaint(c, resign(c, rogue)) is Complaint.BAD_PROOF


def test_share_that_does_not_decrypt(ceremony):
    c, deal = ceremony, ceremony.deals[1]
    sealed = bytearray(deal.encrypted_shares[2])
    sealed[40] ^= 1
    tampered = dataclasses.replace(deal, encrypted_shares={**deal.encrypted_shares,
                                                           2: bytes(sealed)})
    assert complaint(c, resign(c, tampered)) is Complaint.SHARE_UNDECRYPTABLE
    # Trustee 3's share is sealed to trustee 3's key; trustee 2 cannot open it
    misrouted = dataclasses.replace(deal, encrypted_shares={**deal.encrypted_shares,
                                                            2: deal.encrypted_shares[3]})
    assert complaint(c, resign(c, misrouted)) is Complaint.SHARE_UNDECRYPTABLE


def test_the_signature_covers_every_encrypted_share(ceremony):
    # Anyone but the dealer (the server included) who swaps or alters a share breaks the
    # dealer's signature: a public failure, never a complaint the dealer could be blamed for.
    c, deal = ceremony, ceremony.deals[1]
    for j in range(1, c.n + 1):
        sealed = bytearray(deal.encrypted_shares[j])
        sealed[-1] ^= 1
        altered = dataclasses.replace(deal, encrypted_shares={**deal.encrypted_shares,
                                                              j: bytes(sealed)})
        assert complaint(c, altered) is Complaint.BAD_SIGNATURE
    swapped = dataclasses.replace(deal, encrypted_shares={
        **deal.encrypted_shares, 2: deal.encrypted_shares[3], 3: deal.encrypted_shares[2]})
    assert complaint(c, swapped) is Complaint.BAD_SIGNATURE


def test_share_with_wrong_context(ceremony):
    c = ceremony
    share = dkg.evaluate([scalar(1)], 2)  # the value does not matter: context is checked first
    assert complaint(c, with_share(c, 1, 2, share, ctx=bytes(32))) is Complaint.SHARE_CONTEXT
    assert complaint(c, with_share(c, 1, 2, share, to=3)) is Complaint.SHARE_CONTEXT


def test_share_that_fails_feldman(ceremony):
    c = ceremony
    honest = dkg.decrypt_share(c.ctx, 1, 2, c.deals[1].encrypted_shares[2],
                               c.x25519_secrets[2], c.keys[1].x25519)
    off_by_one = group.scalar_add(honest, group.ONE)
    assert complaint(c, with_share(c, 1, 2, off_by_one)) is Complaint.FELDMAN
    assert complaint(c, with_share(c, 1, 2, group.ZERO)) is Complaint.FELDMAN
    # ... while the honest value, re-sealed the same way, passes
    assert complaint_free(c, with_share(c, 1, 2, honest)) == honest


def complaint_free(c: Ceremony, deal: dkg.Deal, j: int = 2) -> bytes:
    return dkg.verify_deal(c.ctx, c.t, c.n, deal, c.keys[deal.dealer], j, c.x25519_secrets[j])


def test_share_not_a_canonical_scalar(ceremony):
    c = ceremony
    above_L = (group.L + 3).to_bytes(32, "little")
    assert complaint(c, with_share(c, 1, 2, above_L)) is Complaint.SHARE_MALFORMED


def test_share_plaintext_of_the_wrong_length(ceremony):
    # A 168-byte box always holds 128 bytes, so only a direct call can show this check.
    c = ceremony
    plain = c.ctx + group.sc(1) + group.sc(2) + scalar(5)
    assert dkg.check_share_plaintext(c.ctx, 1, 2, plain) == scalar(5)
    for bad in (plain[:-1], plain + b"\x00"):
        with pytest.raises(InvalidDeal) as caught:
            dkg.check_share_plaintext(c.ctx, 1, 2, bad)
        assert caught.value.reason is Complaint.SHARE_MALFORMED


def test_group_key_refuses_an_identity_sum(ceremony):
    P = ceremony.commitments[1]
    cancelling = {1: P, 2: (group.sub(group.IDENTITY, P[0]), *P[1:])}
    with pytest.raises(InvalidPoint):
        dkg.group_key(cancelling)


def test_deal_dict_round_trip_and_malformed_input(ceremony):
    deal = ceremony.deals[2]
    data = json.loads(json.dumps(dkg.deal_to_dict(deal)))
    assert dkg.deal_from_dict(data) == deal
    for key, value in (("dealer", "2"), ("pop_r", "XYZ"), ("encrypted_shares", {"01": "00"}),
                       ("commitments", "00")):
        with pytest.raises(EncodingError):
            dkg.deal_from_dict({**data, key: value})
    with pytest.raises(EncodingError):
        dkg.deal_from_dict({k: v for k, v in data.items() if k != "signature"})


def test_share_storage_round_trip_and_parameters(ceremony):
    c = ceremony
    blob = dkg.store_share(c.ctx, 2, c.shares[2], b"correct horse", **FAST)
    stored = json.loads(blob)
    assert (stored["opslimit"], stored["memlimit"]) == (FAST["opslimit"], FAST["memlimit"])
    assert stored["kdf"] == "argon2id13"
    assert c.shares[2].hex() not in blob.decode()
    assert dkg.load_share(blob, b"correct horse", c.ctx, 2) == c.shares[2]


def test_share_storage_refusals(ceremony):
    c = ceremony
    blob = dkg.store_share(c.ctx, 2, c.shares[2], b"pw", **FAST)
    with pytest.raises(DecryptionError):
        dkg.load_share(blob, b"wrong", c.ctx, 2)
    with pytest.raises(DecryptionError):
        dkg.load_share(blob, b"pw", c.ctx, 3)
    weakened = json.loads(blob)
    weakened["opslimit"] += 1  # an attacker cannot lower or change the cost unnoticed
    with pytest.raises(DecryptionError):
        dkg.load_share(json.dumps(weakened).encode(), b"pw", c.ctx, 2)
    huge = {**json.loads(blob), "memlimit": 2**40}
    with pytest.raises(EncodingError):
        dkg.load_share(json.dumps(huge).encode(), b"pw", c.ctx, 2)
    with pytest.raises(EncodingError):
        dkg.load_share(b"not json", b"pw", c.ctx, 2)
