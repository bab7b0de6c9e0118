"""A real SMTP server on loopback for tests, with helpers to read what it received."""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

from pledge.devsmtp import StoredMessage, list_messages, start_sink


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailSink:
    """aiosmtpd writing ``.eml`` files into ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.controller = start_sink(folder, "127.0.0.1", self.port)

    def stop(self) -> None:
        self.controller.stop()

    def messages(self, to: str | None = None) -> list[StoredMessage]:
        """Messages received so far (optionally to one address), oldest first."""
        found = list(reversed(list_messages(self.folder)))
        return [m for m in found if to is None or m.to == to]

    def wait_for(self, to: str, subject_part: str, timeout: float = 10.0) -> StoredMessage:
        """The newest message to ``to`` whose subject contains ``subject_part``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            matching = [m for m in self.messages(to) if subject_part in m.subject]
            if matching:
                return matching[-1]
            time.sleep(0.05)
        raise AssertionError(f"no message to {to} about {subject_part!r}")


def first_link(body: str) -> str:
    """The first http(s) link in a message body."""
    match = re.search(r"https?://\S+", body)
    assert match, body
    return match.group(0)
