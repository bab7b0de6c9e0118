"""A local SMTP sink for development: each message becomes an ``.eml`` file.

``make run`` starts it on 127.0.0.1 so that a newcomer can read the codes the app sends, on the
development mailbox page. It is a real SMTP server (aiosmtpd), so the app's mail code is the same
code that talks to a production relay.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller

_NAME_RE = re.compile(r"^\d{8}T\d{6}\d{6}Z-[0-9a-f]{8}\.eml$")


class MaildirHandler:
    """aiosmtpd handler that writes each message atomically into ``mail_dir``."""

    def __init__(self, mail_dir: str | os.PathLike[str]) -> None:
        self.mail_dir = Path(mail_dir)
        self.mail_dir.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{secrets.token_hex(4)}.eml"
        temporary = self.mail_dir / f".{name}.tmp"
        temporary.write_bytes(envelope.original_content or envelope.content)
        temporary.replace(self.mail_dir / name)
        return "250 Message accepted for delivery"


def start_sink(mail_dir: str | os.PathLike[str], host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the sink in a background thread; call ``.stop()`` on the result to end it."""
    controller = Controller(MaildirHandler(mail_dir), hostname=host, port=port)
    controller.start()
    return controller


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (as asyncio binds: SO_REUSEADDR, so a
    port a stopped sink left in TIME_WAIT counts as free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on at ``host`` right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_sink_near(mail_dir: str | os.PathLike[str], host: str, preferred: int) -> tuple[Controller, int]:
    """Start the sink on ``preferred`` if that port is free, else on a free port the kernel picks;
    the sink and its port. Another program may take a port between the check and the bind, so a
    few ports are tried before giving up with the bind's own error."""
    port = preferred if port_is_free(host, preferred) else free_port(host)
    for attempt in range(5):
        try:
            return start_sink(mail_dir, host, port), port
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == 4:
                raise
            port = free_port(host)
    raise AssertionError("not reached")


@dataclass(frozen=True)
class StoredMessage:
    """A message as the mailbox page shows it."""

    name: str
    received: datetime
    sender: str
    to: str
    subject: str
    body: str


def _parse(path: Path) -> StoredMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    part = message.get_body(preferencelist=("plain",))
    received = datetime.strptime(path.name[:22], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
    return StoredMessage(
        name=path.name,
        received=received,
        sender=str(message.get("From", "")),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        body=part.get_content() if part is not None else "",
    )


def list_messages(mail_dir: str | os.PathLike[str]) -> list[StoredMessage]:
    """Every stored message, newest first."""
    folder = Path(mail_dir)
    if not folder.is_dir():
        return []
    paths = sorted((p for p in folder.iterdir() if _NAME_RE.match(p.name)), reverse=True)
    return [_parse(p) for p in paths]


def read_message(mail_dir: str | os.PathLike[str], name: str) -> StoredMessage | None:
    """One message by file name; None for anything that is not a stored message's name."""
    if not _NAME_RE.match(name):
        return None
    path = Path(mail_dir) / name
    return _parse(path) if path.is_file() else None
