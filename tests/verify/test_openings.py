"""First movers in the record: the log shows no lab, a revealed entry's opening shows its lab, and
``pledge-verify`` refuses a round that reveals a lab below k, an opening that does not open its
leaf, and a ``labs_reached`` the openings contradict (docs/protocol.md §7, §8, §12).

The full campaign's tampered copies are "relogged" (test_tamper.relogged): the server, with the
witnesses, rewrites the round-revealed digest (and, where said, the entry's leaf) and re-signs
every head, so that the opening checks themselves are reached.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto import blindrsa, log_leaves
from crypto.hashing import canonical_json
from crypto.opening import Opening, parse_opening

from .campaign import Campaign, plain
from .conftest import LABS, Verify
from .test_tamper import assert_fails, relogged


def _sign_all(c: Campaign, labs: str) -> list[int]:
    return [c.add(c.sign(f"lab-{letter}", f"Signer {len(c.leaves)}")) for letter in labs]


@pytest.fixture
def three(token_keys: dict[str, rsa.RSAPrivateKey]) -> Campaign:
    """A 2-of-3 campaign at labs a, b and c, k = 2, whose rule is 4 overall and 2 at one lab."""
    c = Campaign(t=2, n=3, token_keys=token_keys, rule=(4, 2, 1))
    c.freeze()
    return c


def _round_one_without_lab_c(c: Campaign, *, leaves: list[int] | None = None) -> Campaign:
    """Labs a and b sign twice, lab c once: round 1 lists a and b (``leaves``: what a
    misbehaving server lists instead) and is revealed."""
    _sign_all(c, "aabbc")
    c.freeze_round(leaves)
    c.publish()
    c.reveal(1, (1, 2))
    c.publish()
    return c


# --- the log and the counts show no lab ------------------------------------------------------


def test_no_leaf_and_no_count_names_a_lab_before_a_reveal(three: Campaign) -> None:
    _sign_all(three, "aabc")
    three.publish()
    record = plain(three.record())
    for data in record["log"]["leaves"]:
        leaf = json.loads(bytes.fromhex(data))
        assert sorted(leaf) == ["ciphertext_sha256", "kind", "lab_commitment", "nullifier", "v",
                                "withdrawal_key"]
    # Lab a has reached the per-lab minimum (2): that and the total are all the public learns.
    assert record["counts"] == {"head_size": 4, "labs_reached": ["lab-a"]}
    assert record["rounds"] == []
    text = json.dumps({key: value for key, value in record.items() if key not in ("manifest", "counts")})
    for slug in LABS:
        assert slug not in text
        assert slug.encode().hex() not in text


def test_a_round_one_that_leaves_a_lab_below_k_waiting_verifies(verify: Verify, three: Campaign) -> None:
    c = _round_one_without_lab_c(three)
    assert c.rounds[0]["leaves"] == [0, 1, 2, 3]
    c.withdraw(4)  # lab c's waiting entry can still be withdrawn
    c.publish()
    code, out, err = verify(plain(c.record()))
    assert code == 0, err
    assert ("entries: 4 live at the latest head; revealed, per lab: Lab-A 2, Lab-B 2 (4 in all); "
            "0 still sealed") in out
    assert "labs at the per-lab minimum (2), as stated for the head of size 6: Lab-A, Lab-B" in out


# --- a round that reveals a lab below k ------------------------------------------------------


def test_a_round_that_reveals_a_lab_below_k_fails(verify: Verify, three: Campaign) -> None:
    c = _round_one_without_lab_c(three, leaves=[0, 1, 2, 3, 4])
    assert_fails(verify, plain(c.record()), r"round 1 reveals lab 'lab-c' with 1 entry, fewer than k = 2")


def _k3_story(keys: dict[str, rsa.RSAPrivateKey], *, reveal_the_lone_late_signer: bool) -> Campaign:
    """k = 3, labs a, b, c, d with 5, 3, 2 and 1 live entries when the rule (11 overall, 3 at 2
    labs) is met. Round 1 reveals a and b. Before the deadline one of c's waiting entries is
    withdrawn and two more sign there, one late signer signs at a and three at b. The deadline
    round reveals c (3 entries) and b's 3 new ones, not a's lone late signer (unless a
    misbehaving server lists it) nor d; then the campaign closes."""
    c = Campaign(t=2, n=3, token_keys=keys, rule=(11, 3, 2), k=3)
    c.freeze()
    waiting = _sign_all(c, "aaaaabbbccd")
    c.freeze_round()
    c.publish()
    assert c.rounds[0]["leaves"] == waiting[:8]
    late = _sign_all(c, "cc")
    c.withdraw(waiting[8])
    lone, at_b = _sign_all(c, "a"), _sign_all(c, "bbb")
    c.reveal(1, (1, 3))
    c.publish()
    deadline_round = sorted([waiting[9], *late, *at_b])
    if reveal_the_lone_late_signer:
        c.freeze_round(sorted([*deadline_round, *lone]))
    else:
        assert c.end_signing() == "round-frozen"
        assert c.rounds[1]["leaves"] == deadline_round
    c.publish(c.deadline_ts)
    c.reveal(2, (2, 3))
    c.publish()
    c.close()
    c.publish()
    return c


def test_the_k3_story_verifies_and_a_lone_late_signer_revealed_fails(
    verify: Verify, token_keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    keys = {**token_keys, "lab-d": blindrsa.generate_key()}
    code, out, err = verify(plain(_k3_story(keys, reveal_the_lone_late_signer=False).record()))
    assert code == 0, err
    assert ("entries: 16 live at the latest head; revealed, per lab: Lab-A 5, Lab-B 6, Lab-C 3 (14 "
            "in all); 2 still sealed (their labs are not public)") in out
    assert "labs at the per-lab minimum (3), as stated for the head of size 12: Lab-A, Lab-B" in out
    assert_fails(verify, plain(_k3_story(keys, reveal_the_lone_late_signer=True).record()),
                 r"round 2 reveals lab 'lab-a' with 1 entry, fewer than k = 3")


# --- openings that do not open their leaf ----------------------------------------------------


def _opening_of(doc: dict[str, Any], position: int) -> Opening:
    return parse_opening(doc["rounds"][0]["entries"][position]["opening"])


def _set_opening(doc: dict[str, Any], position: int, opening: Opening, *, recommit: bool = False,
                 nullifier: bool = False) -> None:
    """Put ``opening`` on round 1's entry at ``position``; ``recommit``: the server also rewrites
    the entry's leaf to the opening's commitment (``nullifier``: and to its token's nullifier)."""
    entry = doc["rounds"][0]["entries"][position]
    entry["opening"] = json.loads(canonical_json(opening.doc()))
    if recommit:
        i = entry["leaf_index"]
        leaf = log_leaves.parse_leaf(bytes.fromhex(doc["log"]["leaves"][i]))
        assert isinstance(leaf, log_leaves.EntryLeaf)
        doc["log"]["leaves"][i] = log_leaves.encode_leaf(log_leaves.EntryLeaf(
            lab_commitment=opening.commitment,
            nullifier=opening.nullifier if nullifier else leaf.nullifier,
            ciphertext_sha256=leaf.ciphertext_sha256, withdrawal_key=leaf.withdrawal_key)).hex()


@pytest.mark.parametrize("change", ["nonce", "lab"])
def test_an_opening_changed_fails(verify: Verify, full: Campaign, full_record: dict[str, Any],
                                  change: str) -> None:
    doc = copy.deepcopy(full_record)
    opening = _opening_of(doc, 3)
    if change == "nonce":
        changed = Opening(opening.slug, opening.prepared_message, opening.token_signature,
                          bytes([opening.nonce[0] ^ 1]) + opening.nonce[1:])
    else:
        changed = Opening("lab-a", opening.prepared_message, opening.token_signature, opening.nonce)
    _set_opening(doc, 3, changed)
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 4: the opening does not match the entry's lab commitment")


def test_an_opening_naming_another_lab_than_its_token_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any]
) -> None:
    # The server even commits the leaf to the other lab: the token inside says otherwise.
    doc = copy.deepcopy(full_record)
    opening = _opening_of(doc, 3)
    assert opening.slug == "lab-b"
    _set_opening(doc, 3, Opening("lab-a", opening.prepared_message, opening.token_signature,
                                 opening.nonce), recommit=True)
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 4: the opening names lab 'lab-a' but its token is for lab 'lab-b'")


