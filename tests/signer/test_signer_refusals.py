"""What ``pledge-sign`` refuses: a misbehaving server (a small fake, since the real one behaves),
an unreachable one, a plain-HTTP one, and a tokens file it does not understand."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from crypto import blindrsa
from crypto.hashing import WIRE_VERSION, canonical_json
from pledge_tools.sign.cli import main
from tests.browser import live_server
from tests.mailsink import free_port
from tests.signer.fake_server import CODE, FakeCampaign, FakeServer
from tests.signer.helpers import (
    assert_token_verifies,
    one_error_line,
    read_tokens,
    sign_verify,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake(monkeypatch):
    """A fake server with two campaigns; the code is given as a script would give it."""
    monkeypatch.setenv("PLEDGE_SIGN_CODE", CODE)
    server = FakeServer([FakeCampaign("Alpha pledge"), FakeCampaign("Beta pledge")])
    with live_server(server) as url:
        server.url = url
        yield server


def test_a_manifest_that_does_not_match_its_ctx_is_refused_before_asking(fake, tmp_path, capsys):
    fake.tamper_ctx = True
    out = tmp_path / "tokens.json"
    assert sign_verify(fake.url, out) == 1
    assert "does not match its ctx" in one_error_line(capsys)
    assert fake.issue_bodies == [] and not out.exists()


def test_a_manifest_without_the_labs_key_is_refused(fake, tmp_path, capsys):
    fake.drop_lab_key = True
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 1
    assert "holds no token key for lab anthropic" in one_error_line(capsys)
    assert fake.issue_bodies == []


def test_another_campaigns_manifest_is_refused(fake, tmp_path, capsys):
    fake.swap_manifest = True  # every manifest URL serves the last campaign's (valid) manifest
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 1
    assert "another campaign's manifest" in one_error_line(capsys)
    assert fake.issue_bodies == []


def test_a_blind_signature_that_does_not_finalize_is_reported_and_the_good_one_kept(
    fake, tmp_path, capsys
):
    alpha, beta = fake.campaigns
    fake.bad_signature_for = {alpha.public_id}
    out = tmp_path / "tokens.json"
    assert sign_verify(fake.url, out) == 1
    assert "blind signature for “Alpha pledge” does not verify" in one_error_line(capsys)
    [kept] = read_tokens(out)
    assert kept["campaign"] == beta.public_id
    assert_token_verifies(kept, blindrsa.public_key_der(beta.key))


def test_the_issue_request_covers_every_listed_campaign_with_fresh_blinding(fake, tmp_path):
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 0
    [body] = fake.issue_bodies
    assert [r["campaign"] for r in body["requests"]] == [c.public_id for c in fake.campaigns]
    assert all(len(bytes.fromhex(r["blinded"])) == 256 for r in body["requests"])
    assert sign_verify(fake.url, tmp_path / "other.json") == 0
    first, second = ({r["blinded"] for r in b["requests"]} for b in fake.issue_bodies)
    assert not first & second


def test_a_token_already_in_the_file_is_never_replaced(fake, tmp_path, capsys):
    alpha, beta = fake.campaigns
    out = tmp_path / "tokens.json"
    theirs = {"campaign": alpha.public_id, "slug": alpha.slug, "title": "Alpha pledge",
              "lab": "anthropic", "token_key": "00", "prepared": "11", "signature": "22",
              "exported_by": "browser"}
    out.write_bytes(canonical_json({"v": WIRE_VERSION, "kind": "pledge-tokens", "tokens": [theirs]}))
    out.chmod(0o644)

    assert sign_verify(fake.url, out) == 0
    tokens = read_tokens(out)
    assert tokens[0] == theirs and [t["campaign"] for t in tokens[1:]] == [beta.public_id]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "already holds a token for “Alpha pledge”" in capsys.readouterr().out


@pytest.mark.parametrize("content", [
    b"not json", b'{"v": 2, "kind": "trustee-key"}',
    b'{"v": 2, "kind": "pledge-tokens", "tokens": [{"campaign": "x"}]}',
])
def test_a_tokens_file_it_does_not_understand_is_left_alone(fake, tmp_path, capsys, content):
    out = tmp_path / "tokens.json"
    out.write_bytes(content)
    assert sign_verify(fake.url, out) == 5
    assert one_error_line(capsys).endswith("; leaving it alone")
    assert out.read_bytes() == content and fake.calls == []


def test_a_redirect_is_not_followed(fake, tmp_path, capsys):
    fake.redirect_start = True
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 4
    assert "refusing to follow it" in one_error_line(capsys)
    assert fake.calls == ["POST /api/verify/start"]


def test_a_start_reply_without_a_handle_is_refused_before_any_code_is_sent(fake, tmp_path, capsys):
    fake.drop_handle = True
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 1
    assert "field handle" in one_error_line(capsys)
    assert fake.calls == ["POST /api/verify/start"]


def test_server_text_cannot_drive_the_terminal(fake, tmp_path, capsys):
    fake.message = "Code sent.\x1b]0;owned\x07\x1b[2J"
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 0
    out = capsys.readouterr().out
    assert "Code sent." in out and "\x1b" not in out and "\x07" not in out


def test_an_unreachable_server_is_one_line_and_exit_6(tmp_path, capsys):
    assert sign_verify(f"http://127.0.0.1:{free_port()}", tmp_path / "tokens.json") == 6
    assert "cannot reach http://127.0.0.1:" in one_error_line(capsys)


@pytest.mark.parametrize("server", ["http://pledge.example", "ftp://pledge.example",
                                    "https://user@pledge.example", "https://pledge.example/verify"])
def test_only_an_https_origin_or_loopback_http_is_accepted(server, tmp_path, capsys):
    assert sign_verify(server, tmp_path / "tokens.json") == 2
    assert "argument --server" in capsys.readouterr().err


def test_the_tool_runs_as_a_module_and_documents_itself(capsys):
    result = subprocess.run([sys.executable, "-m", "pledge_tools.sign", "verify", "--help"],
                            cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert "--server" in result.stdout and "--email" in result.stdout
    assert main([]) == 2


def test_a_malformed_code_costs_no_server_attempt(fake, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PLEDGE_SIGN_CODE", "12-34")
    assert sign_verify(fake.url, tmp_path / "tokens.json") == 1
    assert "not a code from the email" in one_error_line(capsys)
    assert "POST /api/verify/check" not in fake.calls


def test_the_file_is_canonical_json(fake, tmp_path):
    out = tmp_path / "tokens.json"
    assert sign_verify(fake.url, out) == 0
    data = out.read_bytes()
    assert data == canonical_json(json.loads(data)) + b"\n"
