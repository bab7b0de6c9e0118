"""Changing anything in the full campaign's record makes ``pledge-verify`` fail, naming what.

The record's log: leaves 0-7 (batch 1), 8-15 (batch 2), 16-23 and the withdrawal of leaf 1 at
24 (batch 3, frozen as round 1), 25-26 (batch 4). Round 1 reveals the 23 entries of leaves
0..24 except the withdrawn leaf 1, so its entry at position p is leaf p (p = 0) or p + 1.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from crypto import seal

from .conftest import Verify

CTX = r"ctx does not match the manifest"
DEAL = r"dkg: trustee \d's deal fails its public check \((bad-point|bad-signature|bad-proof)\)"
TRANSCRIPT = r"dkg: trustee \d('s transcript signature does not verify| signed another transcript)"
Y = r"dkg: Y is not the sum of the trustees' first commitments"
YJ = r"dkg: Y_\d is not the one the deals' commitments give"
LOG_ID = r"log: id is not the ASCII of the manifest's id"
HEAD = r"log: the signature of the head of batch \d \(size \d+\) does not verify"
LEAF = r"leaf \d+: |log: the Merkle root of leaves 0\.\.\d+ does not match"
CIPHERTEXT = r"round 1, leaf \d+: the ciphertext does not match the leaf's ciphertext_sha256"
PARTIAL = r"round 1, leaf \d+: trustee \d's partial decryption (does not verify|is malformed)"
PAYLOAD = r"round 1, leaf \d+: the published payload differs from the decryption"
ENTRY = ("rounds", 0, "entries")

# (path to a hex field, byte offset to flip, what the failure must say)
FLIPS: list[tuple[tuple[Any, ...], int, str]] = [
    *[(("ctx",), offset, CTX) for offset in (0, 13, 31)],
    (("manifest", "labs", 0, "token_public_key"), 40, CTX),
    (("manifest", "labs", 2, "token_public_key"), -1, CTX),
    (("manifest", "trustees", 1, "ed25519"), 0, CTX),
    (("manifest", "trustees", 4, "x25519"), 31, CTX),
    *[(("dkg", "deals", dealer, *field), offset, DEAL) for dealer, field, offset in [
        (0, ("commitments", 0), 0), (0, ("commitments", 2), 31), (1, ("commitments", 1), 16),
        (1, ("pop_r",), 0), (2, ("pop_z",), 5), (2, ("signature",), 63), (3, ("signature",), 0),
        (3, ("commitments", 0), 31), (4, ("pop_r",), 31), (4, ("pop_z",), 0),
        (4, ("commitments", 2), 7)]],
    *[(("dkg", "transcript_signatures", j, field), offset, TRANSCRIPT) for j, field, offset in [
        ("1", "transcript", 0), ("2", "transcript", 63), ("3", "signature", 0),
        ("5", "signature", 63), ("4", "signature", 32)]],
    *[(("dkg", "Y"), offset, Y) for offset in (0, 16, 31)],
    *[(("dkg", "verification_keys", j), offset, YJ)
      for j, offset in [("1", 0), ("2", 31), ("4", 15), ("5", 8)]],
    (("log", "id"), 0, LOG_ID),
    (("log", "id"), 31, LOG_ID),
    (("log", "public_key"), 0, HEAD),
    (("log", "public_key"), 31, HEAD),
    *[(("log", "leaves", i), offset, LEAF) for i, offset in [
        (0, 0), (1, 300), (5, 150), (8, 600), (12, -2), (16, 900), (20, 450), (24, 120),
        (24, -3), (26, 700)]],
    *[(("log", "heads", h, "root"), offset, HEAD) for h, offset in [(0, 0), (1, 31), (2, 15),
                                                                    (3, 0)]],
    *[(("log", "heads", h, "signature"), offset, HEAD) for h, offset in [(0, 63), (2, 0),
                                                                         (3, 40)]],
    *[((*ENTRY, p, "ciphertext"), offset, CIPHERTEXT) for p, offset in [
        (0, 0), (0, 40), (5, 80), (10, 100), (15, 600), (22, 1159)]],
    *[((*ENTRY, p, "partials", j), offset, PARTIAL) for p, j, offset in [
        (0, "1", 0), (4, "3", 40), (9, "5", 95), (14, "1", 31), (22, "3", 64)]],
    *[((*ENTRY, p, "payload"), offset, PAYLOAD) for p, offset in [(0, 0), (11, 20), (22, -1),
                                                                  (7, 50)]],
]


def _edit(record: dict[str, Any], path: tuple[Any, ...]) -> tuple[Any, Any]:
    """A deep copy of ``record`` and the container holding ``path``'s last key."""
    doc = copy.deepcopy(record)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    return doc, parent


