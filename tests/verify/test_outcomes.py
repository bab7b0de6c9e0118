"""Every way a campaign can end, on small 2-of-3 campaigns (labs a and b, k = 2; the rule is 4
overall, 2 at each of 2 labs; the three trustees are the witnesses, w = 2): what verifies, and
what the verifier refuses."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import nacl.utils

from .campaign import REVEAL_WINDOW, Campaign, plain
from .conftest import Verify
from .test_tamper import assert_fails


def _sign_all(c: Campaign, labs: str) -> list[int]:
    return [c.add(c.sign(f"lab-{letter}", f"Signer {len(c.leaves)}")) for letter in labs]


def test_a_full_record_verifies_with_its_summary(verify: Verify, full_record: dict) -> None:
    code, out, err = verify(full_record)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("pledge-verify: OK: campaign “No unsafe deployment” (")
    assert "trustees: 3 of 5;" in lines[1]
    assert ("log: 29 leaves (26 entries, 1 withdrawal, 2 events); 4 signed heads checked under "
            "the manifest's log key; the lifecycle replays") in out
    assert ("confirmed state: the head of batch 4 (size 29), 2030-03-17 18:45:00 UTC, cosigned by "
            "Trustee 1, Trustee 2, Trustee 3, Trustee 4, Trustee 5 (5 of 5 witnesses; w = 3)") in out
    # Per lab, only what the openings of revealed entries show; the two entries signed after
    # round 1 froze are counted, not placed.
    assert ("entries: 25 live at the latest head; revealed, per lab: Lab-A 7, Lab-B 8, Lab-C 8 "
            "(23 in all); 2 still sealed (their labs are not public)") in out
    assert ("labs at the per-lab minimum (5), as stated for the head of size 26: Lab-A, Lab-B, "
            "Lab-C") in out
    assert "rounds: 1 (1 revealed; round 1 froze at leaf 25, in batch 3" in out
    assert "every revealed lab has at least k = 2 in its round" in out
    assert "23 revealed payloads equal a fresh decryption" in out
    assert lines[-1] == "outcome: revealed"


def test_quiet_prints_nothing(verify: Verify, full_record: dict) -> None:
    assert verify(full_record, "--quiet") == (0, "", "")


def test_an_expired_campaign_with_destroy_confirmations(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aab")
    small.publish()
    assert small.end_signing() == "expired"
    small.publish(small.deadline_ts + 5)
    small.destroy(1)
    small.destroy(3)
    small.publish()
    code, out, _ = verify(plain(small.record()))
    assert code == 0, out
    assert "rounds: none\n" in out
    assert "labs at the per-lab minimum (2), as stated for the head of size 6: Lab-A\n" in out
    assert "outcome: expired; 2 of 3 trustees confirmed destroying their share" in out


def test_a_met_rule_without_a_round_is_noted_not_failed(verify: Verify, small: Campaign) -> None:
    # A log that has not frozen round 1 although the record's own counts say the rule holds at
    # its latest head, before the deadline: the lifecycle does not require the freeze (the log
    # shows no lab), so the summary tells the reader.
    _sign_all(small, "ab")
    small.publish()
    _sign_all(small, "ab")
    small.publish()
    code, out, _ = verify(plain(small.record()))
    assert code == 0, out
    assert ("rounds: none. Note: the record's counts say the rule holds at the head of batch 2 "
            "(size 4), whose time is before the deadline, yet the log froze no round") in out
    # Once the deadline passed, the latest head is after it: nothing to note (whether the rule
    # held at an earlier head is for the trustees to check, who hold the openings).
    small.end_signing()
    small.publish(small.deadline_ts)
    code, out, _ = verify(plain(small.record()))
    assert code == 0 and "rounds: none\n" in out


def test_a_share_destroyed_before_the_end_fails(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aab")
    small.destroy(2)
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 3: a share destroyed before the campaign ended")


def test_a_campaign_before_its_first_batch(verify: Verify, small: Campaign) -> None:
    code, out, _ = verify(plain(small.record()))
    assert code == 0
    assert out.startswith("pledge-verify: INCOMPLETE: no head has w = 2 cosignatures; campaign")
    assert "log: 0 leaves (0 entries, 0 withdrawals, 0 events); 0 signed heads checked" in out
    assert "confirmed state: none (no head has w = 2 cosignatures)" in out


def test_a_round_awaiting_the_trustees(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aabb")
    small.freeze_round()
    small.publish()
    code, out, _ = verify(plain(small.record()))
    assert code == 0
    assert "round 1 awaits the trustees" in out
    assert out.splitlines()[-1] == "outcome: open"
    record = plain(small.record())
    record["outcome"]["state"] = "revealed"
    assert_fails(verify, record, r"outcome: the record says revealed but the log says open")
    record = plain(small.record())
    record["rounds"][0]["status"] = "revealed"
    assert_fails(verify, record, r"rounds: the record says round 1 is revealed but the log froze "
                                 r"it at leaf 4 and has not revealed it")
    record["rounds"][0].update(status="pending", entries=[{
        "leaf_index": 0, "ciphertext": "00" * 1160, "opening": small.entries[0].opening.doc(),
        "partials": {}, "payload": None}])
    record = plain(record)
    assert_fails(verify, record, r"field rounds\[0\]: a pending round lists no entries")


def test_a_round_revealed_in_the_batch_that_froze_it_fails(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aabb")
    small.freeze_round()
    small.reveal(1, (1, 2))
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 5: round 1 ends in the batch that froze it")


def test_two_rounds_and_a_later_signer(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "abab")
    small.freeze_round()
    small.publish()
    _sign_all(small, "bab")
    small.reveal(1, (1, 2))  # events come after the batch's entries
    small.publish()
    # The deadline round: lab b's two later entries (k = 2), not lab a's lone one.
    assert small.end_signing() == "round-frozen"
    assert small.rounds[1]["leaves"] == [5, 7]
    small.publish(small.deadline_ts)
    small.reveal(2, (2, 3))
    small.publish()
    small.close()
    small.destroy(2)
    small.publish()
    code, out, err = verify(plain(small.record()))
    assert code == 0, err
    assert "rounds: 2 (2 revealed; round 1 froze at leaf 4, in batch 1" in out
    assert "6 revealed payloads" in out
    assert ("entries: 7 live at the latest head; revealed, per lab: Lab-A 2, Lab-B 4 (6 in all); "
            "1 still sealed") in out
    assert "outcome: closed; 1 of 3 trustees confirmed destroying their share" in out
    record = plain(small.record())
    record["rounds"][1]["entries"].pop()
    assert_fails(verify, record, r"round 2, leaf 7: the round froze it, but the record reveals no "
                                 r"ciphertext for it")


def test_a_lone_late_signer_ends_signing_without_a_round(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "abab")
    small.freeze_round()
    small.publish()
    _sign_all(small, "a")
    small.reveal(1, (1, 2))
    small.publish()
    assert small.end_signing() == "signing-ended"
    small.publish(small.deadline_ts)
    code, out, err = verify(plain(small.record()))
    assert code == 0, err
    assert "1 still sealed (their labs are not public)" in out


def test_a_deadline_round_that_relists_a_round_one_entry_fails(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "abab")
    small.freeze_round()
    small.publish()
    later = _sign_all(small, "bb")
    small.reveal(1, (1, 2))
    small.publish()
    small.freeze_round(leaves=[0, *later])  # leaf 0 is round 1's
    small.publish(small.deadline_ts)
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 8: round 2 lists leaf 0, which is not a live entry it may reveal")


def test_a_deadline_round_that_reveals_a_lab_below_k_fails(verify: Verify, small: Campaign) -> None:
    # The server lists lab a's lone late entry with lab b's two: the log cannot tell, the
    # openings published with the payloads do.
    _sign_all(small, "abab")
    small.freeze_round()
    small.publish()
    later = _sign_all(small, "bab")
    small.reveal(1, (1, 2))
    small.publish()
    small.freeze_round(leaves=later)
    small.publish(small.deadline_ts)
    small.reveal(2, (1, 3))
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"round 2 reveals lab 'lab-a' with 1 entry, fewer than k = 2")


def test_a_round_abandoned_after_its_reveal_window(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "abab")
    small.freeze_round()
    small.publish()
    frozen_at = small.heads[-1][2]
    small.abandon(1)
    small.publish(frozen_at + REVEAL_WINDOW - 1)
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 5: round 1 abandoned before its reveal window ended")
    small.heads.pop()
    small.publish(frozen_at + REVEAL_WINDOW)
    code, out, _ = verify(plain(small.record()))
    assert code == 0, out
    assert "round 1 abandoned (not revealed within the reveal window)" in out
    record = plain(small.record())
    record["rounds"][0]["status"] = "pending"
    assert_fails(verify, record, r"rounds: the record says round 1 is pending but the log "
                                 r"abandoned it at leaf 5")


def test_round_one_must_come_before_the_deadline(verify: Verify, small: Campaign) -> None:
    late = Campaign(t=2, n=3, token_keys=small.token_keys, rule=(4, 2, 2),
                    deadline=datetime(2030, 1, 1, tzinfo=UTC))
    late.freeze()
    _sign_all(late, "aabb")
    late.freeze_round()
    late.publish()
    assert_fails(verify, plain(late.record()),
                 r"lifecycle: leaf 4: round 1 frozen at or after the deadline")


def test_a_frozen_entry_cannot_be_withdrawn(verify: Verify, small: Campaign) -> None:
    indices = _sign_all(small, "aabba")
    small.freeze_round()
    small.publish()
    small.withdraw(indices[-1])
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 6: withdraws leaf 4, which a frozen round lists")


def test_signers_who_seal_nonsense_do_not_break_the_record(
    verify: Verify, small: Campaign
) -> None:
    small.add(small.sign("lab-a", "Good"))
    small.add(small.sign("lab-a", "Locked", box_key=nacl.utils.random(32)))
    small.add(small.sign("lab-b", "Junk", payload=b"not a payload"))
    small.add(small.sign("lab-b", "Good too"))
    small.freeze_round()
    small.publish()
    small.reveal(1, (1, 3))
    small.publish()
    code, out, _ = verify(plain(small.record()))
    assert code == 0, out
    assert re.search(r"2 revealed payloads equal a fresh decryption; every revealed lab has at "
                     r"least k = 2 in its round; 2 sealed by their signers so that they do not "
                     r"open to a valid signature", out)
    record = plain(small.record())
    record["rounds"][0]["entries"][1]["payload"] = b"{}".hex()
    assert_fails(verify, record, r"round 1, leaf 1: a payload is published, but the box does "
                                 r"not open with trustees 1, 3's partials")


def test_an_old_record_is_incomplete_and_never_says_closed(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aab")
    small.publish()
    small.end_signing()
    small.publish(small.deadline_ts)
    inputs = small.record_inputs()
    code, out, _ = verify(plain(small.record(exported_at=inputs["exported_at"] + 1800)))
    assert code == 0
    assert out.startswith("pledge-verify: INCOMPLETE: the latest head with w = 2 cosignatures")
    assert "expired" not in out and "closed" not in out
    # Cosigned by one trustee only (w = 2), the expiry is not confirmed either: refused, since
    # an event needs w cosignatures on its head or a later one.
    small.heads.pop()
    small.publish(small.deadline_ts, cosigners=[small.trustee_key(1)])
    assert_fails(verify, plain(small.record()),
                 r"witnesses: the head of batch 2 \(size 4\) holds an event \(leaf 3\) but neither "
                 r"it nor a later head has w = 2 cosignatures \(it has 1\)")
    small.publish()
    code, out, _ = verify(plain(small.record()))
    assert code == 0 and out.splitlines()[-1].startswith("outcome: expired")


def test_an_extra_witness_counts_toward_the_quorum(verify: Verify, small: Campaign) -> None:
    # 2-of-4 trustees (2t <= n) and one extra witness: n_w = 5, w = 3.
    c = Campaign(t=2, n=4, token_keys=small.token_keys, rule=(4, 2, 2), extra_witnesses=1)
    c.freeze()
    assert c.quorum == 3
    extra = next(key for key in c.witness_seeds if key not in {c.trustee_key(j) for j in range(1, 5)})
    _sign_all(c, "aabb")
    c.freeze_round()
    c.publish(cosigners=[c.trustee_key(2), c.trustee_key(4), extra])
    code, out, err = verify(plain(c.record()))
    assert code == 0, err
    assert ("confirmed state: the head of batch 1 (size 5), 2030-03-17 18:00:00 UTC, cosigned by "
            "Trustee 2, Trustee 4, Witness 1 (3 of 5 witnesses; w = 3)") in out
    c.heads.pop()
    c.publish(cosigners=[c.trustee_key(2), extra])
    assert_fails(verify, plain(c.record()),
                 r"witnesses: the head of batch 1 \(size 5\) holds an event \(leaf 4\) but neither "
                 r"it nor a later head has w = 3 cosignatures \(it has 2\)")


def test_heads_must_have_strictly_increasing_times(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "a")
    small.publish()
    _sign_all(small, "b")
    small.publish(small.heads[-1][2])  # two batches in one coarsened window, same time
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: head of batch 2 is not later than the head before it")
    small.heads.pop()
    small.publish(small.heads[-1][2] + 1)  # what the server does instead: previous + 1
    assert verify(plain(small.record()))[0] == 0
