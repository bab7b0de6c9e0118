"""Fixtures for ``pledge-sign``: the real site served on loopback with a real SMTP sink, and a
way to type the emailed code into the tool."""

from __future__ import annotations

import re

import pytest

from pledge.extensions import db
from tests.browser import live_server
from tests.mailsink import MailSink
from tests.signer.helpers import ADDRESS


@pytest.fixture
def sink(app, tmp_path):
    """A real SMTP server; the app sends its codes there."""
    server = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = server.port
    yield server
    server.stop()


@pytest.fixture
def site(app, sink):
    """The real application on a loopback port; yields its base URL."""
    with live_server(app) as url:
        yield url
    db.session.remove()


@pytest.fixture
def type_code(monkeypatch, sink):
    """Answer the tool's prompt with the newest code emailed to an address (``typed`` records
    the prompts; ``wrong_first`` makes the first answer a wrong code)."""

    class Keyboard:
        def __init__(self) -> None:
            self.prompts: list[str] = []
            self.wrong_first = False
            self.codes: list[str] = []

        def __call__(self, prompt: str = "") -> str:
            self.prompts.append(prompt)
            message = sink.wait_for(ADDRESS, "verification code")
            code = re.search(r"\b(\d{8})\b", message.body).group(1)
            self.codes.append(code)
            if self.wrong_first and len(self.prompts) == 1:
                return f"{(int(code) + 1) % 10**8:08d}"
            return code

    keyboard = Keyboard()
    monkeypatch.delenv("PLEDGE_SIGN_CODE", raising=False)
    monkeypatch.setattr("builtins.input", keyboard)
    return keyboard
