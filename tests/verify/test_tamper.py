"""Changing anything in the full campaign's record makes ``pledge-verify`` fail, naming what.

The record's log: leaves 0-7 (batch 1), 8-15 (batch 2), 16-23, the withdrawal of leaf 1 at 24
and round 1's round-frozen event at 25 (batch 3), 26-27 and round 1's round-revealed event at 28
(batch 4). Round 1 reveals the 23 entries of leaves 0..23 except the withdrawn leaf 1 (every
lab has at least k = 2), so its entry at position p is leaf p (p = 0) or p + 1; each entry
carries its opening. Every head is cosigned by the five trustees (w = 3).
"""

from __future__ import annotations

import copy
import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey

from crypto import log_leaves, merkle, seal
from crypto.formats.files import manifest_ctx
from crypto.formats.jsonfile import VERSION
from crypto.formats.record import round_digest
from crypto.hashing import canonical_json
from crypto.opening import parse_opening

from .campaign import Campaign, plain, resign
from .conftest import Verify

CTX = r"ctx does not match the manifest"
WEAK_KEY = r"trustee 5 \('Trustee 5'\) is refused: the X25519 key is (not a point of the curve|of)"
DEAL = r"dkg: trustee \d's deal fails its public check \((bad-point|bad-signature|bad-proof)\)"
TRANSCRIPT = r"dkg: trustee \d('s transcript signature does not verify| signed another transcript)"
Y = r"dkg: Y is not the sum of the trustees' first commitments"
YJ = r"dkg: Y_\d is not the one the deals' commitments give"
LOG_ID = r"log: id is not the ASCII of the manifest's id"
HEAD = (r"log: the signature of the head of batch \d \(size \d+\) does not verify under the "
        r"manifest's log_key")
COSIGNATURE = r"log: the cosignature of the head of batch \d \(size \d+\) by witness 'Trustee \d'"
LEAF = r"leaf \d+: |log: the Merkle root of leaves 0\.\.\d+ does not match"
CIPHERTEXT = r"round 1, leaf \d+: the ciphertext does not match the leaf's ciphertext_sha256"
PARTIAL = r"round 1, leaf \d+: trustee \d's partial decryption (does not verify|is malformed)"
DIGEST = (r"round 1: the SHA-256 of the revealed entries' openings and partials differs from the "
          r"digest of its round-revealed event")
PAYLOAD = r"round 1, leaf \d+: the published payload differs from the decryption"
ENTRY = ("rounds", 0, "entries")

