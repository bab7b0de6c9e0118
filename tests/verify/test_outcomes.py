"""Every way a campaign can end, on small 2-of-3 campaigns (labs a and b; the rule is 4
overall, 2 at each of 2 labs): what verifies, and what the verifier refuses."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import nacl.utils

from .campaign import Campaign, plain
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
    assert "log: 27 leaves (26 entries, 1 withdrawal); 4 signed heads checked" in out
    assert "lab-a 8, lab-b 9, lab-c 8 (25 in all; equal to the published counts)" in out
    assert "rounds: 1 (1 revealed; round 1 froze the head of size 25" in out
    assert "23 revealed payloads equal a fresh decryption" in out
    assert lines[-1] == "outcome: revealed"


def test_quiet_prints_nothing(verify: Verify, full_record: dict) -> None:
    assert verify(full_record, "--quiet") == (0, "", "")


def test_an_expired_campaign_with_destroy_confirmations(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aab")
    small.publish()
    record = plain(small.record("expired", destroyed=[1, 3]))
    code, out, _ = verify(record)
    assert code == 0
    assert "rounds: none (the threshold rule holds at no signed head before the deadline)" in out
    assert "outcome: expired; 2 of 3 trustees confirmed destroying their share" in out
    record["outcome"]["destroy_confirmations"]["3"] = record["outcome"][
        "destroy_confirmations"]["1"]
    assert_fails(verify, record, r"outcome: trustee 3's destroy confirmation does not verify")


def test_a_met_rule_without_a_round_is_noted_not_failed(verify: Verify, small: Campaign) -> None:
    # A batch published after the deadline carries its (earlier) batch time, and freezes
    # nothing: the record cannot tell that apart from a server that withheld a round.
    _sign_all(small, "ab")
    small.publish()
    _sign_all(small, "ab")
    small.publish()
    code, out, _ = verify(plain(small.record("expired", destroyed=[1, 2, 3])))
    assert code == 0
    assert ("rounds: none. Note: the rule holds at the head of batch 2 (size 4), whose time is "
            "before the deadline, yet no round was frozen") in out


def test_destroy_confirmations_belong_only_to_expiry(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aab")
    small.publish()
    assert_fails(verify, plain(small.record("open", destroyed=[2])),
                 r"outcome: destroy confirmations belong only to an expired campaign")


def test_a_campaign_before_its_first_batch(verify: Verify, small: Campaign) -> None:
    code, out, _ = verify(plain(small.record("open")))
    assert code == 0
    assert "log: 0 leaves (0 entries, 0 withdrawals); 0 signed heads checked" in out


def test_a_round_awaiting_the_trustees(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "aabb")
    small.freeze_round(small.publish())
    code, out, _ = verify(plain(small.record("open")))
    assert code == 0
    assert "round 1 awaits the trustees" in out
    assert_fails(verify, plain(small.record("revealed")),
                 r"outcome: the state is revealed but round 1 was not revealed")
    record = plain(small.record("open"))
    record["rounds"][0]["entries"] = plain(_revealed_copy(small))["rounds"][0]["entries"]
    assert_fails(verify, record, r"round 1 is pending but publishes entries")


def _revealed_copy(c: Campaign) -> dict:
    rounds = c.rounds
    c.rounds = []
    try:
        c.reveal(rounds[0]["size"], (1, 2))
        return c.record("revealed")
    finally:
        c.rounds = rounds


def test_two_rounds_and_a_later_signer(verify: Verify, small: Campaign) -> None:
    _sign_all(small, "abab")
    small.reveal(small.publish(), (1, 2))
    _sign_all(small, "ba")
    small.reveal(small.publish(), (2, 3))
    _sign_all(small, "a")
    small.publish()
    code, out, _ = verify(plain(small.record("closed")))
    assert code == 0
    assert "rounds: 2 (2 revealed; round 1 froze the head of size 4" in out
    assert "6 revealed payloads" in out
    record = plain(small.record("closed"))
    record["rounds"][1]["size"] = 4
    assert_fails(verify, record, r"round 2: size 4 is not a signed head's size larger than the "
                                 r"previous round's")


def test_round_one_must_be_the_first_head_meeting_the_rule(
    verify: Verify, small: Campaign
) -> None:
    _sign_all(small, "aabb")
    small.publish()
    _sign_all(small, "a")
    small.reveal(small.publish(), (1, 3))
    assert_fails(verify, plain(small.record("revealed")),
                 r"round 1: the rule already held at the head of batch 1 \(size 4\), before "
                 r"the round's head \(size 5\)")


def test_round_one_must_come_before_the_deadline(verify: Verify, small: Campaign) -> None:
    late = Campaign(t=2, n=3, token_keys=small.token_keys, rule=(4, 2, 2),
                    deadline=datetime(2030, 1, 1, tzinfo=UTC))
    late.freeze()
    _sign_all(late, "aabb")
    late.reveal(late.publish(), (1, 2))
    assert_fails(verify, plain(late.record("revealed")),
                 r"round 1: its head of batch 1 \(size 4\) is not before the deadline")


def test_withdrawn_after_the_freeze_stays_sealed(verify: Verify, small: Campaign) -> None:
    indices = _sign_all(small, "aabba")
    size = small.publish()
    small.freeze_round(size)
    small.withdraw(indices[-1])
    small.publish()
    small.rounds.clear()
    rnd = small.reveal(size, (2, 3))
    # The trustees decrypted the frozen head, which still counted the withdrawn entry.
    entry = small.entries[indices[-1]]
    rnd["partials"][2].append((indices[-1], nacl.utils.random(96)))
    assert indices[-1] not in rnd["ciphertexts"] and entry.payload is not None
    code, out, _ = verify(plain(small.record("revealed")))
    assert code == 0, out
    assert "4 revealed payloads" in out


def test_an_entry_revealed_then_withdrawn_fails(verify: Verify, small: Campaign) -> None:
    indices = _sign_all(small, "aabb")
    small.reveal(small.publish(), (1, 2))
    small.withdraw(indices[0])
    small.publish()
    small.withdrawn.clear()  # the live count the server would publish still counts it
    record = plain(small.record("revealed"))
    record["counts"]["labs"]["lab-a"] -= 1
    assert_fails(verify, record, r"round 1, leaf 0: is withdrawn \(at leaf 4\) and must stay "
                                 r"sealed")


def test_signers_who_seal_nonsense_do_not_break_the_record(
    verify: Verify, small: Campaign
) -> None:
    small.add(small.sign("lab-a", "Good"))
    small.add(small.sign("lab-a", "Locked", box_key=nacl.utils.random(32)))
    small.add(small.sign("lab-b", "Junk", payload=b"not a payload"))
    small.add(small.sign("lab-b", "Good too"))
    small.reveal(small.publish(), (1, 3))
    code, out, _ = verify(plain(small.record("revealed")))
    assert code == 0, out
    assert re.search(r"2 revealed payloads equal a fresh decryption; 2 sealed by their signers "
                     r"so that they do not open to a valid signature", out)
    record = plain(small.record("revealed"))
    record["rounds"][0]["entries"][1]["payload"] = b"{}".hex()
    assert_fails(verify, record, r"round 1, leaf 1: a payload is published, but the box does "
                                 r"not open with trustees 1, 3's partials")
