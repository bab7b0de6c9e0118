"""``pledge-trustee decrypt --jobs 2``: worker processes share the checks and the decryptions,
and what the trustee gets (the partials file, or the refusal naming the entry at fault) is what
one process gives.

The round here has a dozen leaves; the thresholds of :mod:`crypto.parallel` are lowered so that
it is cut into many chunks handled by worker processes, as a round of 100,000 entries is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crypto import parallel, reveal
from crypto.formats import roundfile
from pledge_tools.exits import EXIT_CHECK_FAILED

from .builders import Ceremony, Round, entry_leaf, round_package, run
from .test_decrypt import (
    R_copied_from_live_entry,
    R_copied_from_withdrawn_entry,
    Tamper,
    _before_the_event,
    below_threshold,
    ciphertext_not_its_leaf,
    duplicated_nullifier,
    forged_token,
    opening_nonce_changed,
    round_includes_a_lab_below_k,
)


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small rounds go to worker processes in chunks of two; counts the pools started."""
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


def decrypt(c: Ceremony, j: int, package: Path, out: Path, *extra: str) -> int:
    return run("decrypt", "--key", c.key_files[j], "--share", c.share_files[j],
               "--package", package, "--out", out, *extra)


def test_two_jobs_write_the_same_partials_file(ceremony, round_one, passphrase, workers,
                                               tmp_path) -> None:
    # When trustee 2 decrypts the round with one process and with two
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert decrypt(ceremony, 2, round_one.package, one, "--jobs", "1") == 0
    assert workers == []
    assert decrypt(ceremony, 2, round_one.package, two, "--jobs", "2") == 0
    assert workers == [2]  # one pool for the leaves, the ciphertexts and the partials
    # Then the files have the same fields, entries, head and D_j; only each proof's fresh
    # nonce differs, and every proof verifies
    doc_one, doc_two = json.loads(one.read_bytes()), json.loads(two.read_bytes())
    for doc in (doc_one, doc_two):
        for item in doc["partials"]:
            item["partial"] = item["partial"][:64]  # D_j, hex
    assert doc_one == doc_two
    posted = roundfile.load_partials(two)
    entries = {e.nullifier: e for e in round_one.entries}
    assert len(posted.partials) == len(entries) == 10
    for record in posted.partials:
        R = entries[record.nullifier].ciphertext[:32]
        reveal.verify_partial(2, ceremony.Yj[2], R, ceremony.ctx + record.nullifier,
                              record.partial)


def bad_proof_before_repeated_R(c: Ceremony, r: Round, folder: Path) -> Path:
    """Leaf 3's ciphertext fails its proof, and a later entry repeats leaf 2's R: the
    proof is checked in a worker, the repeat in order; leaf 3 comes first."""
    path = R_copied_from_live_entry(c, r, folder)
    log = _before_the_event(r)
    ciphertext = r.entries[3].ciphertext
    ciphertext = ciphertext[:200] + bytes([ciphertext[200] ^ 1]) + ciphertext[201:]
    log.leaves[3] = entry_leaf(r.entries[3].opening, ciphertext, bytes(32))
    log.ciphertexts[3] = ciphertext
    decoy = roundfile.load_round(path)
    log.add(decoy.leaves[12].leaf, decoy.leaves[12].ciphertext, decoy.openings[12])
    log.freeze(1)
    return round_package(c, log, folder / "round2.json")


@pytest.mark.parametrize("tamper, message", [
    (ciphertext_not_its_leaf, "leaf 0: the ciphertext does not match the leaf's ciphertext_sha256"),
    (duplicated_nullifier, "leaf 13: the nullifier repeats leaf 0"),
    (R_copied_from_live_entry, "leaf 12: the ciphertext's R repeats leaf 2"),
    (R_copied_from_withdrawn_entry, "leaf 12: the ciphertext's proof does not verify"),
    (forged_token, "leaf 12: the opening's token signature does not verify under lab 'lab-a''s key"),
    (opening_nonce_changed, "leaf 5: the opening does not match the entry's lab commitment"),
    (below_threshold, "round 1 was not due at this head"),
    (round_includes_a_lab_below_k, "round 2 reveals lab 'lab-b' with 1 of its 1 entry"),
    (bad_proof_before_repeated_R, "leaf 3: the ciphertext's proof does not verify"),
])
def test_a_bad_round_is_refused_the_same_way_with_two_jobs(ceremony, round_one, passphrase,
                                                           workers, tmp_path, capsys,
                                                           tamper: Tamper, message: str) -> None:
    package = tamper(ceremony, round_one, tmp_path)
    errors = []
    for jobs in ("1", "2"):
        out = tmp_path / f"partials-{jobs}.json"
        code = decrypt(ceremony, 2, package, out, "--jobs", jobs)
        errors.append(capsys.readouterr().err)
        assert code == EXIT_CHECK_FAILED, errors[-1]
        assert not out.exists()
    assert message in errors[0]
    assert errors[0] == errors[1]


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_must_be_a_positive_number(ceremony, round_one, passphrase, tmp_path, capsys,
                                        jobs: str) -> None:
    code = decrypt(ceremony, 2, round_one.package, tmp_path / "p.json", "--jobs", jobs)
    assert code == 2
    assert "--jobs" in capsys.readouterr().err
    assert not (tmp_path / "p.json").exists()
