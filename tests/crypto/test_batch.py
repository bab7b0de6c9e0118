"""The batch checks of a whole round (crypto.parallel): spread over worker processes, they give
exactly the answers of the one-item functions, in order, and the first bad item is named."""

from __future__ import annotations

import os
from contextlib import closing

import pytest

from crypto import group, parallel, reveal, seal
from crypto.errors import EncodingError, InvalidPoint, InvalidProof, ItemFailed

from .helpers import Ceremony, run_ceremony

COUNT = parallel.MIN_PARALLEL + 100  # above the threshold: worker processes do the work
QUORUM = (1, 2, 3)
CTX = bytes(range(32))


def ad_of(i: int) -> bytes:
    return CTX + i.to_bytes(32, "little")


def pids(items: range) -> list[tuple[int, int]]:
    """Which process handled each item (a module-level function, so workers can run it)."""
    return [(os.getpid(), i) for i in items]


@pytest.fixture(scope="module")
def ceremony() -> Ceremony:
    return run_ceremony(3, 3, label="batch")


@pytest.fixture(scope="module")
def ciphertexts(ceremony) -> list[bytes]:
    return [seal.seal(ceremony.Y, ad_of(i), seal.encode_payload(f"Signer {i}", "R", "S", "name"))
            for i in range(COUNT)]


@pytest.fixture(scope="module")
def partials(ceremony, ciphertexts) -> dict[int, list[bytes]]:
    entries = [(ct[:32], ad_of(i)) for i, ct in enumerate(ciphertexts)]
    return {j: reveal.partial_decrypt_many(j, ceremony.shares[j], ceremony.Yj[j], entries,
                                           jobs=1)
            for j in QUORUM}


def items_for(j: int, ciphertexts: list[bytes], partials: dict[int, list[bytes]]) -> list:
    return [(ct[:32], ad_of(i), partials[j][i]) for i, ct in enumerate(ciphertexts)]


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]


def test_small_inputs_stay_in_this_process_and_large_ones_use_workers_in_order():
    here = os.getpid()
    small = [item for _, chunk in parallel.map_chunks(pids, range(500), jobs=2) for item in chunk]
    assert small == [(here, i) for i in range(500)]
    large = [item for _, chunk in parallel.map_chunks(pids, range(COUNT), jobs=2) for item in chunk]
    assert [i for _, i in large] == list(range(COUNT))
    assert {pid for pid, _ in large} - {here} and here not in {pid for pid, _ in large}
    one_job = [item for _, chunk in parallel.map_chunks(pids, range(COUNT), jobs=1)
               for item in chunk]
    assert {pid for pid, _ in one_job} == {here}


def test_a_shared_pool_serves_several_batches_and_a_consumer_may_stop_early():
    with parallel.pool(2):
        with closing(parallel.map_chunks(pids, range(COUNT), jobs=2)) as results:
            first_start, first = next(results)
        assert first_start == 0 and [i for _, i in first] == list(range(len(first)))
        again = [i for _, chunk in parallel.map_chunks(pids, range(COUNT), jobs=2)
                 for _, i in chunk]
    assert again == list(range(COUNT))


def test_jobs_must_be_positive():
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError):
            parallel.resolve_jobs(bad)  # type: ignore[arg-type]


def test_partials_made_in_parallel_are_the_same_decryptions_and_verify(ceremony, ciphertexts,
                                                                       partials):
    entries = [(ct[:32], ad_of(i)) for i, ct in enumerate(ciphertexts)]
    made = reveal.partial_decrypt_many(1, ceremony.shares[1], ceremony.Yj[1], entries, jobs=2)
    assert len(made) == COUNT
    # D_j = x_j·R is the same; the proof's nonce is fresh, so c and z differ but verify.
    assert [p[:32] for p in made] == [p[:32] for p in partials[1]]
    assert reveal.verify_partials(1, ceremony.Yj[1], [(R, ad, p) for (R, ad), p in
                                                      zip(entries, made)], jobs=1) == \
        [p[:32] for p in made]


def test_parallel_verification_gives_the_serial_answer(ceremony, ciphertexts, partials):
    for j in QUORUM:
        items = items_for(j, ciphertexts, partials)
        serial = reveal.verify_partials(j, ceremony.Yj[j], items, jobs=1)
        assert serial[:50] == [reveal.verify_partial(j, ceremony.Yj[j], *item)
                               for item in items[:50]]
        assert serial == [p[:32] for p in partials[j]]
        assert reveal.verify_partials(j, ceremony.Yj[j], items, jobs=2) == serial


