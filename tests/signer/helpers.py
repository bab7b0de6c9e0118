"""Helpers for the ``pledge-sign`` tests: run the tool, read and check its tokens file."""

from __future__ import annotations

import json
from pathlib import Path

from crypto import blindrsa
from crypto.hashing import WIRE_VERSION
from pledge_tools.sign.cli import main

ADDRESS = "ada.lovelace@anthropic.com"


def sign_verify(url: str, out: Path, email: str = ADDRESS) -> int:
    """``pledge-sign verify --server URL --email ADDRESS --out FILE``."""
    return main(["verify", "--server", url, "--email", email, "--out", str(out)])


def read_tokens(path: Path) -> list[dict]:
    """The token entries of a tokens file (checking its envelope)."""
    doc = json.loads(path.read_text())
    assert doc["v"] == WIRE_VERSION and doc["kind"] == "pledge-tokens"
    return doc["tokens"]


def assert_token_verifies(entry: dict, public_key_der: bytes) -> blindrsa.TokenMessage:
    """The token's signature verifies under ``public_key_der`` (the campaign's key)."""
    assert bytes.fromhex(entry["token_key"]) == public_key_der
    key = blindrsa.load_public_key(public_key_der)
    prepared, signature = bytes.fromhex(entry["prepared"]), bytes.fromhex(entry["signature"])
    return blindrsa.verify_token(key, prepared, signature)


def one_error_line(capsys) -> str:
    """Standard error must be exactly one ``pledge-sign: error:`` line; return it (request
    log lines of a test server, if any reach standard error, are ignored)."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if not line.startswith("127.0.0.1 - -")]
    assert len(lines) == 1 and lines[0].startswith("pledge-sign: error: "), err
    return lines[0]
