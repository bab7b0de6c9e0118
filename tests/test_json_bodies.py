"""Every endpoint that reads a JSON body refuses one nested too deep with a clear 400 and one too
long with a clear 413, in the API's error shape, before parsing it and without changing anything;
the tools that read JSON files and replies say what is wrong instead of printing a traceback."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from pledge.api.body import MAX_JSON_BYTES, MAX_JSON_DEPTH, json_depth_exceeds
from pledge.extensions import db
from pledge.models import Entry
from tests.browser import live_server

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Every route that reads a JSON body (tests/test_routes.py lists every route of the app).
VERIFY_ENDPOINTS = ("/api/verify/start", "/api/verify/check", "/api/verify/issue")
CAMPAIGN_ENDPOINTS = ("/api/campaigns/{slug}/entries", "/api/campaigns/{slug}/withdrawals",
                      "/api/campaigns/{slug}/log/cosignatures")

DEEP = {
    "deep arrays": b"[" * 100_000,
    "deep objects": b'{"a":' * 50_000,
    "deep arrays, closed": b"[" * 50_000 + b"]" * 50_000,
    "deep objects, closed": b'{"a":' * 25_000 + b"1" + b"}" * 25_000,
    "one level too deep": b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
    "deep inside a valid object": b'{"email": "a@b.c", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}",
}


def endpoints(slug: str) -> list[str]:
    return [*VERIFY_ENDPOINTS, *(path.format(slug=slug) for path in CAMPAIGN_ENDPOINTS)]


def entries() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Entry))


def assert_refusal(response, status: int, error: str, words: str) -> None:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error", "message"} and body["error"] == error, body
    assert words in body["message"], body


def test_the_depth_scan_counts_brackets_outside_strings_only():
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)
    assert json_depth_exceeds(b"[" * 33, 32)
    assert json_depth_exceeds(b'{"a":' * 33, 32)
    assert not json_depth_exceeds(b'["' + b"[" * 1000 + b'"]', 32)  # brackets in a string
    assert not json_depth_exceeds(b'{"[[[[": "{{{{"}', 2)
    assert not json_depth_exceeds(b'["\\"' + b"[" * 1000 + b'"]', 32)  # an escaped quote does not end it
    assert json_depth_exceeds(b'["\\\\"' + b",[" * 40 + b"]" * 40 + b"]", 32)  # an escaped backslash does
    assert not json_depth_exceeds(b"[]" * 100_000, 1)
    assert not json_depth_exceeds(b"", 0) and not json_depth_exceeds(b'"' * 7, 0)


@pytest.mark.parametrize("shape", sorted(DEEP))
def test_deep_bodies_get_a_clear_400_everywhere(app, client, launched, shape):
    campaign, _, _ = launched
    before = entries()
    for path in endpoints(campaign.slug):
        response = client.post(path, data=DEEP[shape], content_type="application/json")
        assert_refusal(response, 400, "bad_request", f"more than {MAX_JSON_DEPTH} deep")
    assert entries() == before == 0


def test_bodies_at_the_depth_limit_reach_the_checks_of_each_endpoint(app, client, launched):
    campaign, _, _ = launched
    at_limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    in_a_string = b'{"email": "' + b"[" * 10_000 + b'"}'  # brackets in a string are not nesting
    for body in (at_limit, in_a_string):
        for path in endpoints(campaign.slug):
            response = client.post(path, data=body, content_type="application/json")
            assert response.status_code == 400 and response.is_json, path
            assert "deep" not in response.get_json()["message"], (path, response.get_json())


@pytest.mark.parametrize("size", [MAX_JSON_BYTES + 1, 1_000_000])
def test_long_bodies_get_a_clear_413_everywhere(app, client, launched, size):
    campaign, _, _ = launched
    # A valid JSON value (a list of zeros) of exactly ``size`` bytes.
    tail = b"0" if (size - 3) % 2 == 0 else b"10"
    body = b"[" + b"0," * ((size - 2 - len(tail)) // 2) + tail + b"]"
    assert len(body) == size and isinstance(json.loads(body), list)
    for path in endpoints(campaign.slug):
        response = client.post(path, data=body, content_type="application/json")
        assert_refusal(response, 413, "too_large", f"{MAX_JSON_BYTES} bytes")
    assert entries() == 0


def test_a_body_at_the_size_limit_is_read(app, client, launched):
    campaign, _, _ = launched
    padding = MAX_JSON_BYTES - len(b'{"email": ""}')
    body = b'{"email": "' + b"x" * padding + b'"}'
    assert len(body) == MAX_JSON_BYTES
    for path in endpoints(campaign.slug):
        response = client.post(path, data=body, content_type="application/json")
        assert response.status_code in (400, 422) and response.get_json()["error"] != "too_large", path


def test_a_chunked_body_without_a_length_is_cut_at_the_limit(app):
    """No Content-Length: the server reads one byte past the limit, not the whole stream."""
    with live_server(app) as url:
        parts = urlsplit(url)
        for body, status in ((b"[" * 100_000, 400), (b"[" + b"0," * 200_000 + b"0]", 413)):
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            try:
                connection.request("POST", "/api/verify/check", body=iter([body[i:i + 8192]
                                                                          for i in range(0, len(body), 8192)]),
                                   headers={"Content-Type": "application/json"}, encode_chunked=True)
                response = connection.getresponse()
                reply = json.loads(response.read())
            finally:
                connection.close()
            assert response.status == status, reply
            assert set(reply) == {"error", "message"}


def test_a_deep_trustee_upload_is_refused_with_a_message(app):
    from pledge.services.ceremony import CeremonyError, parse_upload

    for body in (b"[" * 100_000, b'{"a":' * 50_000, b'{"v": 2, "kind": "deal", "x": ' + b"[" * 100_000):
        with pytest.raises(CeremonyError) as refused:
            parse_upload(body, {"deal"})
        assert "not valid JSON" in str(refused.value)


# --- the tools ------------------------------------------------------------------------------------


def run_tool(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / args[0]), *args[1:]], input=stdin, capture_output=True, cwd=ROOT,
                          timeout=120, check=False, env={**os.environ, **(env or {})})


def assert_clear_failure(result: subprocess.CompletedProcess, words: str) -> None:
    err = result.stderr.decode()
    assert result.returncode != 0
    assert "Traceback" not in err and "RecursionError" not in err, err[-2000:]
    assert words in err, err[-2000:]


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"a":' * 100_000, b"[" * 3_000_000 + b"]" * 3_000_000])
def test_pledge_verify_says_a_deep_record_is_not_valid_json(tmp_path, body):
    record = tmp_path / "record.json"
    record.write_bytes(body)
    assert_clear_failure(run_tool("pledge-verify", str(record)), "not valid JSON")
    assert_clear_failure(run_tool("pledge-verify", "-", stdin=body), "not valid JSON")


def test_pledge_trustee_says_a_deep_package_is_not_valid_json(tmp_path):
    for name in ("key.json", "share.json", "package.json"):
        (tmp_path / name).write_bytes(b'{"v": 2, "kind": "round", "x": ' + b"[" * 100_000)
    result = run_tool("pledge-trustee", "decrypt", "--key", str(tmp_path / "key.json"), "--share",
                      str(tmp_path / "share.json"), "--package", str(tmp_path / "package.json"),
                      "--out", str(tmp_path / "out.json"))
    assert_clear_failure(result, "not valid JSON")
    assert not (tmp_path / "out.json").exists()


def deep_reply(environ, start_response):
    """A server whose every reply is JSON nested a hundred thousand lists deep."""
    start_response("200 OK", [("Content-Type", "application/json")])
    return [b"[" * 100_000]


def test_the_networked_tools_say_a_deep_reply_is_not_valid_json(tmp_path):
    env = {"PLEDGE_TRUSTEE_PASSPHRASE": "a witness passphrase for this test"}
    made = run_tool("pledge-witness", "init", "--name", "Test witness", "--key", str(tmp_path / "witness.key"),
                    "--kdf", "interactive", env=env)
    assert made.returncode == 0, made.stderr.decode()
    with live_server(deep_reply) as url:
        sign = run_tool("pledge-sign", "verify", "--server", url, "--email", "a@example.com",
                        "--out", str(tmp_path / "tokens.json"))
        assert_clear_failure(sign, "not valid JSON")
        assert not (tmp_path / "tokens.json").exists()
        witness = run_tool("pledge-witness", "check", "--server", url, "--campaign", "demo", "--key",
                           str(tmp_path / "witness.key"), "--state", str(tmp_path / "state.json"), env=env)
        assert_clear_failure(witness, "not valid JSON")
