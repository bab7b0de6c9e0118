"""The app refuses to start without its secrets, and `make run`'s instance step makes them."""

import json
import os
import stat

import pytest

from pledge import create_app
from pledge.config import SECRET_NAMES, ConfigurationError
from pledge.instance import init_instance
from tests.kit.config import make_config


def test_refuses_to_start_without_each_secret(tmp_path):
    for name in SECRET_NAMES:
        config = make_config(tmp_path)
        del config[name]
        with pytest.raises(ConfigurationError, match=name):
            create_app(config)


def test_refuses_short_or_malformed_secrets(tmp_path):
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        create_app(make_config(tmp_path, ISSUER_SECRET="ab" * 20))
    with pytest.raises(ConfigurationError, match="hex"):
        create_app(make_config(tmp_path, SECRET_KEY="not hex at all"))


def test_refuses_unknown_environment(tmp_path):
    with pytest.raises(ConfigurationError, match="PLEDGE_ENV"):
        create_app(make_config(tmp_path, PLEDGE_ENV="staging"))


def test_instance_init_writes_private_secrets_once(tmp_path):
    folder = tmp_path / "instance"
    assert init_instance(folder) is True
    secrets_file = folder / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    first = json.loads(secrets_file.read_text())
    assert set(first) == set(SECRET_NAMES)
    assert all(len(bytes.fromhex(v)) == 32 for v in first.values())
    assert (folder / "mail").is_dir()
    # A second run must never replace secrets that live campaigns depend on.
    assert init_instance(folder) is False
    assert json.loads(secrets_file.read_text()) == first


def test_app_reads_instance_secrets_from_the_environment_path(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    init_instance(folder)
    monkeypatch.setenv("PLEDGE_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("PLEDGE_ENV", "production")
    monkeypatch.setenv("PLEDGE_PUBLIC_URL", "https://pledge.example")
    app = create_app()
    assert app.config["ISSUER_SECRET"] == bytes.fromhex(json.loads((folder / "secrets.json").read_text())["ISSUER_SECRET"])
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith(str(folder / "pledge.sqlite3"))
    assert "dev.mailbox" not in app.view_functions


def test_app_refuses_a_world_readable_secrets_file(tmp_path, monkeypatch):
    folder = tmp_path / "instance"
    init_instance(folder)
    os.chmod(folder / "secrets.json", 0o644)
    monkeypatch.setenv("PLEDGE_INSTANCE_PATH", str(folder))
    with pytest.raises(ConfigurationError, match="chmod 600"):
        create_app()


def test_app_without_instance_secrets_does_not_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PLEDGE_INSTANCE_PATH", str(tmp_path / "empty"))
    for name in SECRET_NAMES:
        monkeypatch.delenv(f"PLEDGE_{name}", raising=False)
    with pytest.raises(ConfigurationError, match="missing secrets"):
        create_app()
