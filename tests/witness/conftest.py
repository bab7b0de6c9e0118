"""Fixtures for the witness tests: a launched 2-of-3 campaign served by the real site on a
loopback port, and its three trustees' key files (each a witness key)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pledge.extensions import db
from pledge_tools.trustee.passphrase import ENV_VAR
from tests.browser import live_server
from tests.witness.kit import PASSPHRASE, key_file


@dataclass
class World:
    url: str
    campaign: object
    people: list
    seats: list
    keys: list[Path]
    folder: Path

    @property
    def slug(self) -> str:
        return self.campaign.slug

    def state(self, n: int) -> Path:
        return self.folder / f"state-{n}.json"


@pytest.fixture
def world(app, launched, tmp_path, monkeypatch):
    campaign, people, seats = launched
    monkeypatch.setenv(ENV_VAR, PASSPHRASE)
    keys = [key_file(tmp_path, person) for person in people]
    with live_server(app) as url:
        yield World(url, campaign, people, seats, keys, tmp_path)
    db.session.remove()