def test_an_opening_of_another_entry_fails(verify: Verify, full: Campaign,
                                           full_record: dict[str, Any]) -> None:
    doc = copy.deepcopy(full_record)
    _set_opening(doc, 3, _opening_of(doc, 4))
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 4: the opening does not match the entry's lab commitment")
    # Committed to in the leaf too, the other entry's token still has the other nullifier.
    doc = copy.deepcopy(full_record)
    _set_opening(doc, 3, _opening_of(doc, 4), recommit=True)
    assert_fails(verify, relogged(full, doc),
                 r"round 1, leaf 4: the opening's token is not the entry's \(its nullifier differs\)")


@pytest.mark.parametrize(("campaign", "signer", "pattern"), [
    (None, "lab-a", r"round 1, leaf 4: the opening's token signature does not verify under lab 'lab-b''s "
                    r"key"),
    (b"another campaign", "lab-b", r"round 1, leaf 4: the opening's token is for another campaign"),
])
def test_an_opening_with_a_token_not_of_its_lab_fails(
    verify: Verify, full: Campaign, full_record: dict[str, Any], campaign: bytes | None, signer: str,
    pattern: str
) -> None:
    # A token message for lab b, signed with lab a's key (or lab b's, for another campaign);
    # the server rewrites the leaf to its commitment and nullifier.
    prepared = blindrsa.prepare(blindrsa.token_message(campaign or full.campaign_id, "lab-b"))
    key = full.token_keys[signer]
    blinded, inv = blindrsa.blind(key.public_key(), prepared)
    signature = blindrsa.finalize(key.public_key(), prepared, blindrsa.blind_sign(key, blinded), inv)
    doc = copy.deepcopy(full_record)
    _set_opening(doc, 3, Opening("lab-b", prepared, signature, b"\x01" * 32), recommit=True,
                 nullifier=True)
    assert_fails(verify, relogged(full, doc), pattern)