def flipped(record: dict[str, Any], path: tuple[Any, ...], offset: int) -> dict[str, Any]:
    """``record`` with one byte of the hex field at ``path`` flipped (its lowest bit)."""
    doc, parent = _edit(record, path)
    raw = bytearray.fromhex(parent[path[-1]])
    raw[offset] ^= 0x01
    parent[path[-1]] = raw.hex()
    return doc


def assert_fails(verify: Verify, record: dict[str, Any], pattern: str) -> None:
    code, out, err = verify(record)
    assert code == 1, out
    assert out == ""
    assert err.startswith("pledge-verify: FAILED: ") and err.count("\n") == 1, err
    assert re.search(pattern, err), err


def test_the_untouched_record_verifies(verify: Verify, full_record: dict[str, Any]) -> None:
    assert verify(full_record)[0] == 0


def test_flips_cover_every_kind_of_field() -> None:
    assert len(FLIPS) >= 60
    kinds = {path[:2] if path[0] != "rounds" else path[-2 if path[-2] == "partials" else -1]
             for path, _, _ in FLIPS}
    assert {("ctx",), ("manifest", "labs"), ("dkg", "deals"), ("dkg", "transcript_signatures"),
            ("dkg", "Y"), ("dkg", "verification_keys"), ("log", "id"), ("log", "public_key"),
            ("log", "leaves"), ("log", "heads"), "ciphertext", "partials", "payload"} <= kinds


@pytest.mark.parametrize(("path", "offset", "pattern"), FLIPS,
                         ids=[f"{'.'.join(map(str, p))}@{o}" for p, o, _ in FLIPS])
def test_flipping_one_byte_fails(
    verify: Verify, full_record: dict[str, Any], path: tuple[Any, ...], offset: int, pattern: str
) -> None:
    assert_fails(verify, flipped(full_record, path, offset), pattern)


NUMBERS: list[tuple[tuple[Any, ...], int, str]] = [
    (("counts", "labs", "lab-a"), +1, r"counts: lab lab-a is published as 9 but 8 entries"),
    (("counts", "labs", "lab-b"), -1, r"counts: lab lab-b is published as 8 but 9 entries"),
    (("counts", "labs", "lab-c"), +1, r"counts: lab lab-c is published as 9 but 8 entries"),
    (("counts", "head_size"), -2, r"counts: published for a head of size 25, but the latest"),
    (("log", "heads", 1, "timestamp"), +1, HEAD),
    (("log", "heads", 2, "size"), +1, HEAD),
    (("log", "heads", 0, "batch"), +1, r"log: heads\[0\] is batch 2; heads must be every"),
    (("manifest", "rule", "min_total"), -1, CTX),
    (("dkg", "deals", 0, "dealer"), +1, r"dkg: the record must hold one deal per trustee"),
    (("rounds", 0, "number"), +1, r"rounds: rounds\[0\] is numbered 2"),
    (("rounds", 0, "size"), -9, r"round 1: the threshold rule does not hold at its head"),
    (("rounds", 0, "size"), +2, r"round 1: the rule already held at the head of batch 3"),
    (("rounds", 0, "size"), -1, r"round 1: size 24 is not a signed head's size"),
    ((*ENTRY, 3, "leaf_index"), +1, r"round 1: entries must be listed once each in leaf order"),
    ((*ENTRY, 22, "leaf_index"), +1, r"round 1, leaf 24: is a withdrawal, not an entry"),
    ((*ENTRY, 22, "leaf_index"), +2, r"round 1, leaf 25: is not a leaf of this round "
                                     r"\(leaves 0\.\.24\)"),
]


@pytest.mark.parametrize(("path", "delta", "pattern"), NUMBERS,
                         ids=[f"{'.'.join(map(str, p))}{d:+d}" for p, d, _ in NUMBERS])
def test_changing_a_number_fails(
    verify: Verify, full_record: dict[str, Any], path: tuple[Any, ...], delta: int, pattern: str
) -> None:
    doc, parent = _edit(full_record, path)
    parent[path[-1]] += delta
    assert_fails(verify, doc, pattern)


@pytest.mark.parametrize(("state", "met", "pattern"), [
    ("revealed", False, r"outcome: threshold_met must be true exactly when a round was frozen"),
    ("open", True, r"outcome: the state is open but round 1 was revealed"),
    ("expired", True, r"outcome: an expired campaign cannot have reveal rounds"),
])
def test_an_outcome_the_rounds_contradict_fails(
    verify: Verify, full_record: dict[str, Any], state: str, met: bool, pattern: str
) -> None:
    doc = copy.deepcopy(full_record)
    doc["outcome"].update(state=state, threshold_met=met)
    assert_fails(verify, doc, pattern)


# --- leaves and entries deleted or duplicated -----------------------------------------------


