"""After the reveal: statements by revealed signers, the organizer's condition leaves, and a
takedown, on small 2-of-3 campaigns (labs a and b, k = 2; the rule is 4 overall, 2 at each of 2
labs): what verifies, what the report says, and what the verifier refuses."""

from __future__ import annotations

from crypto import log_leaves

from .campaign import Campaign, plain, resign
from .conftest import Verify
from .test_tamper import assert_fails


def _revealed(c: Campaign) -> list[int]:
    """Four entries (a, b, a, b), round 1 frozen in batch 1 and revealed in batch 2."""
    indices = [c.add(c.sign(f"lab-{letter}", f"Signer {n}")) for n, letter in enumerate("abab")]
    c.freeze_round()
    c.publish()
    c.reveal(1, (1, 2))
    c.publish()
    return indices


def test_statements_and_conditions_verify_with_their_report(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.statement(0, "withholding")
    small.statement(1, "withholding")
    small.statement(2, "withholding")
    small.condition("lab-a", 1, "not-met", note="No safety case yet.")
    small.publish()
    small.statement(2, "stopped")
    small.condition("lab-a", 1, "partly", evidence="https://lab-a.example/safety-case")
    small.condition("lab-b", 2, "met", date="2030-03-01")
    small.publish()
    code, out, err = verify(plain(small.record()))
    assert (code, err) == (0, ""), err
    assert ("log: 13 leaves (4 entries, 0 withdrawals, 2 events, 4 statements, 3 condition leaves)"
            in out)
    assert ("statements: 4 statements by 3 revealed signers; withholding now, per lab: Lab-A 1, "
            "Lab-B 1 (2 of 4 revealed signers)") in out
    lines = out.splitlines()
    at = lines.index("conditions: 3 judgements; the latest per lab and condition:")
    assert lines[at + 1].startswith("  Lab-A, condition 1: partly (dated ")
    assert lines[at + 2] == "  Lab-B, condition 2: met (dated 2030-03-01, leaf 12)"
    assert lines[-1] == "outcome: revealed"


def test_a_revealed_campaign_without_statements_says_so(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    code, out, _ = verify(plain(small.record()))
    assert code == 0
    assert ("statements: 0 statements by 0 revealed signers; withholding now, per lab: Lab-A 0, "
            "Lab-B 0 (0 of 4 revealed signers)") in out
    assert "conditions: 0 judgements\n" in out


def test_statements_continue_after_the_close(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.end_signing()
    small.publish(small.deadline_ts)
    small.close()
    small.publish()
    small.statement(0, "withholding")
    small.condition("lab-b", 1, "met")
    small.publish()
    code, out, err = verify(plain(small.record()))
    assert code == 0, err
    assert "withholding now, per lab: Lab-A 1, Lab-B 0 (1 of 4 revealed signers)" in out
    assert "outcome: closed; 0 of 3 trustees confirmed destroying their share" in out


def test_a_statement_signed_by_another_entrys_key_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.statement(0, "withholding", signer=1)
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"leaf 6: statement signature does not verify under the withdrawal key of leaf 0$")


def test_a_tampered_stance_fails_its_signature(verify: Verify, small: Campaign) -> None:
    # Whoever rewrites a signer's "withholding" into "stopped" (and re-signs the heads) breaks
    # the statement's signature.
    _revealed(small)
    small.statement(1, "withholding")
    small.publish()
    record = plain(small.record())
    leaf = bytes.fromhex(record["log"]["leaves"][6]).replace(b'"withholding"', b'"stopped"')
    record["log"]["leaves"][6] = leaf.hex()
    record = resign(record, small.log_seed, small.witness_seeds)
    assert_fails(verify, record,
                 r"leaf 6: statement signature does not verify under the withdrawal key of leaf 1$")


def test_a_statement_replayed_with_a_stale_seq_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.statement(0, "withholding")
    small.publish()
    small.statement(0, "stopped")
    small.publish()
    small.statement(0, "withholding", seq=1)  # validly signed, but seq 1 was already used
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 8: a statement numbered 1; this signer's next is 2")


def test_a_statement_that_repeats_the_stance_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.statement(0, "withholding")
    small.statement(0, "withholding")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 7: a statement that does not change the signer's stance")


def test_a_statement_before_the_reveal_fails(verify: Verify, small: Campaign) -> None:
    for n, letter in enumerate("abab"):
        small.add(small.sign(f"lab-{letter}", f"Signer {n}"))
    small.freeze_round()
    small.publish()
    small.statement(0, "withholding")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 5: a statement before round 1 is revealed")


def test_a_statement_in_the_revealing_batch_fails(verify: Verify, small: Campaign) -> None:
    # Statements come before the batch's events, so the reveal must be in an earlier batch.
    for n, letter in enumerate("abab"):
        small.add(small.sign(f"lab-{letter}", f"Signer {n}"))
    small.freeze_round()
    small.publish()
    small.statement(0, "withholding")
    small.reveal(1, (1, 2))
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 5: a statement before round 1 is revealed")


def test_a_statement_for_an_entry_never_revealed_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    late = small.add(small.sign("lab-a", "Late signer"))
    small.publish()
    small.statement(late, "withholding")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 7: a statement for an entry no earlier batch revealed")


def test_a_condition_leaf_before_the_reveal_fails(verify: Verify, small: Campaign) -> None:
    small.add(small.sign("lab-a", "Signer"))
    small.condition("lab-a", 1, "met")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 1: a condition leaf before round 1 is revealed")


def test_a_condition_at_a_lab_not_in_the_manifest_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.condition("lab-c", 1, "met")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 6: a condition at lab 'lab-c', which the manifest does not list")


def test_a_condition_the_manifest_does_not_list_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.condition("lab-a", 3, "met")  # the manifest lists two conditions
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 6: condition 3, which the manifest does not list")


def test_a_condition_dated_after_its_batch_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.condition("lab-a", 1, "met", date="2099-01-01")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 6: a condition dated 2099-01-01, after its batch's day")


def test_a_takedown_abandons_the_pending_round(verify: Verify, small: Campaign) -> None:
    for n, letter in enumerate("abab"):
        small.add(small.sign(f"lab-{letter}", f"Signer {n}"))
    small.freeze_round()
    small.publish()
    small.take_down()
    small.publish()
    small.destroy(1)
    small.publish()
    code, out, err = verify(plain(small.record()))
    assert code == 0, err
    assert ("round 1 abandoned (not revealed within the reveal window, or ended by the takedown)"
            in out)
    assert out.splitlines()[-1] == ("outcome: taken-down (the site took the campaign down; no "
                                    "round is revealed after it); 1 of 3 trustees confirmed "
                                    "destroying their share")
    record = plain(small.record())
    record["rounds"][0]["status"] = "pending"
    assert_fails(verify, record, r"rounds: the record says round 1 is pending but the log "
                                 r"abandoned it at leaf 5")
    record = plain(small.record())
    record["outcome"]["state"] = "open"
    assert_fails(verify, record, r"outcome: the record says open but the log says taken-down")


def test_a_takedown_after_the_reveal_keeps_the_revealed_round(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.statement(0, "withholding")
    small.publish()
    small.take_down()
    small.publish()
    code, out, err = verify(plain(small.record()))
    assert code == 0, err
    assert "rounds: 1 (1 revealed;" in out
    assert "withholding now, per lab: Lab-A 1, Lab-B 0" in out
    assert out.splitlines()[-1].startswith("outcome: taken-down")


def test_nothing_but_destroy_confirmations_after_a_takedown(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.take_down()
    small.publish()
    small.statement(0, "withholding")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 7: a statement after the campaign taken-down")
    c = small
    c.leaves.pop()
    c.heads.pop()
    c.add(c.sign("lab-a", "Late"))
    c.publish()
    assert_fails(verify, plain(c.record()),
                 r"lifecycle: leaf 7: an entry or withdrawal after the deadline event")


def test_a_takedown_after_the_close_fails(verify: Verify, small: Campaign) -> None:
    _revealed(small)
    small.end_signing()
    small.publish(small.deadline_ts)
    small.close()
    small.publish()
    small.take_down()
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 8: event taken-down after the campaign closed")


def test_a_statement_for_a_nullifier_no_entry_has_fails(verify: Verify, small: Campaign) -> None:
    # A forger holding the log's and the witnesses' keys adds a statement for nobody.
    _revealed(small)
    small.publish()
    record = plain(small.record())
    seed = b"\x09" * 32
    ghost = b"\x0a" * 32
    leaf = log_leaves.encode_leaf(log_leaves.StatementLeaf(
        ghost, 0, "withholding", log_leaves.sign_statement(seed, ghost, 0, "withholding")))
    record["log"]["leaves"].append(leaf.hex())
    record = resign(record, small.log_seed, small.witness_seeds,
                    sizes=[h["size"] for h in record["log"]["heads"][:-1]] + [7])
    assert_fails(verify, record, r"leaf 6: a statement for a nullifier that no earlier entry has")


def test_a_statement_of_an_unrevealed_entry_fails_even_with_its_own_key(
        verify: Verify, small: Campaign) -> None:
    # Entry 4 signed after round 1 froze: its own key signs, but it is not revealed.
    _revealed(small)
    late = small.add(small.sign("lab-b", "Late"))
    small.publish()
    small.statement(late, "withholding")
    small.publish()
    assert_fails(verify, plain(small.record()),
                 r"lifecycle: leaf 7: a statement for an entry no earlier batch revealed")
