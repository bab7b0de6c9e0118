"""The record format: what the builder takes and makes, how strictly it is read, and the
``pledge-verify`` command line (exit codes, standard input, a fresh process)."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from crypto import dkg
from crypto.formats.files import manifest_ctx
from crypto.formats.jsonfile import VERSION
from crypto.formats.record import build_record, encode_record, parse_record, round_digest
from crypto.hashing import canonical_json
from crypto.opening import Opening
from pledge_tools.verify.cli import main

from .campaign import Campaign
from .conftest import Verify
from .test_tamper import assert_fails

ROOT = Path(__file__).resolve().parents[2]


def test_the_record_has_its_documented_top_level(full_record: dict[str, Any]) -> None:
    assert sorted(full_record) == ["counts", "ctx", "dkg", "exported_at", "kind", "log",
                                   "manifest", "outcome", "rounds", "v"]
    assert (full_record["v"], full_record["kind"]) == (VERSION, "campaign-record")
    assert sorted(full_record["log"]) == ["heads", "id", "leaves"]
    assert sorted(full_record["log"]["heads"][0]) == ["batch", "cosignatures", "root", "signature",
                                                      "size", "timestamp"]
    assert sorted(full_record["rounds"][0]) == ["entries", "number", "status"]
    assert sorted(full_record["outcome"]) == ["state", "threshold_met"]
    assert sorted(full_record["dkg"]) == ["Y", "deals", "transcript_signatures",
                                          "verification_keys"]
    assert sorted(full_record["rounds"][0]["entries"][0]) == ["ciphertext", "leaf_index", "opening",
                                                              "partials", "payload"]
    assert sorted(full_record["rounds"][0]["entries"][0]["opening"]) == [
        "nonce", "prepared_message", "slug", "token_signature"]
    # No per-lab number: only the labs that reached the per-lab minimum, as of round 1's freeze.
    assert full_record["counts"] == {"head_size": 26, "labs_reached": ["lab-a", "lab-b", "lab-c"]}


def test_encrypted_shares_stay_out_of_the_record(full: Campaign) -> None:
    data = encode_record(full.record())
    assert b"encrypted_shares" not in data
    share = next(iter(full.deals[1].encrypted_shares.values()))
    assert share.hex().encode() not in data


def test_encoding_is_canonical_json_and_a_newline(full: Campaign) -> None:
    record = full.record()
    data = encode_record(record)
    assert data == canonical_json(record) + b"\n"
    assert canonical_json(json.loads(data)) + b"\n" == data


def test_deals_may_be_given_as_dicts(full: Campaign) -> None:
    inputs = full.record_inputs()
    as_objects = canonical_json(build_record(**inputs))
    inputs["deals"] = [dkg.deal_to_dict(d) for d in reversed(inputs["deals"])]
    assert canonical_json(build_record(**inputs)) == as_objects


# docs/protocol.md §8 (the round-revealed digest): the example's two openings.
EXAMPLE = {
    3: Opening("lab-a", b"\x44" * 40, b"\x55" * 32, b"\x66" * 32),
    10: Opening("lab-b", b"\x77" * 40, b"\x88" * 32, b"\x99" * 32),
}


@pytest.mark.parametrize(("rnd", "message"), [
    ({"number": 1, "status": "revealed", "ciphertexts": {}, "partials": {}, "revealed": {3: b"{}"}},
     "round 1: a payload for leaf 3, which has no ciphertext"),
    ({"number": 1, "status": "revealed", "ciphertexts": {}, "partials": {}, "revealed": {},
      "openings": {3: EXAMPLE[3]}}, "round 1: an opening for leaf 3, which has no ciphertext"),
    ({"number": 1, "status": "revealed", "ciphertexts": {3: b"c"}, "partials": {}, "revealed": {},
      "openings": {3: EXAMPLE[3]}}, "round 1: leaf 3 has a ciphertext but no payload"),
    ({"number": 1, "status": "revealed", "ciphertexts": {3: b"c"}, "partials": {},
      "revealed": {3: b"{}"}}, "round 1: leaf 3 has a ciphertext but no opening"),
    ({"number": 1, "status": "revealed", "ciphertexts": {3: b"c"}, "partials": {2: [(4, b"p")]},
      "revealed": {3: b"{}"}, "openings": {3: EXAMPLE[3]}},
     "round 1: a partial for leaf 4, which has no ciphertext"),
    ({"number": 1, "status": "pending", "openings": {3: EXAMPLE[3]}},
     "round 1 is pending: it publishes nothing"),
    ({"number": 1, "status": "pending", "ciphertexts": {3: b"c"}},
     "round 1 is pending: it publishes nothing"),
    ({"number": 1, "status": "abandoned", "partials": {1: [(3, b"p")]}},
     "round 1 is abandoned: it publishes nothing"),
    ({"number": 1, "status": "frozen"}, "round 1: status must be one of pending, revealed"),
])
def test_the_builder_refuses_input_the_format_cannot_hold(
    small: Campaign, rnd: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_record(**{**small.record_inputs(), "rounds": [rnd]})


PROTOCOL_EXAMPLE_DIGEST = "8a9a2c4a488e9342d6a49ef5e08ea0e3cbd238bef4bacddf5946e1c8b6a7c703"


def test_the_round_digest_of_the_protocol_example() -> None:
    # docs/protocol.md §8: entries 3 and 10, their openings, partials of 0x11, 0x22 and 0x33.
    entries = {10: (EXAMPLE[10], {2: b"\x33" * 96}), 3: (EXAMPLE[3], {2: b"\x22" * 96, 1: b"\x11" * 96})}
    assert round_digest(entries).hex() == PROTOCOL_EXAMPLE_DIGEST


def _opening_json(opening: Opening) -> bytes:
    return (b'{"nonce":"' + opening.nonce.hex().encode() + b'","prepared_message":"'
            + opening.prepared_message.hex().encode() + b'","slug":"' + opening.slug.encode()
            + b'","token_signature":"' + opening.token_signature.hex().encode() + b'"}')


def test_the_round_digest_is_sha256_of_the_documented_listing() -> None:
    a, b = EXAMPLE[3], EXAMPLE[10]
    entries = {7: (b, {3: b"\x02" * 96, 1: b"\x01" * 96}), 2: (a, {2: b"\x03" * 96})}
    listing = (b'[{"leaf_index":2,"opening":' + _opening_json(a) + b',"partials":{"2":"' + b"03" * 96
               + b'"}},{"leaf_index":7,"opening":' + _opening_json(b) + b',"partials":{"1":"'
               + b"01" * 96 + b'","3":"' + b"02" * 96 + b'"}}]')
    assert round_digest(entries) == hashlib.sha256(listing).digest()


# --- strict reading -------------------------------------------------------------------------


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = value
    return change


def _delete(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        del parent[path[-1]]
    return change


def _rekey(path: tuple[Any, ...], old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def change(doc: dict[str, Any]) -> None:
        parent = doc
        for key in path:
            parent = parent[key]
        parent[new] = parent.pop(old)
    return change


def _first_cosigner(doc: dict[str, Any]) -> str:
    return sorted(doc["log"]["heads"][0]["cosignatures"])[0]


def _upper_cosigner(doc: dict[str, Any]) -> None:
    key = _first_cosigner(doc)
    _rekey(("log", "heads", 0, "cosignatures"), key, key.upper())(doc)


BIG = 2**64
INT = r"must be an integer from \d+ to \d+"
STRICT: list[tuple[str, Callable[[dict[str, Any]], None], str]] = [
    ("unknown field", _set(("extra",), 1), r"the record: unknown field extra"),
    ("no exported_at", _delete(("exported_at",)), r"the record: missing field exported_at"),
    ("v1 log key", _set(("log", "public_key"), "00" * 32), r"field log: unknown field public_key"),
    ("extra in rule", _set(("manifest", "rule", "extra"), 1), r"field rule: unknown field extra"),
    ("extra in a lab", _set(("manifest", "labs", 0, "extra"), 1),
     r"field labs\[0\]: unknown field extra"),
    ("extra in a trustee", _set(("manifest", "trustees", 0, "extra"), 1),
     r"field trustees\[0\]: unknown field extra"),
    ("extra in the manifest", _set(("manifest", "extra"), 1), r"field manifest: unknown field extra"),
    ("extra in a head", _set(("log", "heads", 1, "extra"), 1),
     r"field heads\[1\]: unknown field extra"),
    ("no cosignatures", _delete(("log", "heads", 1, "cosignatures")),
     r"field heads\[1\]: missing field cosignatures"),
    ("v1 round size", _set(("rounds", 0, "size"), 26), r"field rounds\[0\]: unknown field size"),
    ("extra in an entry", _set(("rounds", 0, "entries", 3, "extra"), 1),
     r"field entries\[3\]: unknown field extra"),
    ("v1 destroy confirmations", _set(("outcome", "destroy_confirmations"), {}),
     r"field outcome: unknown field destroy_confirmations"),
    ("extra in counts", _set(("counts", "extra"), 1), r"field counts: unknown field extra"),
    ("v1 per-lab counts", _set(("counts", "labs"), {"lab-a": 7}), r"field counts: unknown field labs"),
    ("labs_reached unsorted", _set(("counts", "labs_reached"), ["lab-b", "lab-a"]),
     r"field counts: field labs_reached\[1\]: labs_reached must be sorted, each lab once"),
    ("a lab reached twice", _set(("counts", "labs_reached"), ["lab-a", "lab-a"]),
     r"field labs_reached\[1\]: labs_reached must be sorted"),
    ("a number as a lab", _set(("counts", "labs_reached"), [7]),
     r"field counts: field labs_reached\[0\] must be a lab slug"),
    ("no opening", _delete(("rounds", 0, "entries", 2, "opening")),
     r"field entries\[2\]: missing field opening"),
    ("extra in an opening", _set(("rounds", 0, "entries", 2, "opening", "lab"), "lab-a"),
     r"field entries\[2\]: field opening: an opening is an object with exactly nonce"),
    ("a short nonce", _set(("rounds", 0, "entries", 2, "opening", "nonce"), "00" * 31),
     r"field entries\[2\]: field opening: opening nonce must be 32\.\.32 bytes"),
    ("upper-case hex in an opening", lambda doc: _set(
        ("rounds", 0, "entries", 2, "opening", "prepared_message"),
        doc["rounds"][0]["entries"][2]["opening"]["prepared_message"].upper())(doc),
     r"field opening: opening field prepared_message must be lowercase hex"),
    ("extra in dkg", _set(("dkg", "extra"), 1), r"field dkg: unknown field extra"),
    ("a cosigner in upper case", _upper_cosigner, r"field cosignatures: key '[0-9A-F]+' must be "
                                                  r"lowercase hex"),
    ("a short cosignature", lambda doc: _set(("log", "heads", 0, "cosignatures",
                                              _first_cosigner(doc)), "00" * 63)(doc),
     r"field cosignatures: field [0-9a-f]{64} must be 64 bytes"),
    ("2^64 in the rule", _set(("manifest", "rule", "min_total"), BIG), rf"field min_total {INT}"),
    ("2^64 as the batch interval", _set(("manifest", "batch_interval"), BIG),
     rf"field batch_interval {INT}"),
    ("2^64 as the reveal window", _set(("manifest", "reveal_window"), BIG),
     rf"field reveal_window {INT}"),
    ("2^64 as k", _set(("manifest", "k"), BIG), rf"field k {INT}"),
    ("2^63 as exported_at", _set(("exported_at",), 2**63), rf"field exported_at {INT}"),
    ("a negative time", _set(("log", "heads", 0, "timestamp"), -1), rf"field timestamp {INT}"),
    ("a float", _set(("exported_at",), 1.5), r"not valid JSON: number 1\.5 is not an integer"),
    ("practice as 0", _set(("manifest", "practice"), 0),
     r"field practice must be true or false"),
    ("a boolean w", _set(("manifest", "w"), True), rf"field w {INT}"),
    ("a log key too short", _set(("manifest", "log_key"), "00" * 31),
     r"field log_key must be 32 bytes"),
    ("a witness without a name", _set(("manifest", "witnesses"), [{"ed25519": "00" * 32}]),
     r"field witnesses\[0\]: missing field name"),
    ("another manifest version", _set(("manifest", "v"), VERSION + 1),
     r"field manifest: field v must be \d"),
    ("upper-case hex", lambda doc: _set(("ctx",), doc["ctx"].upper())(doc),
     r"the record: field ctx must be lowercase hex"),
    ("boolean for an integer", _set(("counts", "head_size"), True),
     r"field counts: field head_size must be an integer"),
    ("leading zero index", _rekey(("dkg", "verification_keys"), "1", "01"),
     r"field verification_keys: key '01' is not a trustee index 1\.\.5"),
    ("short partial", _set(("rounds", 0, "entries", 0, "partials", "1"), "00" * 95),
     r"field partials: field 1 must be 96 bytes"),
    ("unknown state", _set(("outcome", "state"), "won"),
     r"field outcome: field state must be one of open, revealed, closed"),
    ("unknown round status", _set(("rounds", 0, "status"), "closed"),
     r"field status must be one of pending, revealed, abandoned"),
    ("kind", _set(("kind",), "round"), r"the record is not a version \d campaign-record file"),
]


@pytest.mark.parametrize(("change", "pattern"), [(c, p) for _, c, p in STRICT],
                         ids=[name for name, _, _ in STRICT])
def test_the_record_is_read_strictly(
    verify: Verify, full_record: dict[str, Any], change: Callable[[dict[str, Any]], None],
    pattern: str
) -> None:
    doc = copy.deepcopy(full_record)
    change(doc)
    assert_fails(verify, doc, pattern)


@pytest.mark.parametrize("encoding", ["PKCS#1 DER", "PEM"])
def test_a_token_key_must_be_spki_der(
    verify: Verify, full: Campaign, full_record: dict[str, Any], encoding: str
) -> None:
    # The same RSA key, encoded otherwise; ctx recomputed so that only the encoding differs.
    key = full.token_keys["lab-b"].public_key()
    data = (key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
            if encoding == "PKCS#1 DER" else
            key.public_bytes(serialization.Encoding.PEM,
                             serialization.PublicFormat.SubjectPublicKeyInfo))
    doc = copy.deepcopy(full_record)
    doc["manifest"]["labs"][1]["token_public_key"] = data.hex()
    doc["ctx"] = manifest_ctx(doc["manifest"]).hex()
    assert_fails(verify, doc, r"manifest: lab lab-b's token public key is not the SPKI DER of an "
                              r"RSA key")


def test_parse_record_gives_typed_data(full_record: dict[str, Any]) -> None:
    record = parse_record(full_record)
    assert (record.manifest.t, record.manifest.n, len(record.deals)) == (3, 5, 5)
    assert len(record.leaves) == 29 and [h.batch for h in record.heads] == [1, 2, 3, 4]
    assert record.rounds[0].entries[0].partials.keys() == {1, 3, 5}
    assert record.rounds[0].status == "revealed" and record.outcome.state == "revealed"
    assert len(record.heads[0].cosignatures) == 5 and record.exported_at > record.heads[-1].timestamp


# --- the command line -----------------------------------------------------------------------


def test_the_module_runs_in_a_fresh_process(tmp_path: Path, full_record: dict[str, Any]) -> None:
    path = tmp_path / "record.json"
    path.write_text(json.dumps(full_record))
    result = subprocess.run([sys.executable, "-m", "pledge_tools.verify", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("pledge-verify: OK: campaign")
    result = subprocess.run([sys.executable, "-m", "pledge_tools.verify", "-", "--quiet"],
                            cwd=ROOT, input=json.dumps(full_record), capture_output=True,
                            text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_file_problems_and_bad_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path / "missing.json")]) == 5
    assert "pledge-verify: error: " in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text('{"v": 1, "v": 1}')
    assert main([str(bad)]) == 1
    assert "pledge-verify: FAILED: the record is not valid JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
