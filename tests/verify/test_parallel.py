"""``pledge-verify --jobs 2``: worker processes share the revealed entries' checks (openings,
ciphertexts, partials, payloads), and the verdict (the summary, or the first failure named) is
what one process gives.

The thresholds of :mod:`crypto.parallel` are lowered so that the full campaign's 23 revealed
entries are cut into many chunks handled by worker processes, as a record of 100,000 entries is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any

import pytest

from crypto import group, log_leaves, parallel, seal

from .campaign import Campaign, Signed, plain
from .conftest import Verify
from .test_tamper import CIPHERTEXT, DIGEST, ENTRY, LEAF, PARTIAL, PAYLOAD, flipped, relogged


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small inputs go to worker processes in chunks of two; counts the pools started."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL", 1)
    monkeypatch.setattr(parallel, "MIN_CHUNK", 2)
    monkeypatch.setattr(parallel, "MAX_CHUNK", 2)
    started: list[int] = []
    get = parallel._Pool.get

    def counting_get(self: parallel._Pool):  # type: ignore[no-untyped-def]
        if self.executor is None:
            started.append(self.workers)
        return get(self)

    monkeypatch.setattr(parallel._Pool, "get", counting_get)
    return started


def both(verify: Verify, record: dict[str, Any]) -> tuple[int, str, str]:
    """The verdict with one process and with two, which must be the same."""
    one = verify(record, "--jobs", "1")
    two = verify(record, "--jobs", "2")
    assert one == two
    return two


def test_the_record_verifies_with_the_same_summary(verify: Verify, workers: list[int],
                                                   full_record: dict[str, Any]) -> None:
    code, out, err = both(verify, full_record)
    assert (code, err) == (0, "")
    assert "23 revealed payloads equal a fresh decryption" in out
    assert workers == [2]  # one set of workers for every round


@pytest.mark.parametrize(("path", "offset", "pattern"), [
    (("log", "leaves", 5), 150, LEAF),
    (("log", "leaves", 20), 250, LEAF),
    ((*ENTRY, 0, "ciphertext"), 40, CIPHERTEXT),
    ((*ENTRY, 15, "ciphertext"), 600, CIPHERTEXT),
    ((*ENTRY, 4, "partials", "3"), 40, DIGEST),
    ((*ENTRY, 9, "partials", "5"), 95, DIGEST),
    ((*ENTRY, 11, "payload"), 20, PAYLOAD),
])
def test_a_tampered_record_fails_the_same_way(verify: Verify, workers: list[int],
                                              full_record: dict[str, Any], path: tuple[Any, ...],
                                              offset: int, pattern: str) -> None:
    code, out, err = both(verify, flipped(full_record, path, offset))
    assert code == 1 and out == ""
    assert err.startswith("pledge-verify: FAILED: ")
    assert re.search(pattern, err), err


@pytest.mark.parametrize(("path", "offset"), [
    ((*ENTRY, 4, "partials", "3"), 40),
    ((*ENTRY, 9, "partials", "5"), 95),
    ((*ENTRY, 22, "partials", "3"), 64),
])
def test_a_relogged_bad_partial_fails_the_same_way(
    verify: Verify, workers: list[int], full: Campaign, full_record: dict[str, Any],
    path: tuple[Any, ...], offset: int
) -> None:
    # The log itself carries the digest of the bad partials: the workers find them.
    code, out, err = both(verify, relogged(full, flipped(full_record, path, offset)))
    pattern = PARTIAL
    assert code == 1 and out == ""
    assert err.startswith("pledge-verify: FAILED: ")
    assert re.search(pattern, err), err


def _sealed_with(c: Campaign, lab: str, name: str, r: bytes) -> Signed:
    """A signer whose ciphertext uses the given ``r`` (its proof verifies: the signer knows r)."""
    signed = c.sign(lab, name)
    assert signed.payload is not None
    ciphertext = seal.seal(c.Y, c.ctx + signed.nullifier, signed.payload, r=r)
    leaf = log_leaves.parse_leaf(signed.leaf)
    assert isinstance(leaf, log_leaves.EntryLeaf)
    leaf = dataclasses.replace(leaf, ciphertext_sha256=hashlib.sha256(ciphertext).digest())
    return dataclasses.replace(signed, leaf=log_leaves.encode_leaf(leaf), ciphertext=ciphertext)


def test_the_first_failure_in_order_is_named(verify: Verify, workers: list[int],
                                             small: Campaign) -> None:
    # Leaf 3 repeats the R of leaf 0 (checked here, in order); the proofs are checked in workers
    r = group.random_scalar()
    small.add(_sealed_with(small, "lab-a", "Ada", r))
    small.add(small.sign("lab-b", "Bob"))
    small.add(small.sign("lab-a", "Cy"))
    small.add(_sealed_with(small, "lab-b", "Di", r))
    small.freeze_round()
    small.publish()
    small.reveal(1, (1, 2))
    small.publish()
    record = plain(small.record())
    code, _, err = both(verify, record)
    assert code == 1
    assert "round 1, leaf 3: the ciphertext's R repeats leaf 0's" in err
    # A bad partial at an earlier leaf is named first, though a worker found it
    code, _, err = both(verify, relogged(small, flipped(record, (*ENTRY, 1, "partials", "2"), 70)))
    assert code == 1
    assert "round 1, leaf 1: trustee 2's partial decryption does not verify" in err
    # And one at a later leaf comes after the repeated R
    code, _, err = both(verify, relogged(small, flipped(record, (*ENTRY, 3, "partials", "2"), 70)))
    assert "round 1, leaf 3: the ciphertext's R repeats leaf 0's" in err


def test_jobs_must_be_a_positive_number(verify: Verify, full_record: dict[str, Any]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        verify(full_record, "--jobs", "0")
    assert exit_info.value.code == 2
