"""The trustee's steps run as plain functions: passphrase in, report out, no terminal and no
environment; and the three programs agree on the exit code of a non-numeric ``SystemExit``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from crypto.formats import keys
from crypto.formats.errors import CheckFailed, FileProblem
from crypto.trustee_steps import ceremony
from pledge_tools.exits import EXIT_USAGE
from pledge_tools.sign.cli import main as sign_main
from pledge_tools.trustee.cli import main as trustee_main
from pledge_tools.trustee.passphrase import ENV_VAR
from pledge_tools.verify.cli import main as verify_main

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to prompt fails the test; the scripts-only variable is unset."""
    monkeypatch.delenv(ENV_VAR, raising=False)

    def refuse(prompt: str = "") -> str:
        raise AssertionError(f"a step asked at the terminal: {prompt!r}")

    monkeypatch.setattr("getpass.getpass", refuse)
    monkeypatch.setattr("builtins.input", refuse)


@pytest.mark.usefixtures("no_terminal")
def test_init_takes_the_passphrase_and_returns_its_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "me.key.json"
    heard: list[str] = []
    report = ceremony.init("Ada", key, "interactive", keys.passphrase_bytes(PASSPHRASE),
                           progress=heard.append)
    pub = ceremony.public_path(key)
    assert report.written == [key, pub]
    assert report.lines == heard and len(heard) == 7
    assert report.lines[-1] == ceremony.public_line(keys.public_doc(*keys.load_public(pub)))
    assert capsys.readouterr() == ("", "")  # nothing printed
    opened = keys.unlock_key(keys.load_key(key), keys.passphrase_bytes(PASSPHRASE))
    assert len(opened.signing_seed) == 32


@pytest.mark.usefixtures("no_terminal")
def test_a_step_checks_its_files_before_it_asks(tmp_path: Path) -> None:
    key = tmp_path / "me.key.json"
    key.write_text("{}")
    asked: list[str] = []

    def ask(purpose: str) -> bytes:
        asked.append(purpose)
        return keys.passphrase_bytes(PASSPHRASE)

    with pytest.raises(FileProblem):
        ceremony.init("Ada", key, "interactive", ask)
    assert asked == []
    with pytest.raises(CheckFailed, match="at least 12 characters"):
        ceremony.init("Ada", tmp_path / "other.key.json", "interactive", b"short")


def _non_numeric_exit(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
    raise SystemExit("stopped without a number")


def test_a_non_numeric_exit_is_a_usage_error_in_every_program(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", _non_numeric_exit)
    assert trustee_main(["init"]) == EXIT_USAGE
    assert sign_main(["check", "receipt.json"]) == EXIT_USAGE
    with pytest.raises(SystemExit) as stopped:
        verify_main(["record.json"])
    assert stopped.value.code == EXIT_USAGE
