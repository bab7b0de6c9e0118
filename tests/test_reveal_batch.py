"""The web app's check of a large upload of partials: the proofs are checked in one batch
(worker processes above crypto.parallel.MIN_PARALLEL entries), and the refusal still names the
first entry at fault, by its leaf, whether its nullifier or its proof is wrong."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from crypto import group, parallel, reveal
from pledge.services.reveal import RevealError, _verify_upload

COUNT = parallel.MIN_PARALLEL + 100
CTX = bytes(range(32))
FIRST_LEAF = 5000  # the round starts after an earlier one; withdrawn entries leave gaps
SEAT = 2


def leaf_of(k: int) -> int:
    return FIRST_LEAF + 2 * k


@pytest.fixture(scope="module")
def upload():
    """A trustee's key, the round's live entries and the trustee's partial for each."""
    x = group.random_scalar()
    Yj = group.scalarmult_base(x)
    live, given = {}, {}
    Rs = [group.scalarmult_base(group.random_scalar()) for _ in range(COUNT)]
    nullifiers = [k.to_bytes(32, "big") for k in range(COUNT)]
    partials = reveal.partial_decrypt_many(
        SEAT, x, Yj, [(R, CTX + n) for R, n in zip(Rs, nullifiers)], jobs=2)
    for k in range(COUNT):
        index = leaf_of(k)
        live[index] = SimpleNamespace(leaf_index=index, nullifier=nullifiers[k],
                                      ciphertext=Rs[k] + bytes(1128))
        given[index] = SimpleNamespace(leaf_index=index, nullifier=nullifiers[k],
                                       partial=partials[k])
    return SimpleNamespace(ctx=CTX), SimpleNamespace(seat=SEAT, verification_key=Yj), live, given


def tampered(given: dict, k: int, **fields: bytes) -> dict:
    out = dict(given)
    out[leaf_of(k)] = SimpleNamespace(**{**vars(given[leaf_of(k)]), **fields})
    return out


def bad_proof(given: dict, k: int) -> dict:
    partial = given[leaf_of(k)].partial
    return tampered(given, k, partial=partial[:90] + bytes([partial[90] ^ 4]) + partial[91:])


def test_a_good_upload_passes(upload):
    campaign, trustee, live, given = upload
    _verify_upload(campaign, trustee, live, given)


def test_a_bad_proof_among_thousands_is_refused_naming_its_leaf(upload):
    campaign, trustee, live, given = upload
    with pytest.raises(RevealError, match=rf"^Entry at leaf {leaf_of(1901)}: the partial "
                                          r"decryption's proof does not verify\.$"):
        _verify_upload(campaign, trustee, live, bad_proof(given, 1901))


def test_the_first_entry_at_fault_in_leaf_order_is_named(upload):
    campaign, trustee, live, given = upload
    late_nullifier = tampered(bad_proof(given, 1901), 2050, nullifier=bytes(32))
    with pytest.raises(RevealError, match=rf"^Entry at leaf {leaf_of(1901)}: the partial"):
        _verify_upload(campaign, trustee, live, late_nullifier)
    early_nullifier = tampered(bad_proof(given, 1901), 17, nullifier=bytes(32))
    with pytest.raises(RevealError, match=rf"^Entry at leaf {leaf_of(17)}: the nullifier "
                                          "differs from the log's"):
        _verify_upload(campaign, trustee, live, early_nullifier)


def test_a_partial_that_does_not_parse_is_refused_as_unverifiable(upload):
    campaign, trustee, live, given = upload
    broken = tampered(given, COUNT - 1, partial=group.IDENTITY + given[leaf_of(0)].partial[32:])
    with pytest.raises(RevealError, match=rf"^Entry at leaf {leaf_of(COUNT - 1)}: the partial"):
        _verify_upload(campaign, trustee, live, broken)
