"""The v2 encoding vectors (canonical JSON, log leaves, openings and lab commitments, tree heads)
hold for the Python library, and each is checked again by rule, without the code that made it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from crypto import blindrsa, log_leaves, merkle
from crypto.errors import EncodingError, InvalidSignature
from crypto.formats import jsonfile, messages
from crypto.hashing import canonical_json, u64le
from crypto.opening import lab_commitment, parse_opening

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load(name: str):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


def b(value: str) -> bytes:
    return bytes.fromhex(value)


# --- canonical JSON -----------------------------------------------------------------------------

CANONICAL = load("canonical_json.json")


@pytest.mark.parametrize("vector", CANONICAL["valid"], ids=lambda v: v["name"])
def test_canonical_json_gives_the_vector_bytes(vector):
    value = json.loads(vector["input"])
    out = canonical_json(value)
    assert out.hex() == vector["output"]
    # the bytes are JSON for the same value, and already canonical
    assert json.loads(out.decode("utf-8")) == value
    assert canonical_json(json.loads(out)) == out


@pytest.mark.parametrize("vector", CANONICAL["refused"], ids=lambda v: v["name"])
def test_canonical_json_refuses_the_vector(vector):
    with pytest.raises(EncodingError):
        canonical_json(json.loads(vector["input"]))


def test_canonical_json_vectors_cover_the_hard_cases():
    outputs = b"".join(b(v["output"]) for v in CANONICAL["valid"])
    for raw in (b'\\"', b"\\\\", b"\\b", b"\\t", b"\\n", b"\\f", b"\\r", b"\\u001f", b"\\u000b",
                b"\x7f", "\u2028".encode(), "\u2029".encode(), "\U0001f600".encode(),
                b"9223372036854775807", b"{}", b"[]", b"true", b"false", b"null"):
        assert raw in outputs, raw
    refused = [json.loads(v["input"]) for v in CANONICAL["refused"]]
    assert 2**63 in refused and -1 in refused and 1.5 in refused and "\ud800" in refused
    # every input is ASCII JSON text, so that any parser reads it the same
    assert all(v["input"].isascii() for v in CANONICAL["valid"] + CANONICAL["refused"])


def test_astral_keys_sort_after_bmp_keys():
    vector = next(v for v in CANONICAL["valid"] if v["name"].startswith("astral keys"))
    text = b(vector["output"]).decode("utf-8")
    keys = list(json.loads(text))
    assert keys == sorted(keys) and keys.index("\U0001f600") > keys.index("\uffff")


# --- leaves -------------------------------------------------------------------------------------

EVENTS = load("events.json")


@pytest.mark.parametrize("vector", EVENTS["leaves"], ids=lambda v: v["name"])
def test_leaf_vectors_parse_and_reencode_exactly(vector):
    data = b(vector["leaf"])
    leaf = log_leaves.parse_leaf(data)
    assert log_leaves.encode_leaf(leaf) == data
    assert merkle.leaf_hash(data).hex() == vector["leaf_hash"]
    assert hashlib.sha256(b"\x00" + data).hexdigest() == vector["leaf_hash"]
    obj = json.loads(data)
    assert obj["v"] == log_leaves.VERSION == jsonfile.VERSION == 2
    assert obj["kind"] == vector["kind"]
    assert canonical_json(obj) == data
    if vector["kind"] == "event":
        assert isinstance(leaf, log_leaves.EventLeaf) and leaf.event == vector["event"]
        assert set(obj) == {"kind", "v", "event"} | log_leaves.EVENT_FIELDS[leaf.event]


def test_leaf_vectors_cover_every_event_and_both_other_kinds():
    kinds = [v["kind"] for v in EVENTS["leaves"]]
    assert {"entry", "withdrawal", "statement", "condition"} <= set(kinds)
    assert {json.loads(b(v["leaf"]))["stance"] for v in EVENTS["leaves"] if v["kind"] == "statement"} == set(
        log_leaves.STANCES)
    assert {v["event"] for v in EVENTS["leaves"] if v["kind"] == "event"} == set(log_leaves.EVENT_FIELDS)


def _leaf(name: str):
    return log_leaves.parse_leaf(b(next(v["leaf"] for v in EVENTS["leaves"] if v["name"] == name)))


def test_entry_vector_is_consistent():
    entry = _leaf("entry")
    assert isinstance(entry, log_leaves.EntryLeaf)
    assert sorted(json.loads(b(EVENTS["leaves"][0]["leaf"]))) == [
        "ciphertext_sha256", "kind", "lab_commitment", "nullifier", "v", "withdrawal_key"]
    opening = parse_opening(EVENTS["opening"])
    prepared = opening.prepared_message
    assert entry.nullifier == blindrsa.nullifier(prepared)
    assert entry.nullifier == hashlib.sha256(b"pledge-nullifier/v2" + prepared).digest()
    assert entry.lab_commitment == opening.commitment
    message = blindrsa.parse_token_message(prepared[blindrsa.PREFIX_LEN:])
    assert message.lab_slug == opening.slug
    assert prepared[blindrsa.PREFIX_LEN:].startswith(b"pledge-token/v2" + u64le(32))
    assert entry.withdrawal_key.hex() == EVENTS["withdrawal_key"]


def test_withdrawal_vector_is_signed_by_the_entry_withdrawal_key():
    entry, withdrawal = _leaf("entry"), _leaf("withdrawal of that entry")
    assert isinstance(withdrawal, log_leaves.WithdrawalLeaf) and isinstance(entry, log_leaves.EntryLeaf)
    assert withdrawal.nullifier == entry.nullifier
    message = b"pledge/v2/withdraw" + entry.nullifier
    assert log_leaves.withdrawal_message(entry.nullifier) == message
    merkle.verify_ed25519(entry.withdrawal_key, message, withdrawal.signature)
    with pytest.raises(InvalidSignature):  # the v1 message is not what it signs
        merkle.verify_ed25519(entry.withdrawal_key, b"pledge/v1/withdraw" + entry.nullifier,
                              withdrawal.signature)


@pytest.mark.parametrize("vector", [v for v in EVENTS["leaves"] if v["kind"] == "statement"],
                         ids=lambda v: v["name"])
def test_statement_vectors_are_signed_by_the_entry_withdrawal_key(vector):
    entry, statement = _leaf("entry"), log_leaves.parse_leaf(b(vector["leaf"]))
    assert isinstance(statement, log_leaves.StatementLeaf) and isinstance(entry, log_leaves.EntryLeaf)
    assert statement.nullifier == entry.nullifier
    # By rule: the prefix, the nullifier, u64le(seq), then 1 for withholding and 0 for stopped.
    message = (b"pledge/v2/statement" + entry.nullifier + u64le(statement.seq)
               + (b"\x01" if statement.stance == "withholding" else b"\x00"))
    assert len(message) == 60 and message.hex() == vector["message"]
    assert log_leaves.statement_message(statement.nullifier, statement.seq, statement.stance) == message
    merkle.verify_ed25519(entry.withdrawal_key, message, statement.signature)
    log_leaves.verify_statement(entry.withdrawal_key, statement)
    other = "stopped" if statement.stance == "withholding" else "withholding"
    with pytest.raises(InvalidSignature):  # the stance is signed
        log_leaves.verify_statement(entry.withdrawal_key, log_leaves.StatementLeaf(
            statement.nullifier, statement.seq, other, statement.signature))
    with pytest.raises(InvalidSignature):  # and so is seq
        log_leaves.verify_statement(entry.withdrawal_key, log_leaves.StatementLeaf(
            statement.nullifier, statement.seq + 1, statement.stance, statement.signature))


def test_condition_vectors_parse_to_their_fields():
    vectors = [v for v in EVENTS["leaves"] if v["kind"] == "condition"]
    assert len(vectors) == 2
    for vector in vectors:
        leaf = log_leaves.parse_leaf(b(vector["leaf"]))
        assert isinstance(leaf, log_leaves.ConditionLeaf)
        obj = json.loads(b(vector["leaf"]))
        assert sorted(obj) == ["condition", "date", "evidence", "kind", "lab", "note", "status", "v"]
        assert (leaf.condition, leaf.lab, leaf.status, leaf.date, leaf.evidence, leaf.note) == (
            obj["condition"], obj["lab"], obj["status"], obj["date"], obj["evidence"], obj["note"])
    # Non-ASCII is written raw, the quote and the newline escaped (docs/protocol.md §2.2).
    assert "\u201cpending\u201d".encode() in b(vectors[0]["leaf"])
    assert b'\\"Annex B\\"' in b(vectors[0]["leaf"]) and b"\\n" in b(vectors[0]["leaf"])


def test_share_destroyed_vector_is_signed_by_the_trustee():
    leaf = _leaf("trustee 3 destroyed its share")
    assert isinstance(leaf, log_leaves.EventLeaf) and leaf.trustee == EVENTS["trustee"]
    messages.verify(b(EVENTS["trustee_key"]), messages.destroy_message(b(EVENTS["ctx"]), leaf.trustee),
                    leaf.signature)


def test_round_revealed_digest_is_of_the_revealed_list():
    leaf = _leaf("round 1 revealed")
    assert isinstance(leaf, log_leaves.EventLeaf)
    assert leaf.digest == hashlib.sha256(canonical_json(EVENTS["revealed_list"])).digest()
    assert [sorted(item) for item in EVENTS["revealed_list"]] == [["leaf_index", "opening", "partials"]] * 2
    for item in EVENTS["revealed_list"]:
        parse_opening(item["opening"])


# --- openings and lab commitments ---------------------------------------------------------------

OPENINGS = load("openings.json")


@pytest.mark.parametrize("case", OPENINGS["cases"], ids=lambda c: c["name"])
def test_lab_commitment_vectors(case):
    opening = parse_opening(case["opening"])
    assert opening.commitment.hex() == case["commitment"]
    assert lab_commitment(opening.slug, opening.prepared_message, opening.token_signature,
                          opening.nonce).hex() == case["commitment"]
    assert opening.nullifier.hex() == case["nullifier"]
    # By rule: keyed BLAKE2b-256 over the length-prefixed parts, key "pledge/v2/lab-commitment".
    parts = (opening.slug.encode("utf-8"), opening.prepared_message, opening.token_signature, opening.nonce)
    data = b"".join(u64le(len(part)) + part for part in parts)
    assert data.hex() == case["hash_input"]
    assert b(OPENINGS["key"]) == b"pledge/v2/lab-commitment" and OPENINGS["tag"] == "lab-commitment"
    assert hashlib.blake2b(data, digest_size=32, key=b(OPENINGS["key"])).hexdigest() == case["commitment"]
    assert hashlib.sha256(b"pledge-nullifier/v2" + opening.prepared_message).hexdigest() == case["nullifier"]
    # The JSON object is canonical with exactly the four keys.
    assert sorted(case["opening"]) == ["nonce", "prepared_message", "slug", "token_signature"]
    assert canonical_json(opening.doc()) == canonical_json(case["opening"])


def test_lab_commitment_vectors_bind_slug_and_nonce():
    cases = {c["name"]: c for c in OPENINGS["cases"]}
    first, renonced = cases["the entry of events.json"], cases["the first token with another nonce"]
    assert first["opening"]["prepared_message"] == renonced["opening"]["prepared_message"]
    assert first["commitment"] != renonced["commitment"] and first["nullifier"] == renonced["nullifier"]
    assert first["opening"] == EVENTS["opening"]
    assert len(cases["a slug of 255 UTF-8 bytes"]["opening"]["slug"].encode("utf-8")) == 255
    assert not cases["a non-ASCII slug"]["opening"]["slug"].isascii()
    opening = parse_opening(first["opening"])
    with pytest.raises(EncodingError):
        lab_commitment("", opening.prepared_message, opening.token_signature, opening.nonce)
    with pytest.raises(EncodingError):
        lab_commitment(opening.slug, opening.prepared_message, opening.token_signature, opening.nonce[:31])


# --- tree heads and cosignatures ----------------------------------------------------------------

HEADS = load("heads.json")


def _expected(prefix: bytes, head: dict) -> bytes:
    log_id = head["log_id"].encode("ascii")
    return (prefix + u64le(len(log_id)) + log_id + u64le(head["size"]) + u64le(head["timestamp"])
            + b(head["root"]))


@pytest.mark.parametrize("head", HEADS["heads"], ids=lambda h: f"size {h['size']}")
def test_head_vectors(head):
    log_id = head["log_id"].encode("ascii")
    args = (log_id, head["size"], head["timestamp"], b(head["root"]))
    assert merkle.tree_head_message(*args).hex() == head["message"]
    assert _expected(b"pledge/v2/sth", head).hex() == head["message"]
    assert merkle.sign_tree_head(b(HEADS["log_seed"]), *args).hex() == head["signature"]
    merkle.verify_tree_head(b(HEADS["log_key"]), *args, b(head["signature"]))

    assert merkle.cosign_message(*args).hex() == head["cosign_message"]
    assert _expected(b"pledge/v2/cosign", head).hex() == head["cosign_message"]
    witnesses = {w["key"]: w["seed"] for w in HEADS["witnesses"]}
    assert set(head["cosignatures"]) == set(witnesses)
    for key, signature in head["cosignatures"].items():
        assert merkle.sign_cosignature(b(witnesses[key]), *args).hex() == signature
        merkle.verify_cosignature(b(key), *args, b(signature))
        # a cosignature is not a tree head signature, nor the other way round
        with pytest.raises(InvalidSignature):
            merkle.verify_tree_head(b(key), *args, b(signature))
    with pytest.raises(InvalidSignature):
        merkle.verify_cosignature(b(HEADS["log_key"]), *args, b(head["signature"]))


def test_head_vectors_refuse_a_changed_field():
    head = HEADS["heads"][-1]
    log_id, size, timestamp, root = head["log_id"].encode("ascii"), head["size"], head["timestamp"], b(head["root"])
    signature = b(head["signature"])
    key = b(HEADS["log_key"])
    other_id = log_id[:-1] + (b"1" if log_id.endswith(b"0") else b"0")
    for changed in ((other_id, size, timestamp, root), (log_id, size + 1, timestamp, root),
                    (log_id, size, timestamp + 1, root), (log_id, size, timestamp, bytes(32))):
        with pytest.raises(InvalidSignature):
            merkle.verify_tree_head(key, *changed, signature)