# (path to a hex field, byte offset to flip, what the failure must say)
FLIPS: list[tuple[tuple[Any, ...], int, str]] = [
    *[(("ctx",), offset, CTX) for offset in (0, 13, 31)],
    (("manifest", "labs", 0, "token_public_key"), 40, CTX),
    (("manifest", "labs", 2, "token_public_key"), -1, CTX),
    (("manifest", "trustees", 1, "ed25519"), 0, CTX),
    (("manifest", "trustees", 4, "x25519"), 31, WEAK_KEY),
    *[(("dkg", "deals", dealer, *field), offset, DEAL) for dealer, field, offset in [
        (0, ("commitments", 0), 0), (0, ("commitments", 2), 31), (1, ("commitments", 1), 16),
        (1, ("pop_r",), 0), (2, ("pop_z",), 5), (2, ("signature",), 63), (3, ("signature",), 0),
        (3, ("commitments", 0), 31), (4, ("pop_r",), 31), (4, ("pop_z",), 0),
        (4, ("commitments", 2), 7), (0, ("shares_digest",), 0), (3, ("shares_digest",), 63)]],
    *[(("dkg", "transcript_signatures", j, field), offset, TRANSCRIPT) for j, field, offset in [
        ("1", "transcript", 0), ("2", "transcript", 63), ("3", "signature", 0),
        ("5", "signature", 63), ("4", "signature", 32)]],
    *[(("dkg", "Y"), offset, Y) for offset in (0, 16, 31)],
    *[(("dkg", "verification_keys", j), offset, YJ)
      for j, offset in [("1", 0), ("2", 31), ("4", 15), ("5", 8)]],
    (("log", "id"), 0, LOG_ID),
    (("log", "id"), 31, LOG_ID),
    (("manifest", "log_key"), 0, CTX),
    (("manifest", "log_key"), 31, CTX),
    *[(("log", "leaves", i), offset, LEAF) for i, offset in [
        (0, 0), (1, 300), (5, 150), (8, 200), (12, -2), (16, 90), (20, 250), (24, 120),
        (24, -3), (25, 20), (25, 60), (27, 330), (28, 50), (28, 100)]],
    *[(("log", "heads", h, "root"), offset, HEAD) for h, offset in [(0, 0), (1, 31), (2, 15),
                                                                    (3, 0)]],
    *[(("log", "heads", h, "signature"), offset, HEAD) for h, offset in [(0, 63), (2, 0),
                                                                         (3, 40)]],
    *[((*ENTRY, p, "ciphertext"), offset, CIPHERTEXT) for p, offset in [
        (0, 0), (0, 40), (5, 80), (10, 100), (15, 600), (22, 1159)]],
    *[((*ENTRY, p, "partials", j), offset, DIGEST) for p, j, offset in [
        (0, "1", 0), (4, "3", 40), (9, "5", 95), (14, "1", 31), (22, "3", 64)]],
    *[((*ENTRY, p, "payload"), offset, PAYLOAD) for p, offset in [(0, 0), (11, 20), (22, -1),
                                                                  (7, 50)]],
    # The digest covers the openings: a changed opening fails there unless the log is rewritten
    # (test_an_opening_* below).
    *[((*ENTRY, p, "opening", field), offset, DIGEST) for p, field, offset in [
        (0, "nonce", 0), (6, "nonce", 31), (12, "prepared_message", 40),
        (17, "token_signature", 255), (22, "prepared_message", -1)]],
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
    kinds = {path[:2] if path[0] != "rounds" else path[-2 if path[-2] in ("partials", "opening") else -1]
             for path, _, _ in FLIPS}
    assert {("ctx",), ("manifest", "labs"), ("dkg", "deals"), ("dkg", "transcript_signatures"),
            ("dkg", "Y"), ("dkg", "verification_keys"), ("log", "id"), ("manifest", "log_key"),
            ("log", "leaves"), ("log", "heads"), "ciphertext", "partials", "opening",
            "payload"} <= kinds


@pytest.mark.parametrize(("path", "offset", "pattern"), FLIPS,
                         ids=[f"{'.'.join(map(str, p))}@{o}" for p, o, _ in FLIPS])
def test_flipping_one_byte_fails(
    verify: Verify, full_record: dict[str, Any], path: tuple[Any, ...], offset: int, pattern: str
) -> None:
    assert_fails(verify, flipped(full_record, path, offset), pattern)


NUMBERS: list[tuple[tuple[Any, ...], int, str]] = [
    (("counts", "head_size"), -2, r"counts: stated for a head of size 24, but the head of the batch "
                                  r"that froze round 1 has size 26"),
    (("counts", "head_size"), +3, r"counts: stated for a head of size 29, but the head of the batch "
                                  r"that froze round 1 has size 26"),
    (("exported_at",), -61, r"exported_at \(.*\) is before the latest head's time"),
    (("manifest", "k"), +1, CTX),
    (("manifest", "k"), -1, r"field manifest: field k must be an integer from 2 to 100"),
    (("manifest", "w"), +1, r"field manifest: field w: w must not exceed t = 3"),
    (("manifest", "w"), -1, r"field manifest: field w: w must be a majority of the 5 witnesses"),
    (("manifest", "batch_interval"), +1, CTX),
    (("manifest", "reveal_window"), -1, CTX),
    (("log", "heads", 1, "timestamp"), +1, HEAD),
    (("log", "heads", 2, "size"), +1, HEAD),
    (("log", "heads", 0, "batch"), +1, r"log: heads\[0\] is batch 2; heads must be every"),
    (("manifest", "rule", "min_total"), -1, CTX),
    (("dkg", "deals", 0, "dealer"), +1, r"dkg: the record must hold one deal per trustee"),
    (("rounds", 0, "number"), +1, r"rounds: rounds\[0\] is numbered 2"),
    ((*ENTRY, 3, "leaf_index"), +1, r"round 1: entries must be listed once each in leaf order"),
    ((*ENTRY, 22, "leaf_index"), +1, r"round 1, leaf 24: not an entry the round froze \(its "
                                     r"round-frozen event, leaf 25, does not list it\)"),
    ((*ENTRY, 22, "leaf_index"), +4, r"round 1, leaf 27: not an entry the round froze"),
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
    ("revealed", False, r"outcome: the record says threshold_met is false but the log froze "
                        r"round 1 at leaf 25"),
    ("open", True, r"outcome: the record says open but the log says revealed"),
    ("expired", True, r"outcome: the record says expired but the log says revealed"),
    ("closed", True, r"outcome: the record says closed but the log says revealed"),
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
    (17, r"log: the Merkle root of leaves 0\.\.25 does not match"),
    (28, r"log: the head of batch 4 \(size 29\) covers more leaves than the record holds"),
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
    assert_fails(verify, doc, r"round 1, leaf 5: the round froze it, but the record reveals no "
                              r"ciphertext for it")


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
        "leaf_index": 1, "ciphertext": withdrawn.ciphertext.hex(),
        "opening": json.loads(canonical_json(withdrawn.opening.doc())), "partials": {},
        "payload": withdrawn.payload.hex()})
    assert_fails(verify, doc, r"round 1, leaf 1: not an entry the round froze")


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