@pytest.mark.parametrize(("index", "pattern"), [
    (5, r"log: the Merkle root of leaves 0\.\.7 does not match"),
    (17, r"log: the Merkle root of leaves 0\.\.24 does not match"),
    (26, r"log: the head of batch 4 \(size 27\) covers more leaves than the record holds"),
    (1, r"leaf 23: withdraws a nullifier that no earlier entry has"),
])
def test_deleting_a_leaf_fails(
    verify: Verify, full_record: dict[str, Any], index: int, pattern: str
) -> None:
    doc = copy.deepcopy(full_record)
    del doc["log"]["leaves"][index]
    assert_fails(verify, doc, pattern)


@pytest.mark.parametrize(("index", "pattern"), [
    (5, r"leaf 6: the nullifier repeats leaf 5"),
    (0, r"leaf 1: the nullifier repeats leaf 0"),
    (24, r"leaf 25: withdraws leaf 1 a second time \(first at leaf 24\)"),
])
def test_duplicating_a_leaf_fails(
    verify: Verify, full_record: dict[str, Any], index: int, pattern: str
) -> None:
    doc = copy.deepcopy(full_record)
    doc["log"]["leaves"].insert(index + 1, doc["log"]["leaves"][index])
    assert_fails(verify, doc, pattern)


def test_deleting_a_round_entry_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    del doc["rounds"][0]["entries"][4]
    assert_fails(verify, doc, r"round 1, leaf 5: a live entry of this round, but the round "
                              r"reveals no ciphertext for it")


def test_duplicating_a_round_entry_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    entries = doc["rounds"][0]["entries"]
    entries.insert(8, entries[7])
    assert_fails(verify, doc, r"round 1: entries must be listed once each in leaf order "
                              r"\(leaf 8 comes after leaf 8\)")


def test_revealing_the_withdrawn_entry_fails(
    verify: Verify, full: Any, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    withdrawn = full.entries[1]
    doc["rounds"][0]["entries"].insert(1, {
        "leaf_index": 1, "ciphertext": withdrawn.ciphertext.hex(), "partials": {},
        "payload": withdrawn.payload.hex()})
    assert_fails(verify, doc, r"round 1, leaf 1: is withdrawn \(at leaf 24\) and must stay "
                              r"sealed")


def test_deleting_or_swapping_heads_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    del doc["log"]["heads"][1]
    assert_fails(verify, doc, r"log: heads\[1\] is batch 3; heads must be every batch's head")
    doc = copy.deepcopy(full_record)
    heads = doc["log"]["heads"]
    heads[0], heads[1] = heads[1], heads[0]
    assert_fails(verify, doc, r"log: heads\[0\] is batch 2")


def test_missing_ceremony_parts_fail(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    del doc["dkg"]["deals"][2]
    assert_fails(verify, doc, r"dkg: the record must hold one deal per trustee, by dealer 1\.\.5")
    doc = copy.deepcopy(full_record)
    del doc["dkg"]["transcript_signatures"]["4"]
    assert_fails(verify, doc, r"dkg: trustee 4 has no transcript signature")
    doc = copy.deepcopy(full_record)
    del doc["dkg"]["verification_keys"]["2"]
    assert_fails(verify, doc, r"dkg: verification_keys must list Y_1\.\.Y_5")


# --- partials and payloads ------------------------------------------------------------------


def test_t_minus_one_partials_fail(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    del doc["rounds"][0]["entries"][3]["partials"]["5"]
    assert_fails(verify, doc, r"round 1, leaf 4: 2 valid partial decryptions; t = 3 are needed")


def test_a_valid_partial_of_another_entry_fails(
    verify: Verify, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    entries = doc["rounds"][0]["entries"]
    entries[3]["partials"]["3"] = entries[4]["partials"]["3"]
    assert_fails(verify, doc, r"round 1, leaf 4: trustee 3's partial decryption does not verify")


def test_a_partial_for_another_trustee_index_fails(
    verify: Verify, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    partials = doc["rounds"][0]["entries"][0]["partials"]
    partials["2"] = partials.pop("1")
    assert_fails(verify, doc, r"round 1, leaf 0: trustee 2's partial decryption does not verify")


def test_a_payload_other_than_the_decryption_fails(
    verify: Verify, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    other = seal.encode_payload("Someone Else", "Researcher", "Signer 6 will not.", "name")
    doc["rounds"][0]["entries"][5]["payload"] = other.hex()
    assert_fails(verify, doc, r"round 1, leaf 6: the published payload differs")
    doc["rounds"][0]["entries"][5]["payload"] = None
    assert_fails(verify, doc, r"round 1, leaf 6: the published payload differs")


def test_swapping_two_payloads_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    entries = doc["rounds"][0]["entries"]
    entries[0]["payload"], entries[1]["payload"] = entries[1]["payload"], entries[0]["payload"]
    assert_fails(verify, doc, r"round 1, leaf 0: the published payload differs")
