"""Campaigns for the verifier tests: one full 3-of-5 campaign built once, small 2-of-3 ones on
demand, and a helper that runs ``pledge-verify`` on a record."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from crypto import blindrsa
from pledge_tools.verify.cli import main

from .campaign import Campaign, plain

LABS = ("lab-a", "lab-b", "lab-c")
QUORUM = (1, 3, 5)
# Per batch, the labs of its new entries (the full campaign).
BATCHES = (
    "aaabbbcc",
    "aaabbbcc",
    "aabbcccc",  # with a withdrawal of leaf 1: the rule (20 overall, 5 at 3 labs) is met here
    "ab",
)


@pytest.fixture(scope="session")
def token_keys() -> dict[str, rsa.RSAPrivateKey]:
    """One RSA token key per lab, shared by every campaign of the session (RSA keygen is slow)."""
    return {slug: blindrsa.generate_key() for slug in LABS}


@pytest.fixture(scope="session")
def full(token_keys: dict[str, rsa.RSAPrivateKey]) -> Campaign:
    """Given a 3-of-5 campaign with 26 entries at 3 labs over 4 batches, one withdrawal,
    round 1 frozen in batch 3 (leaf 25) and revealed in batch 4 (leaf 28) by trustees 1, 3 and
    5, every head cosigned by the five trustees (w = 3)."""
    c = Campaign(t=3, n=5, token_keys=token_keys, rule=(20, 5, 3))
    c.freeze()
    count = 0
    for number, labs in enumerate(BATCHES, start=1):
        for letter in labs:
            display = "anonymous" if count % 4 == 3 else "name"
            c.add(c.sign(f"lab-{letter}", f"Signer {count}", display=display))
            count += 1
        if number == 3:
            c.withdraw(1)
            c.freeze_round()
        if number == 4:
            c.reveal(1, QUORUM)
        c.publish()
    return c


@pytest.fixture(scope="session")
def full_record(full: Campaign) -> dict[str, Any]:
    """The full campaign's record as parsed JSON (tests copy it before changing it)."""
    return plain(full.record())


@pytest.fixture
def small(token_keys: dict[str, rsa.RSAPrivateKey]) -> Campaign:
    """A fresh 2-of-3 campaign at labs a and b whose rule is 4 overall, 2 at each of 2 labs."""
    c = Campaign(t=2, n=3, token_keys={s: token_keys[s] for s in LABS[:2]}, rule=(4, 2, 2))
    c.freeze()
    return c


Verify = Callable[..., tuple[int, str, str]]


@pytest.fixture
def verify(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Verify:
    """Write a record and run ``pledge-verify`` on it; returns (exit code, stdout, stderr)."""

    def run(record: dict[str, Any], *args: str) -> tuple[int, str, str]:
        path = tmp_path / "record.json"
        path.write_text(json.dumps(record))
        capsys.readouterr()
        code = main([str(path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


class _Site(http.server.ThreadingHTTPServer):
    pages: dict[str, bytes | str]


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Site

    def do_GET(self) -> None:
        body = self.server.pages.get(self.path)
        if isinstance(body, str):  # a redirect there
            self.send_response(302)
            self.send_header("Location", body)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", "application/json")
        data = body if body is not None else b'{"error": "not-found", "message": "No such page."}'
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[tuple[str, dict[str, bytes | str]]]:
    """A real HTTP server on 127.0.0.1 serving JSON pages by path (set them in the dict; a
    ``str`` value redirects there): what the campaign's site answers to ``pledge-verify
    --server`` and a witness URL."""
    server = _Site(("127.0.0.1", 0), _Handler)
    server.pages = {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