def relogged(c: Campaign, doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with round 1's round-revealed event rewritten to the digest of the openings and
    partials ``doc`` now holds, its heads re-signed with the log's own key and cosigned by every
    witness: what a server colluding with the witnesses could publish."""
    by_leaf = {e["leaf_index"]: (parse_opening(e["opening"]),
                                 {int(j): bytes.fromhex(v) for j, v in e["partials"].items()})
               for e in doc["rounds"][0]["entries"]}
    leaves = doc["log"]["leaves"]
    for i, data in enumerate(leaves):
        leaf = log_leaves.parse_leaf(bytes.fromhex(data))
        if isinstance(leaf, log_leaves.EventLeaf) and leaf.event == "round-revealed" and leaf.round == 1:
            leaves[i] = log_leaves.encode_leaf(log_leaves.EventLeaf(
                "round-revealed", round=1, digest=round_digest(by_leaf))).hex()
    return resign(doc, c.log_seed, c.witness_seeds)


@pytest.mark.parametrize("collude", [False, True], ids=["tampered", "relogged"])
def test_t_minus_one_partials_fail(verify: Verify, full: Campaign, full_record: dict[str, Any],
                                   collude: bool) -> None:
    doc = copy.deepcopy(full_record)
    del doc["rounds"][0]["entries"][3]["partials"]["5"]
    if not collude:
        assert_fails(verify, doc, DIGEST)
        return
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 4: 2 valid partial decryptions; t = 3 are needed")


@pytest.mark.parametrize("collude", [False, True], ids=["tampered", "relogged"])
def test_a_valid_partial_of_another_entry_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], collude: bool
) -> None:
    doc = copy.deepcopy(full_record)
    entries = doc["rounds"][0]["entries"]
    entries[3]["partials"]["3"] = entries[4]["partials"]["3"]
    if not collude:
        assert_fails(verify, doc, DIGEST)
        return
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 4: trustee 3's partial decryption does not verify")


@pytest.mark.parametrize("collude", [False, True], ids=["tampered", "relogged"])
def test_a_partial_for_another_trustee_index_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], collude: bool
) -> None:
    doc = copy.deepcopy(full_record)
    partials = doc["rounds"][0]["entries"][0]["partials"]
    partials["2"] = partials.pop("1")
    if not collude:
        assert_fails(verify, doc, DIGEST)
        return
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 0: trustee 2's partial decryption does not verify")


def test_the_relogged_record_itself_verifies(verify: Verify, full: Campaign,
                                             full_record: dict[str, Any]) -> None:
    # The helper above changes nothing but what each test changes.
    assert verify(relogged(full, copy.deepcopy(full_record)))[0] == 0


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


# --- v2: the log's key, the lifecycle, the witnesses (issue 14's tamper list) --------------


FORGED = b"\x07" * 32  # a forger's log key seed


def _without_leaf(record: dict[str, Any], index: int) -> dict[str, Any]:
    """``record`` with leaf ``index`` (an entry of round 1) deleted everywhere a forger would
    delete it: the leaves, the heads' sizes, round 1's entries; later leaf indices shift."""
    doc = copy.deepcopy(record)
    del doc["log"]["leaves"][index]
    entries = doc["rounds"][0]["entries"]
    entries[:] = [{**e, "leaf_index": e["leaf_index"] - (e["leaf_index"] > index)}
                  for e in entries if e["leaf_index"] != index]
    for head in doc["log"]["heads"]:
        head["size"] -= head["size"] > index
    return doc


def _swapped(record: dict[str, Any], a: int, b: int) -> dict[str, Any]:
    """Leaves ``a`` and ``b`` (entries of round 1, in one batch) swapped, with their entries."""
    doc = copy.deepcopy(record)
    leaves = doc["log"]["leaves"]
    leaves[a], leaves[b] = leaves[b], leaves[a]
    entries = {e["leaf_index"]: e for e in doc["rounds"][0]["entries"]}
    entries[a], entries[b] = {**entries[b], "leaf_index": a}, {**entries[a], "leaf_index": b}
    doc["rounds"][0]["entries"] = [entries[i] for i in sorted(entries)]
    return doc


def _new_withdrawal_key(record: dict[str, Any], index: int) -> dict[str, Any]:
    doc = copy.deepcopy(record)
    leaf = json.loads(bytes.fromhex(doc["log"]["leaves"][index]))
    leaf["withdrawal_key"] = bytes(SigningKey(b"\x05" * 32).verify_key).hex()
    doc["log"]["leaves"][index] = canonical_json(leaf).hex()
    return doc


def _empty_batch(record: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(record)
    heads = doc["log"]["heads"]
    heads.append({**heads[-1], "batch": len(heads) + 1, "timestamp": heads[-1]["timestamp"] + 900})
    doc["exported_at"] += 900
    return doc


@pytest.mark.parametrize("change", ["nothing else", "a signer removed", "a head's size changed",
                                    "a withdrawal key changed", "two leaves swapped",
                                    "an empty batch appended"])
def test_a_log_resigned_with_another_key_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], change: str
) -> None:
    doc = copy.deepcopy(full_record)
    sizes = None
    if change == "a signer removed":
        doc = _without_leaf(doc, 5)
    elif change == "a head's size changed":
        sizes = [8, 16, 26, 28]
        del doc["log"]["leaves"][28]
    elif change == "a withdrawal key changed":
        doc = _new_withdrawal_key(doc, 12)
    elif change == "two leaves swapped":
        doc = _swapped(doc, 17, 18)
    elif change == "an empty batch appended":
        doc = _empty_batch(doc)
    # The forger even has every witness cosign its heads: the key is still not the manifest's.
    forged = resign(doc, FORGED, full.witness_seeds, sizes=sizes)
    assert_fails(verify, forged, r"log: the signature of the head of batch 1 \(size [78]\) does not "
                                 r"verify under the manifest's log_key")


@pytest.mark.parametrize(("change", "pattern"), [
    ("nothing else", r"witnesses: the head of batch 4 \(size 29\) holds an event \(leaf 28\) but "
                     r"neither it nor a later head has w = 3 cosignatures \(it has 0\)"),
    ("a withdrawal key changed", r"witnesses: the head of batch 4 \(size 29\) holds an event"),
    ("a signer removed", r"lifecycle: leaf 24: round 1 lists leaf 23, which is not a live entry it "
                         r"may reveal"),
    ("a head's size changed", r"rounds: the record says round 1 is revealed but the log froze it "
                              r"at leaf 25 and has not revealed it"),
    ("two leaves swapped", DIGEST),
])
def test_a_log_rewritten_by_the_server_alone_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], change: str, pattern: str
) -> None:
    # The log's own key, but no witness cosigns the rewritten heads.
    doc, sizes = copy.deepcopy(full_record), None
    if change == "a withdrawal key changed":
        doc = _new_withdrawal_key(doc, 12)
    elif change == "a signer removed":
        doc = _without_leaf(doc, 5)
    elif change == "a head's size changed":
        sizes = [8, 16, 26, 28]
        del doc["log"]["leaves"][28]
    elif change == "two leaves swapped":
        doc = _swapped(doc, 17, 18)
    assert_fails(verify, resign(doc, full.log_seed, {}, sizes=sizes), pattern)


def test_a_forged_log_key_in_the_manifest_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    doc = resign(copy.deepcopy(full_record), FORGED, full.witness_seeds)
    doc["manifest"]["log_key"] = bytes(SigningKey(FORGED).verify_key).hex()
    assert_fails(verify, doc, CTX)
    doc["ctx"] = manifest_ctx(doc["manifest"]).hex()  # the forger recomputes ctx: the ceremony
    assert_fails(verify, doc, DEAL)  # signed the real one


@pytest.mark.parametrize(("field", "delta"), [("k", +1), ("k", +3)])
def test_a_changed_k_with_ctx_recomputed_fails(
    verify: Verify, full_record: dict[str, Any], field: str, delta: int
) -> None:
    doc = copy.deepcopy(full_record)
    doc["manifest"][field] += delta
    assert_fails(verify, doc, CTX)
    doc["ctx"] = manifest_ctx(doc["manifest"]).hex()
    assert_fails(verify, doc, DEAL)


def test_a_changed_w_is_refused_naming_w(verify: Verify, small: Campaign) -> None:
    # 2-of-3: the witnesses are the three trustees and w = 2 is the only quorum the rule allows.
    record = plain(small.record())
    for w in (1, 3):
        doc = copy.deepcopy(record)
        doc["manifest"]["w"] = w
        assert_fails(verify, doc, r"field manifest: field w: w must (be a majority|not exceed t)")


def test_a_dropped_round_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    doc["rounds"] = []
    doc["outcome"] = {"state": "open", "threshold_met": False}
    assert_fails(verify, doc, r"rounds: the record lists 0 rounds but the log froze round 1 "
                              r"at leaf 25")


def test_a_round_turned_back_to_pending_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    doc["rounds"][0].update(status="pending", entries=[])
    doc["outcome"]["state"] = "open"
    assert_fails(verify, doc, r"rounds: the record says round 1 is pending but the log revealed "
                              r"it at leaf 28")
    doc["rounds"][0]["status"] = "abandoned"
    assert_fails(verify, doc, r"rounds: the record says round 1 is abandoned but the log "
                              r"revealed it at leaf 28")


def test_a_round_the_log_never_froze_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    doc["rounds"].append({"number": 2, "status": "pending", "entries": []})
    assert_fails(verify, doc, r"rounds: the record lists round 2 but the log never froze it")


def test_revealed_turned_to_closed_fails(verify: Verify, full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    doc["outcome"]["state"] = "closed"
    assert_fails(verify, doc, r"outcome: the record says closed but the log says revealed")


def _sign_all(c: Campaign, labs: str) -> list[int]:
    return [c.add(c.sign(f"lab-{letter}", f"Signer {len(c.leaves)}")) for letter in labs]


def test_a_round_pointed_at_an_earlier_head_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], small: Campaign
) -> None:
    # Moving round 1's freeze to batch 2 changes the log: without the log key, the heads fail.
    doc = copy.deepcopy(full_record)
    leaves = doc["log"]["leaves"]
    leaves.insert(16, leaves.pop(25))
    assert_fails(verify, resign(copy.deepcopy(doc), FORGED, full.witness_seeds), HEAD)
    # With the log key and every witness (a server colluding with them), the lifecycle refuses
    # a round listing entries that are not in the log yet...
    assert_fails(verify, resign(doc, full.log_seed, full.witness_seeds),
                 r"lifecycle: leaf 16: round 1 lists leaf 16, which is not a live entry it may "
                 r"reveal")
    # ... and a freeze, listing the right entries, where the rule did not hold yet.
    _sign_all(small, "aab")
    small.freeze_round()
    small.publish()
    small.reveal(1, (1, 2))
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"round 1: the threshold rule does not hold where it froze \(the head of batch 1 "
                 r"\(size 4\): 3 live entries for min_total = 4, 1 lab reached for min_labs = 2\)")


def test_a_late_freeze_is_not_visible_to_the_public(verify: Verify, small: Campaign) -> None:
    # The rule held at batch 1 (2 at lab a, 2 at lab b) but round 1 froze in batch 2: the log
    # shows no lab, so only the trustees, who hold every live entry's opening, can refuse it
    # (pledge-trustee decrypt). The record verifies; docs/protocol.md says who checks what.
    _sign_all(small, "aabb")
    small.publish()
    _sign_all(small, "a")
    small.freeze_round()
    small.publish()
    assert verify(plain(small.record()))[0] == 0


def _expired(small: Campaign) -> Campaign:
    """Two signers at lab a, then the deadline passes: expired, trustees 1 and 3 destroy."""
    _sign_all(small, "aa")
    small.publish()
    small.end_signing()
    small.publish(small.deadline_ts)
    small.destroy(1)
    small.destroy(3)
    small.publish()
    return small


def test_an_expired_campaign_verifies(verify: Verify, small: Campaign) -> None:
    code, out, _ = verify(plain(_expired(small).record()))
    assert code == 0, out
    assert "outcome: expired; 2 of 3 trustees confirmed destroying their share" in out


def test_expired_turned_to_open_fails(verify: Verify, small: Campaign) -> None:
    c = _expired(small)
    doc = plain(c.record())
    doc["outcome"]["state"] = "open"
    assert_fails(verify, doc, r"outcome: the record says open but the log says expired")
    # Without the expired event (and the destructions after it), a head past the deadline
    # cannot pass: re-signed with another key the heads fail, with the log's own key the
    # lifecycle does.
    doc = plain(c.record())
    del doc["log"]["leaves"][2:]
    sizes = [2, 2, 2]
    assert_fails(verify, resign(copy.deepcopy(doc), FORGED, c.witness_seeds, sizes=sizes), HEAD)
    assert_fails(verify, resign(doc, c.log_seed, c.witness_seeds, sizes=sizes),
                 r"lifecycle: batch 2 is the first at or after the deadline but has no deadline "
                 r"event")


def test_an_entry_after_the_deadline_event_fails(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aa")
    small.publish()
    small.end_signing()
    small.publish(small.deadline_ts)
    _sign_all(small, "b")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 3: an entry or withdrawal after the deadline event")


def test_a_destroy_confirmation_that_does_not_verify_fails(verify: Verify, small: Campaign) -> None:
    c = _expired(small)
    c.leaves[-1] = log_leaves.encode_leaf(log_leaves.EventLeaf(
        "share-destroyed", trustee=2, signature=log_leaves.parse_leaf(c.leaves[-1]).signature))
    c.heads.pop()
    c.publish()
    assert_fails(verify, plain(c.record()),
                 r"lifecycle: leaf 4: trustee 2's destroy confirmation does not verify")
    c.leaves[-1] = log_leaves.encode_leaf(log_leaves.EventLeaf(
        "share-destroyed", trustee=4, signature=bytes(64)))
    c.heads.pop()
    c.publish()
    assert_fails(verify, plain(c.record()),
                 r"lifecycle: leaf 4: share-destroyed names trustee 4, but the trustees are 1\.\.3")


# --- cosignatures ---------------------------------------------------------------------------


def _trustee_key(full: Campaign, j: int) -> str:
    return full.trustee_key(j).hex()


def test_a_cosignature_removed_below_w_on_an_event_head_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    cosignatures = doc["log"]["heads"][3]["cosignatures"]
    for j in (1, 2, 3):
        del cosignatures[_trustee_key(full, j)]
    assert_fails(verify, doc, r"witnesses: the head of batch 4 \(size 29\) holds an event \(leaf "
                              r"28\) but neither it nor a later head has w = 3 cosignatures "
                              r"\(it has 2\)")


def test_an_event_head_below_w_is_covered_by_a_later_head(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    # Batch 3 (round 1 frozen) keeps one cosignature: batch 4's head, with five, confirms it.
    doc = copy.deepcopy(full_record)
    cosignatures = doc["log"]["heads"][2]["cosignatures"]
    for j in (1, 2, 3, 4):
        del cosignatures[_trustee_key(full, j)]
    assert verify(doc)[0] == 0


def test_a_cosignature_by_a_key_the_manifest_does_not_list_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    head = doc["log"]["heads"][1]
    stranger = b"\x09" * 32
    key = bytes(SigningKey(stranger).verify_key).hex()
    head["cosignatures"][key] = merkle.sign_cosignature(
        stranger, full.campaign_id, head["size"], head["timestamp"], bytes.fromhex(head["root"])).hex()
    assert_fails(verify, doc, rf"log: the head of batch 2 \(size 16\) carries a cosignature by key "
                              rf"{key}, which is not a witness of the manifest")


def test_a_cosignature_that_does_not_verify_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    doc = copy.deepcopy(full_record)
    heads = doc["log"]["heads"]
    key = _trustee_key(full, 4)
    heads[1]["cosignatures"][key] = heads[2]["cosignatures"][key]  # a valid one, of another head
    assert_fails(verify, doc, r"log: the cosignature of the head of batch 2 \(size 16\) by witness "
                              r"'Trustee 4' \(key [0-9a-f]{64}\) does not verify")


# --- a record cut at an earlier head --------------------------------------------------------


def cut(full: Campaign, record: dict[str, Any], heads: int) -> dict[str, Any]:
    """``record`` cut at its head of batch ``heads`` (1 or 2: before any round), exported when
    the whole record was."""
    doc = copy.deepcopy(record)
    size = doc["log"]["heads"][heads - 1]["size"]
    doc["log"]["leaves"] = doc["log"]["leaves"][:size]
    doc["log"]["heads"] = doc["log"]["heads"][:heads]
    doc["rounds"] = []
    doc["outcome"] = {"state": "open", "threshold_met": False}
    counts = dict.fromkeys(full.token_keys, 0)
    for i, entry in full.entries.items():
        if i < size:
            counts[entry.lab] += 1
    reached = sorted(lab for lab, count in counts.items() if count >= full.rule[1])
    doc["counts"] = {"head_size": size, "labs_reached": reached}
    return doc


def witness_head(full: Campaign, j: int, batch: int, *, root: bytes | None = None) -> dict[str, Any]:
    """Trustee ``j``'s published witness head file for the head of ``batch`` (``root``: a
    different root it was shown, for a fork)."""
    _, size, timestamp, real_root, _, _ = full.heads[batch - 1]
    root = real_root if root is None else root
    key = full.trustee_key(j)
    return {"v": VERSION, "kind": "witness-head", "campaign": full.manifest["id"],
            "witness": key.hex(), "size": size, "timestamp": timestamp, "root": root.hex(),
            "cosignature": merkle.sign_cosignature(full.witness_seeds[key], full.campaign_id, size,
                                                   timestamp, root).hex()}


def test_a_cut_record_is_incomplete_without_a_witness(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    code, out, err = verify(cut(full, full_record, 2))
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("pledge-verify: INCOMPLETE: the latest head with w = 3 "
                               "cosignatures, the head of batch 2 (size 16) of 2030-03-17 "
                               "18:15:00 UTC, is more than twice the batch interval (900 s) "
                               "older than the record, exported 2030-03-17 18:46:00 UTC; "
                               "campaign “No unsafe deployment” (")
    assert lines[-1] == "outcome: not confirmed (the record is incomplete)"
    assert "closed" not in out and "expired" not in out


def test_a_cut_record_is_refused_with_a_witness_head(
    verify: Verify, full: Campaign, full_record: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "witness-head.json"
    path.write_text(json.dumps(witness_head(full, 2, 4)))
    doc = cut(full, full_record, 2)
    code, out, err = verify(doc, "--witness", str(path))
    assert (code, out) == (1, "")
    assert re.search(r"pledge-verify: FAILED: the record is cut: witness 'Trustee 2' has a head "
                     r"of size 29 \(.*\), larger than the record's latest head \(size 16\)", err), err
    # The whole record holds that head.
    code, out, _ = verify(full_record, "--witness", str(path))
    assert code == 0
    assert ("witness 'Trustee 2': cosigned the head of size 29 (2030-03-17 18:45:00 UTC); the "
            "record holds it (its latest head has size 29)") in out


def test_a_forked_record_is_refused_with_a_witness_head(
    verify: Verify, full: Campaign, full_record: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "witness-head.json"
    path.write_text(json.dumps(witness_head(full, 5, 2, root=b"\x01" * 32)))
    code, _, err = verify(full_record, "--witness", str(path))
    assert code == 1
    assert "FAILED: fork: witness 'Trustee 5' has a head of size 16 whose root differs from the " \
           "record's leaves 0..15" in err


@pytest.mark.parametrize(("change", "pattern"), [
    ("cosignature", r"witness 'Trustee 2''s cosignature does not verify"),
    ("witness", r"key [0-9a-f]{64} is not a witness of the manifest"),
    ("campaign", r"the witness head is for another campaign than the record's"),
    ("kind", r"is not a witness-head file \(kind is .witness-state.\)"),
    ("extra", r"unknown field extra"),
])
def test_a_bad_witness_head_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], tmp_path: Path, change: str,
    pattern: str
) -> None:
    head = witness_head(full, 2, 3)
    if change == "cosignature":
        head["cosignature"] = witness_head(full, 2, 2)["cosignature"]
    elif change == "witness":
        head["witness"] = "ab" * 32
    elif change == "campaign":
        head["campaign"] = "0" * 32
    elif change == "kind":
        head["kind"] = "witness-state"
    else:
        head["extra"] = 1
    path = tmp_path / "witness-head.json"
    path.write_text(json.dumps(head))
    code, _, err = verify(full_record, "--witness", str(path))
    assert code == 1 and re.search(pattern, err), err


def test_a_missing_witness_file_is_a_file_problem(
    verify: Verify, full_record: dict[str, Any], tmp_path: Path
) -> None:
    code, _, err = verify(full_record, "--witness", str(tmp_path / "missing.json"))
    assert code == 5 and "pledge-verify: error: " in err


def heads_page(c: Campaign, *, heads: int | None = None, cosigners: int | None = None) -> bytes:
    """The site's ``log/heads`` reply for ``c``'s first ``heads`` heads, each cosigned by its
    first ``cosigners`` cosigners (default all)."""
    listed = c.heads if heads is None else c.heads[:heads]
    return json.dumps({
        "log_id": c.campaign_id.hex(), "log_key": bytes(SigningKey(c.log_seed).verify_key).hex(),
        "heads": [{"batch": b, "size": s, "timestamp": ts, "root": r.hex(), "signature": sig.hex(),
                   "cosignatures": {k.hex(): v.hex() for k, v in list(cosigs.items())[:cosigners]}}
                  for b, s, ts, r, sig, cosigs in listed]}).encode()


def _heads_path(c: Campaign) -> str:
    return f"/api/campaigns/{c.manifest['slug']}/log/heads"


def test_a_cut_record_is_refused_with_the_server(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    url, pages = site
    pages[_heads_path(full)] = heads_page(full)
    code, out, err = verify(cut(full, full_record, 2), "--server", url)
    assert (code, out) == (1, "")
    assert re.search(r"FAILED: the record is cut: the server has a head of size 29 \(.*\), "
                     r"larger than the record's latest head \(size 16\)", err), err
    code, out, err = verify(full_record, "--server", url)
    assert (code, err) == (0, "")
    assert "the server: its latest head with w cosignatures has size 29" in out


def test_the_server_compares_only_heads_with_w_cosignatures(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    # The server's head of batch 4 has two cosignatures (w = 3): the record cut at batch 3 is
    # not refused for it, only reported incomplete if it is old.
    url, pages = site
    listed = json.loads(heads_page(full))
    del listed["heads"][3]["cosignatures"][_trustee_key(full, 1)]
    del listed["heads"][3]["cosignatures"][_trustee_key(full, 2)]
    del listed["heads"][3]["cosignatures"][_trustee_key(full, 3)]
    pages[_heads_path(full)] = json.dumps(listed).encode()
    code, out, err = verify(cut(full, full_record, 2), "--server", url)
    assert re.search(r"FAILED: the record is cut: the server has a head of size 26", err), err
    pages[_heads_path(full)] = heads_page(full, cosigners=2)
    code, out, err = verify(full_record, "--server", url)
    assert code == 0, err
    assert "the server: no head has w = 3 cosignatures there" in out


def test_a_forked_record_is_refused_with_the_server(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    # The record a colluding log and witnesses made for this reader swaps two leaves; the
    # server shows everyone else the genuine log.
    url, pages = site
    pages[_heads_path(full)] = heads_page(full, heads=2)
    genuine = resign(copy.deepcopy(cut(full, full_record, 2)), full.log_seed, full.witness_seeds)
    assert verify(genuine, "--server", url)[0] == 0
    swapped = copy.deepcopy(cut(full, full_record, 2))
    leaves = swapped["log"]["leaves"]
    leaves[3], leaves[4] = leaves[4], leaves[3]
    code, _, err = verify(resign(swapped, full.log_seed, full.witness_seeds), "--server", url)
    assert code == 1
    assert "FAILED: fork: the server has a head of size 16 whose root differs from the record's " \
           "leaves 0..15" in err


def test_a_server_for_another_log_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    url, pages = site
    listed = json.loads(heads_page(full))
    listed["log_id"] = full.manifest["id"]  # the id itself, not the hex of its bytes
    pages[_heads_path(full)] = json.dumps(listed).encode()
    code, _, err = verify(full_record, "--server", url)
    assert code == 1 and "they are for another log than the record's" in err


def test_a_server_with_another_log_key_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    url, pages = site
    listed = json.loads(heads_page(full))
    listed["log_key"] = "00" * 32
    pages[_heads_path(full)] = json.dumps(listed).encode()
    code, _, err = verify(full_record, "--server", url)
    assert code == 1 and "the server's log key is not the manifest's log_key" in err


def test_an_unreachable_or_refusing_server(
    verify: Verify, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    url, _ = site  # no page: the server answers 404 with its error body
    code, _, err = verify(full_record, "--server", url)
    assert code == 4 and "No such page." in err
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = verify(full_record, "--server", f"http://127.0.0.1:{port}")
    assert code == 6 and err.startswith("pledge-verify: error: cannot reach"), err


def test_a_witness_head_fetched_from_a_url(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    url, pages = site
    pages["/witness/head.json"] = json.dumps(witness_head(full, 3, 4)).encode()
    code, _, err = verify(cut(full, full_record, 2), "--witness", f"{url}/witness/head.json")
    assert code == 1 and "the record is cut: witness 'Trustee 3' has a head of size 29" in err


def test_a_witness_url_is_fetched_safely(
    verify: Verify, full: Campaign, full_record: dict[str, Any], site: tuple[str, dict[str, bytes | str]]
) -> None:
    url, pages = site
    pages["/witness/head.json"] = json.dumps(witness_head(full, 3, 4)).encode()
    pages["/moved"] = f"{url}/witness/head.json"
    code, _, err = verify(full_record, "--witness", f"{url}/moved")
    assert code == 4 and "HTTP 302" in err  # no redirect is followed
    code, _, err = verify(full_record, "--witness", "http://witness.example/head.json")
    assert code == 1 and "use https://" in err  # plain http only to this machine
    code, out, _ = verify(full_record, "--witness", f"{url}/witness/head.json")
    assert code == 0 and "witness 'Trustee 3': cosigned the head of size 29" in out
