"""The record format: what the builder takes and makes, how strictly it is read, and the
``pledge-verify`` command line (exit codes, standard input, a fresh process)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crypto import dkg
from crypto.formats.record import build_record, encode_record, parse_record
from crypto.hashing import WIRE_VERSION, canonical_json
from pledge_tools.verify.cli import main

from .campaign import Campaign
from .conftest import Verify
from .test_tamper import assert_fails

ROOT = Path(__file__).resolve().parents[2]


def test_the_record_has_its_documented_top_level(full_record: dict[str, Any]) -> None:
    assert sorted(full_record) == ["counts", "ctx", "dkg", "kind", "log", "manifest", "outcome",
                                   "rounds", "v"]
    assert (full_record["v"], full_record["kind"]) == (WIRE_VERSION, "campaign-record")
    assert sorted(full_record["dkg"]) == ["Y", "deals", "transcript_signatures",
                                          "verification_keys"]
    assert sorted(full_record["rounds"][0]["entries"][0]) == ["ciphertext", "leaf_index",
                                                              "partials", "payload"]


def test_encrypted_shares_stay_out_of_the_record(full: Campaign) -> None:
    data = encode_record(full.record("revealed"))
    assert b"encrypted_shares" not in data
    share = next(iter(full.deals[1].encrypted_shares.values()))
    assert share.hex().encode() not in data


def test_encoding_is_canonical_json_and_a_newline(full: Campaign) -> None:
    record = full.record("revealed")
    data = encode_record(record)
    assert data == canonical_json(record) + b"\n"
    assert canonical_json(json.loads(data)) + b"\n" == data


def test_deals_may_be_given_as_dicts(full: Campaign) -> None:
    inputs = full.record_inputs("revealed")
    as_objects = canonical_json(build_record(**inputs))
    inputs["deals"] = [dkg.deal_to_dict(d) for d in reversed(inputs["deals"])]
    assert canonical_json(build_record(**inputs)) == as_objects


@pytest.mark.parametrize(("rnd", "message"), [
    ({"number": 1, "size": 4, "ciphertexts": {}, "partials": {}, "revealed": {3: b"{}"}},
     "round 1: a payload for leaf 3, which has no ciphertext"),
    ({"number": 1, "size": 4, "ciphertexts": {3: b"c"}, "partials": {}, "revealed": {}},
     "round 1: leaf 3 has a ciphertext but no payload"),
    ({"number": 1, "size": 4, "pending": True, "ciphertexts": {3: b"c"}},
     "round 1 is pending: it publishes nothing yet"),
])
def test_the_builder_refuses_input_the_format_cannot_hold(
    small: Campaign, rnd: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_record(**{**small.record_inputs("open"), "rounds": [rnd]})


# --- strict reading -------------------------------------------------------------------------


def _changed(record: dict[str, Any], change: str) -> dict[str, Any]:
    doc = copy.deepcopy(record)
    if change == "unknown field":
        doc["extra"] = 1
    elif change == "upper-case hex":
        doc["ctx"] = doc["ctx"].upper()
    elif change == "boolean for an integer":
        doc["counts"]["head_size"] = True
    elif change == "leading zero index":
        doc["dkg"]["verification_keys"]["01"] = doc["dkg"]["verification_keys"].pop("1")
    elif change == "short partial":
        doc["rounds"][0]["entries"][0]["partials"]["1"] = "00" * 95
    elif change == "unknown state":
        doc["outcome"]["state"] = "won"
    elif change == "kind":
        doc["kind"] = "round"
    return doc


@pytest.mark.parametrize(("change", "pattern"), [
    ("unknown field", r"the record: unknown field extra"),
    ("upper-case hex", r"the record: field ctx must be lowercase hex"),
    ("boolean for an integer", r"field counts: field head_size must be an integer"),
    ("leading zero index", r"field verification_keys: key '01' is not a trustee index 1\.\.5"),
    ("short partial", r"field partials: field 1 must be 96 bytes"),
    ("unknown state", r"field outcome: field state must be one of open, revealed, closed"),
    ("kind", rf"the record is not a version {WIRE_VERSION} campaign-record file"),
])
def test_the_record_is_read_strictly(
    verify: Verify, full_record: dict[str, Any], change: str, pattern: str
) -> None:
    assert_fails(verify, _changed(full_record, change), pattern)


def test_parse_record_gives_typed_data(full_record: dict[str, Any]) -> None:
    record = parse_record(full_record)
    assert (record.manifest.t, record.manifest.n, len(record.deals)) == (3, 5, 5)
    assert len(record.leaves) == 27 and [h.batch for h in record.heads] == [1, 2, 3, 4]
    assert record.rounds[0].entries[0].partials.keys() == {1, 3, 5}


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
    bad.write_text('{"v": 2, "v": 2}')
    assert main([str(bad)]) == 1
    assert "pledge-verify: FAILED: the record is not valid JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
