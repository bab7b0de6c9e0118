"""The witness's check (crypto/witness.py) on logs built here: it cosigns an honest log and
refuses, naming why, a bad head signature, a fork, a rollback, a malformed leaf, a broken
lifecycle and a head outside its time window; and its two files round-trip strictly."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace

import pytest
from nacl.signing import SigningKey

from crypto import merkle, witness
from crypto.formats import jsonfile
from crypto.formats import witness as witness_files
from crypto.formats.errors import CheckFailed, FormatError
from crypto.formats.files import manifest_ctx, parse_manifest
from crypto.hashing import canonical_json
from crypto.log_leaves import (
    ConditionLeaf,
    EntryLeaf,
    EventLeaf,
    StatementLeaf,
    WithdrawalLeaf,
    encode_leaf,
    sign_statement,
    sign_withdrawal,
)

DEADLINE = 2_000_000_000  # 2033-05-18T03:33:20Z
INTERVAL = 900
WINDOW = 14 * 86400


def _manifest_doc(log_key: bytes, trustees: list[bytes], extra: list[bytes]) -> dict:
    return {
        "v": jsonfile.VERSION, "id": secrets.token_hex(16), "slug": "s", "title": "T", "pledge_text": "I pledge.",
        "conditions": ["c"], "labs": [{"slug": "lab", "name": "Lab", "domains": ["lab.example"],
                                       "token_public_key": "00" * 40}],
        "rule": {"min_total": 1, "min_per_lab": 0, "min_labs": 0}, "deadline": "2033-05-18T03:33:20Z",
        "t": 2, "n": len(trustees),
        "trustees": [{"index": i, "name": f"Trustee {i}", "ed25519": key.hex(), "x25519": "09" + "00" * 31}
                     for i, key in enumerate(trustees, start=1)],
        "k": 2, "practice": False, "log_key": log_key.hex(),
        "witnesses": [{"name": f"Witness {i}", "ed25519": key.hex()} for i, key in enumerate(extra, start=1)],
        "w": 2, "batch_interval": INTERVAL, "reveal_window": WINDOW,
    }


@dataclass
class Log:
    """A campaign log with its signing key, grown batch by batch."""

    log_seed: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    witness_seeds: list[bytes] = field(default_factory=lambda: [secrets.token_bytes(32) for _ in range(3)])
    leaves: list[bytes] = field(default_factory=list)
    heads: list[witness.Head] = field(default_factory=list)

    def __post_init__(self) -> None:
        keys = [bytes(SigningKey(s).verify_key) for s in self.witness_seeds]
        doc = _manifest_doc(bytes(SigningKey(self.log_seed).verify_key), keys[:2], keys[2:])
        self.doc = json.loads(canonical_json(doc))
        self.manifest = parse_manifest(jsonfile.Obj(self.doc, "manifest"))
        self.ctx = manifest_ctx(self.doc)

    def head(self, size: int, timestamp: int, root: bytes | None = None) -> witness.Head:
        root = merkle.MerkleTree.from_leaves(self.leaves[:size]).root() if root is None else root
        sig = merkle.sign_tree_head(self.log_seed, self.manifest.log_id, size, timestamp, root)
        return witness.Head(size, timestamp, root, sig)

    def batch(self, leaves: list, timestamp: int) -> witness.Head:
        self.leaves.extend(encode_leaf(leaf) if not isinstance(leaf, bytes) else leaf for leaf in leaves)
        head = self.head(len(self.leaves), timestamp)
        self.heads.append(head)
        return head

    def check(self, state: witness.WitnessState, *, now: int, slack: int = 300, seed: int = 0,
              heads: list[witness.Head] | None = None, leaves: list[bytes] | None = None) -> witness.Cosigned:
        heads = self.heads if heads is None else heads
        latest = heads[-1]
        leaves = self.leaves[:latest.size] if leaves is None else leaves
        proof = merkle.MerkleTree.from_leaves(leaves).consistency_proof(state.size, latest.size) \
            if state.size <= latest.size <= len(leaves) else []
        return witness.check_and_cosign(state=state, manifest=self.manifest, ctx=self.ctx, latest=latest,
                                        heads=heads, leaves=leaves, proof=proof, now=now, slack=slack,
                                        witness_seed=self.witness_seeds[seed])

    def start(self) -> witness.WitnessState:
        return witness.initial_state(self.manifest, self.ctx)


def entry() -> tuple[EntryLeaf, bytes]:
    seed = secrets.token_bytes(32)
    leaf = EntryLeaf(secrets.token_bytes(32), secrets.token_bytes(32), secrets.token_bytes(32),
                     bytes(SigningKey(seed).verify_key))
    return leaf, seed


def refusal(excinfo) -> str:
    return excinfo.value.reason


T1 = DEADLINE - 10 * INTERVAL


def test_an_honest_log_is_cosigned_and_the_state_follows_it():
    log = Log()
    (a, _), (b, seed_b) = entry(), entry()
    first = log.batch([a, b], T1)
    done = log.check(log.start(), now=T1 + 10)
    assert done.new and done.head.same_head(first)
    merkle.verify_cosignature(bytes(SigningKey(log.witness_seeds[0]).verify_key), log.manifest.log_id,
                              first.size, first.timestamp, first.root, done.cosignature)
    assert (done.state.size, done.state.timestamp, done.state.root) == (2, T1, first.root)
    # A later batch with a withdrawal and an empty batch after it, cosigned from the kept state.
    log.batch([WithdrawalLeaf(b.nullifier, sign_withdrawal(seed_b, b.nullifier))], T1 + INTERVAL)
    third = log.batch([], T1 + 2 * INTERVAL)
    later = log.check(done.state, now=T1 + 2 * INTERVAL + 5, seed=0)
    assert later.state.size == 3 and later.state.timestamp == third.timestamp
    assert later.state.lifecycle.batch == 3 and later.replay.live_entries() == [0]
    # The same head again: the same cosignature, no freshness check (a lost upload is repeated).
    again = log.check(later.state, now=T1 + 100 * INTERVAL)
    assert not again.new and again.cosignature == later.cosignature


def test_a_head_not_signed_by_the_manifests_log_key_is_refused():
    log = Log()
    log.batch([entry()[0]], T1)
    forged = Log().head(1, T1)  # another log key
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1, heads=[replace(forged, root=log.heads[0].root)])
    assert refusal(excinfo) == witness.BAD_SIGNATURE and "log key" in str(excinfo.value)


def test_same_size_other_root_is_a_fork():
    log = Log()
    log.batch([entry()[0], entry()[0]], T1)
    done = log.check(log.start(), now=T1)
    # The server now shows the same size with the two leaves swapped (and the head re-signed).
    log.leaves[0], log.leaves[1] = log.leaves[1], log.leaves[0]
    log.heads = [log.head(2, T1)]
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(done.state, now=T1)
    assert refusal(excinfo) == witness.FORK and "two heads of size 2" in str(excinfo.value)


def test_a_larger_head_that_rewrites_the_cosigned_leaves_is_a_fork():
    log = Log()
    log.batch([entry()[0], entry()[0]], T1)
    done = log.check(log.start(), now=T1)
    other = Log(log_seed=log.log_seed, witness_seeds=log.witness_seeds)
    other.doc, other.manifest, other.ctx = log.doc, log.manifest, log.ctx
    other.batch([entry()[0], entry()[0]], T1)
    other.batch([entry()[0]], T1 + INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        other.check(done.state, now=T1 + INTERVAL)
    assert refusal(excinfo) == witness.FORK and "consistency proof fails" in str(excinfo.value)


def test_a_listed_cosignature_over_another_root_reveals_a_fork_to_a_second_witness():
    log = Log()
    log.batch([entry()[0], entry()[0]], T1)
    first = log.check(log.start(), now=T1, seed=0)
    key0 = bytes(SigningKey(log.witness_seeds[0]).verify_key)
    # The server swaps two leaves and re-signs, but still lists witness 0's cosignature.
    log.leaves[0], log.leaves[1] = log.leaves[1], log.leaves[0]
    log.heads = [replace(log.head(2, T1), cosignatures=((key0, first.cosignature),))]
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1, seed=1)
    assert refusal(excinfo) == witness.FORK and "Trustee 1's cosignature" in str(excinfo.value)
    # An unknown key's cosignature proves nothing and is ignored.
    log.heads = [replace(log.heads[0], cosignatures=((secrets.token_bytes(32), secrets.token_bytes(64)),))]
    assert log.check(log.start(), now=T1, seed=1).new


def test_a_smaller_head_is_a_rollback():
    log = Log()
    log.batch([entry()[0]], T1)
    log.batch([entry()[0]], T1 + INTERVAL)
    done = log.check(log.start(), now=T1 + INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(done.state, now=T1 + INTERVAL, heads=log.heads[:1])
    assert refusal(excinfo) == witness.ROLLBACK


def test_a_head_list_without_the_cosigned_head_is_refused():
    log = Log()
    log.batch([entry()[0]], T1)
    done = log.check(log.start(), now=T1)
    log.heads = [log.head(1, T1 + 1)]  # the same leaves under a re-timed head
    log.batch([entry()[0]], T1 + INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(done.state, now=T1 + INTERVAL)
    assert refusal(excinfo) == witness.FORK and "no longer lists the head" in str(excinfo.value)


def test_a_malformed_leaf_is_refused_by_index():
    log = Log()
    log.batch([entry()[0], b'{"kind":"entry","v":' + str(jsonfile.VERSION).encode() + b'}'], T1)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1)
    assert refusal(excinfo) == witness.MALFORMED and "leaf 1" in str(excinfo.value)


def test_an_entry_after_the_deadline_event_is_refused():
    log = Log()
    log.batch([entry()[0]], T1)
    log.batch([EventLeaf("expired")], DEADLINE)
    state = log.check(log.start(), now=DEADLINE).state
    assert state.lifecycle.deadline_event and state.lifecycle.outcome == "expired"
    log.batch([entry()[0]], DEADLINE + INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(state, now=DEADLINE + INTERVAL)
    assert refusal(excinfo) == witness.LIFECYCLE and "after the deadline event" in str(excinfo.value)


def test_a_batch_past_the_deadline_without_its_event_is_refused():
    log = Log()
    log.batch([entry()[0]], T1)
    log.batch([], DEADLINE + 1)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=DEADLINE + 1)
    assert refusal(excinfo) == witness.LIFECYCLE and "no deadline event" in str(excinfo.value)


@pytest.mark.parametrize("listed, why", [
    ((0, 2), "lists leaf 2, which is not a live entry"),  # leaf 2 is the event itself
    ((), "nothing to reveal"),
])
def test_a_round_frozen_with_the_wrong_entries_is_refused(listed, why):
    log = Log()
    log.batch([entry()[0], entry()[0]], T1)
    log.batch([EventLeaf("round-frozen", round=1, leaves=listed)], T1 + INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1 + INTERVAL)
    assert refusal(excinfo) == witness.LIFECYCLE and why in str(excinfo.value)


def test_a_round_may_leave_entries_waiting():
    """Which live entries a round lists depends on their labs, which the log does not show: a
    witness accepts any non-empty list of live entries, and an entry left waiting may still be
    withdrawn."""
    log = Log()
    (first, _), (second, seed) = entry(), entry()
    log.batch([first, second], T1)
    log.batch([EventLeaf("round-frozen", round=1, leaves=(0,))], T1 + INTERVAL)
    withdrawal = WithdrawalLeaf(second.nullifier, sign_withdrawal(seed, second.nullifier))
    log.batch([withdrawal], T1 + 2 * INTERVAL)
    state = log.check(log.start(), now=T1 + 2 * INTERVAL).state
    assert state.size == 4 and state.lifecycle.rounds == ((1, "pending"),)


def _revealed_log() -> tuple[Log, list[tuple[EntryLeaf, bytes]]]:
    """Two entries, round 1 frozen in batch 1 and revealed in batch 2."""
    log = Log()
    entries = [entry(), entry()]
    log.batch([entries[0][0], entries[1][0], EventLeaf("round-frozen", round=1, leaves=(0, 1))], T1)
    log.batch([EventLeaf("round-revealed", round=1, digest=b"\x07" * 32)], T1 + INTERVAL)
    return log, entries


def _statement(signed: tuple[EntryLeaf, bytes], seq: int, stance: str, *,
               seed: bytes | None = None) -> StatementLeaf:
    leaf, own = signed
    return StatementLeaf(leaf.nullifier, seq, stance, sign_statement(seed or own, leaf.nullifier, seq, stance))


def test_statements_and_condition_leaves_after_the_reveal_are_cosigned():
    log, entries = _revealed_log()
    state = log.check(log.start(), now=T1 + INTERVAL).state
    log.batch([_statement(entries[0], 0, "withholding"), _statement(entries[1], 0, "withholding"),
               ConditionLeaf(1, "lab", "partly", "2033-05-01", "https://lab.example/report", "")],
              T1 + 2 * INTERVAL)
    log.batch([_statement(entries[0], 1, "stopped")], T1 + 3 * INTERVAL)
    done = log.check(state, now=T1 + 3 * INTERVAL)
    assert done.new and done.state.size == 8
    assert done.replay.withholding() == [entries[1][0].nullifier]
    assert [c.leaf.status for c in done.replay.condition_history] == ["partly"]


def test_a_statement_signed_by_another_entrys_key_is_not_cosigned():
    log, entries = _revealed_log()
    log.batch([_statement(entries[0], 0, "withholding", seed=entries[1][1])], T1 + 2 * INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1 + 2 * INTERVAL)
    assert refusal(excinfo) == witness.LEAF_SIGNATURE
    assert "leaf 4: statement signature does not verify under the withdrawal key of leaf 0" in str(excinfo.value)


def test_a_forged_withdrawal_is_not_cosigned():
    log = Log()
    (a, _), (_, other_seed) = entry(), entry()
    log.batch([a], T1)
    log.batch([WithdrawalLeaf(a.nullifier, sign_withdrawal(other_seed, a.nullifier))], T1 + INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1 + INTERVAL)
    assert refusal(excinfo) == witness.LEAF_SIGNATURE and "leaf 1: withdrawal signature" in str(excinfo.value)


@pytest.mark.parametrize(("leaf", "why"), [
    (ConditionLeaf(1, "other-lab", "met", "2033-05-01", "", ""), "a condition at lab 'other-lab'"),
    (ConditionLeaf(2, "lab", "met", "2033-05-01", "", ""), "condition 2, which the manifest does not list"),
    (ConditionLeaf(1, "lab", "met", "2033-05-19", "", ""), "after its batch's day"),
])
def test_a_condition_leaf_the_manifest_does_not_allow_is_refused(leaf, why):
    log, _ = _revealed_log()
    log.batch([leaf], T1 + 2 * INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1 + 2 * INTERVAL)
    assert refusal(excinfo) == witness.LIFECYCLE and why in str(excinfo.value)


def test_a_stale_statement_is_refused():
    log, entries = _revealed_log()
    log.batch([_statement(entries[0], 0, "withholding")], T1 + 2 * INTERVAL)
    log.batch([_statement(entries[0], 1, "stopped")], T1 + 3 * INTERVAL)
    log.batch([_statement(entries[0], 0, "withholding")], T1 + 4 * INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1 + 4 * INTERVAL)
    assert refusal(excinfo) == witness.LIFECYCLE and "numbered 0; this signer's next is 2" in str(excinfo.value)


def test_a_takedown_is_cosigned_and_ends_the_campaign(tmp_path):
    log = Log()
    log.batch([entry()[0], EventLeaf("round-frozen", round=1, leaves=(0,))], T1)
    log.batch([EventLeaf("taken-down")], T1 + INTERVAL)
    done = log.check(log.start(), now=T1 + INTERVAL)
    assert done.state.lifecycle.outcome == "taken-down"
    assert done.state.lifecycle.rounds == ((1, "abandoned"),) and done.state.lifecycle.deadline_event
    log.batch([EventLeaf("share-destroyed", trustee=1, signature=b"\x01" * 64)], T1 + 2 * INTERVAL)
    assert log.check(done.state, now=T1 + 2 * INTERVAL).new
    path = tmp_path / "state.json"
    witness_files.save_state(path, done.state)
    assert witness_files.load_state(path) == done.state
    log.batch([entry()[0]], T1 + 3 * INTERVAL)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(done.state, now=T1 + 3 * INTERVAL)
    assert refusal(excinfo) == witness.LIFECYCLE and "after the deadline event" in str(excinfo.value)


@pytest.mark.parametrize(("offset", "reason"), [
    (-(INTERVAL + 300) - 1, witness.STALE), (301, witness.FUTURE)])
def test_a_head_outside_the_time_window_is_refused(offset, reason):
    log = Log()
    log.batch([entry()[0]], T1)
    now = T1 - offset
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=now, slack=300)
    assert refusal(excinfo) == reason
    # Just inside either edge it is cosigned.
    edge = T1 + INTERVAL + 300 if reason == witness.STALE else T1 - 300
    assert log.check(log.start(), now=edge, slack=300).new


def test_a_state_for_another_manifest_is_refused():
    log, other = Log(), Log()
    log.batch([entry()[0]], T1)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(other.start(), now=T1)
    assert refusal(excinfo) == witness.WRONG_LOG


def test_leaves_short_of_the_head_are_refused():
    log = Log()
    log.batch([entry()[0], entry()[0]], T1)
    with pytest.raises(witness.WitnessRefusal) as excinfo:
        log.check(log.start(), now=T1, leaves=log.leaves[:1])
    assert refusal(excinfo) == witness.INCOMPLETE


# --- the files --------------------------------------------------------------------------------


def test_state_file_round_trips_and_is_replaced_atomically(tmp_path):
    log = Log()
    log.batch([entry()[0], entry()[0]], T1)
    log.batch([EventLeaf("round-frozen", round=1, leaves=(0, 1))], T1 + INTERVAL)
    state = log.check(log.start(), now=T1 + INTERVAL).state
    path = tmp_path / "state.json"
    witness_files.save_state(path, log.start())
    witness_files.save_state(path, state)
    assert witness_files.load_state(path) == state
    assert state.lifecycle.rounds == ((1, "pending"),)
    assert not (tmp_path / "state.json.new").exists()
    text = json.loads(path.read_text())
    assert text["kind"] == "witness-state" and text["lifecycle"]["rounds"] == [{"number": 1, "status": "pending"}]


@pytest.mark.parametrize("change", [
    {"extra": 1}, {"size": -1}, {"root": "AB" * 32}, {"campaign": "xyz"},
    {"lifecycle": {"batch": 1, "deadline_event": 1, "outcome": "open", "rounds": []}},
    {"lifecycle": {"batch": 1, "deadline_event": False, "outcome": "done", "rounds": []}},
    {"lifecycle": {"batch": 1, "deadline_event": False, "outcome": "open", "rounds": [{"number": 2, "status": "pending"}]}},
])
def test_state_file_is_parsed_strictly(change):
    doc = json.loads(canonical_json(witness_files.state_doc(Log().start())))
    doc.update(change)
    with pytest.raises(FormatError):
        witness_files.parse_state(jsonfile.Obj(doc, "state"))


def test_published_head_round_trips_and_its_cosignature_is_checked(tmp_path):
    log = Log()
    head = log.batch([entry()[0]], T1)
    done = log.check(log.start(), now=T1)
    key = bytes(SigningKey(log.witness_seeds[0]).verify_key)
    published = witness_files.WitnessHead(log.manifest.campaign_id, key, head.size, head.timestamp, head.root,
                                           done.cosignature)
    path = tmp_path / "head.json"
    witness_files.publish_head(path, published)
    loaded = witness_files.load_witness_head(path)
    assert loaded == published
    loaded.verify()
    with pytest.raises(CheckFailed):
        replace(loaded, size=head.size + 1).verify()
    doc = json.loads(path.read_text())
    doc["cosignature"] = doc["cosignature"][:-2]
    with pytest.raises(FormatError):
        witness_files.parse_witness_head(jsonfile.Obj(doc, "head"))