# --- labs_reached against round 1's openings -------------------------------------------------


@pytest.mark.parametrize(("reached", "pattern"), [
    (["lab-a", "lab-b", "lab-c"], r"counts: labs_reached lists lab 'lab-c', but round 1 reveals 0 of "
                                  r"its entries \(min_per_lab = 2\)"),
    (["lab-a"], r"counts: round 1 reveals 2 entries of lab 'lab-b' \(min_per_lab = 2\), but "
                r"labs_reached does not list it"),
    (["lab-a", "lab-z"], r"counts: labs_reached lists 'lab-z', which is not a lab of the manifest"),
])
def test_labs_reached_that_the_openings_contradict_fails(
    verify: Verify, three: Campaign, reached: list[str], pattern: str
) -> None:
    record = plain(_round_one_without_lab_c(three).record())
    assert record["counts"]["labs_reached"] == ["lab-a", "lab-b"]
    record["counts"]["labs_reached"] = reached
    assert_fails(verify, record, pattern)


def test_labs_reached_that_break_the_rule_at_the_freeze_fails(
    verify: Verify, small: Campaign
) -> None:
    # Rule: 2 at each of 2 labs. The record's own counts say one lab reached it.
    _sign_all(small, "aabb")
    small.freeze_round()
    small.publish()
    record = plain(small.record())
    record["counts"]["labs_reached"] = ["lab-a"]
    assert_fails(verify, record, r"round 1: the threshold rule does not hold where it froze \(the head "
                                 r"of batch 1 \(size 5\): 4 live entries for min_total = 4, 1 lab "
                                 r"reached for min_labs = 2\)")


def test_labs_reached_without_a_per_lab_rule_fails(
    verify: Verify, token_keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    c = Campaign(t=2, n=3, token_keys=token_keys, rule=(3, 0, 0))
    c.freeze()
    _sign_all(c, "aa")
    c.publish()
    record = plain(c.record())
    assert record["counts"]["labs_reached"] == []
    assert verify(record)[0] == 0
    record["counts"]["labs_reached"] = ["lab-a"]
    assert_fails(verify, record, r"counts: labs_reached lists labs, but the rule has no per-lab minimum")


def test_a_per_lab_minimum_below_k_is_refused(
    verify: Verify, token_keys: dict[str, rsa.RSAPrivateKey]
) -> None:
    c = Campaign(t=2, n=3, token_keys=token_keys, rule=(4, 2, 1), k=3)
    c.freeze()
    assert_fails(verify, plain(c.record()), r"manifest: the rule's min_per_lab \(2\) is below k = 3")