@pytest.mark.parametrize("jobs", [1, 2])
def test_one_bad_proof_among_many_is_refused_naming_its_entry(ceremony, ciphertexts, partials,
                                                              jobs):
    items = items_for(2, ciphertexts, partials)
    R, ad, partial = items[1733]
    items[1733] = (R, ad, flip(partial, 80))  # z changed: the proof no longer holds
    with pytest.raises(ItemFailed) as failed:
        reveal.verify_partials(2, ceremony.Yj[2], items, jobs=jobs)
    assert failed.value.position == 1733
    assert isinstance(failed.value.error, InvalidProof)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_first_bad_item_in_order_is_the_one_named(ceremony, ciphertexts, partials, jobs):
    items = items_for(3, ciphertexts, partials)
    R, ad, partial = items[COUNT - 5]
    items[COUNT - 5] = (R, ad, flip(partial, 40))
    R, ad, partial = items[611]
    items[611] = (R, ad, group.IDENTITY + partial[32:])  # D is not a point of order L
    items[1500] = (group.IDENTITY, items[1500][1], items[1500][2])  # nor is this R
    with pytest.raises(ItemFailed) as failed:
        reveal.verify_partials(3, ceremony.Yj[3], items, jobs=jobs)
    assert failed.value.position == 611
    assert isinstance(failed.value.error, InvalidPoint)
    with pytest.raises(ItemFailed) as failed:
        reveal.verify_partials(3, ceremony.Yj[3], items[612:], jobs=jobs)
    assert failed.value.position == 1500 - 612
    assert isinstance(failed.value.error, EncodingError)


def test_a_bad_verification_key_is_refused_before_any_item(ceremony, ciphertexts, partials):
    with pytest.raises(InvalidPoint):
        reveal.verify_partials(1, group.IDENTITY, items_for(1, ciphertexts, partials), jobs=2)


@pytest.mark.parametrize("jobs", [1, 2])
def test_ciphertext_checks_name_the_first_bad_ciphertext(ceremony, ciphertexts, jobs):
    items = [(ad_of(i), ct) for i, ct in enumerate(ciphertexts)]
    seal.check_ciphertexts(ceremony.Y, items, jobs=jobs)
    items[2001] = (ad_of(2001), flip(ciphertexts[2001], 500))  # the box changed
    items[2050] = (ad_of(2050), ciphertexts[2050][:-1])  # too short
    with pytest.raises(ItemFailed) as failed:
        seal.check_ciphertexts(ceremony.Y, items, jobs=jobs)
    assert (failed.value.position, type(failed.value.error)) == (2001, InvalidProof)
    items[2001] = (ad_of(2001), ciphertexts[2001])
    with pytest.raises(ItemFailed) as failed:
        seal.check_ciphertexts(ceremony.Y, items, jobs=jobs)
    assert failed.value.position == 2050
    assert isinstance(failed.value.error, EncodingError)


def test_parallel_opening_gives_the_serial_answer(ceremony, ciphertexts, partials):
    items = [(ad_of(i), ct, {j: partials[j][i][:32] for j in QUORUM})
             for i, ct in enumerate(ciphertexts)]
    items[7] = (ad_of(8), ciphertexts[7], items[7][2])  # wrong ad: the box does not open
    serial = reveal.decrypt_many(ceremony.Y, items, jobs=1)
    assert serial[7] is None
    assert serial[8] == seal.encode_payload("Signer 8", "R", "S", "name")
    assert reveal.decrypt_many(ceremony.Y, items, jobs=2) == serial
    assert serial[:7] + serial[8:20] == [reveal.decrypt(ceremony.Y, *item)
                                         for item in items[:7] + items[8:20]]


@pytest.mark.parametrize("a_zero,b_zero", [(False, False), (True, False), (False, True),
                                           (True, True)])
def test_mul_sub_is_the_two_term_sum(a_zero, b_zero):
    a = group.ZERO if a_zero else group.random_scalar()
    b = group.ZERO if b_zero else group.random_scalar()
    P = group.scalarmult_base(group.random_scalar())
    Q = group.scalarmult_base(group.random_scalar())
    for base in (None, P):
        assert group.mul_sub(a, base, b, Q) == group.multi_scalarmult(
            [(a, base), (group.scalar_neg(b), Q)])
    with pytest.raises(InvalidPoint):
        group.mul_sub(group.ONE, None, group.ONE, ORDER_TWO)


ORDER_TWO = (2**255 - 20).to_bytes(32, "little")  # (0, -1): canonical, but of order 2


def test_the_remembered_answers_of_the_point_check_are_the_checks_answers():
    valid = group.scalarmult_base(group.random_scalar())
    for _ in range(3):
        assert group.parse_point(valid) == valid
        for bad in (ORDER_TWO, group.IDENTITY, valid[:31]):
            with pytest.raises(InvalidPoint):
                group.parse_point(bad)
