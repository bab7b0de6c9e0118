"""The test configuration: every secret fresh and random, the cheapest password hashing, rate
limits out of the way, and the database of an instance folder (tests/dbkit.py)."""

from __future__ import annotations

import secrets

from pledge.config import DEVELOPMENT_HOSTS, DEVELOPMENT_PUBLIC_URL, SECRET_NAMES
from tests import dbkit

# Argon2id at libsodium's minimum cost: tests check behaviour, not the cost of a guess.
FAST_PASSWORDS = {"PASSWORD_OPSLIMIT": 1, "PASSWORD_MEMLIMIT": 8192}
# Per-client limits high enough for the tests that act as dozens of signers from one address
# (concurrent guesses, forty CLI signers, concurrent signing); tests/test_ratelimit.py sets its own.
GENEROUS_RATE_LIMITS = {
    f"RATELIMIT_{action}_PER_CLIENT": (10_000, 600) for action in ("VERIFY_START", "VERIFY_CHECK", "VERIFY_ISSUE", "ENTRIES")
}


def make_config(instance_path, **overrides) -> dict:
    """A complete test configuration with fresh random secrets."""
    config = {
        "PLEDGE_ENV": "testing",
        "INSTANCE_PATH": str(instance_path),
        "SQLALCHEMY_DATABASE_URI": dbkit.instance_database(instance_path),
        "MAIL_DIR": str(instance_path / "mail"),
        "SERVER_NAME": None,
        # Links in mail and feeds; tests that follow them set the live server's address.
        "PUBLIC_URL": DEVELOPMENT_PUBLIC_URL,
        # The test client's Host (localhost) and the live servers' (127.0.0.1), in production
        # mode too; tests/test_public_links.py checks production's own list.
        "TRUSTED_HOSTS": list(DEVELOPMENT_HOSTS),
        "VERIFY_MIN_RESPONSE_SECONDS": 0.0,
        **FAST_PASSWORDS,
        **GENEROUS_RATE_LIMITS,
        **{name: secrets.token_hex(32) for name in SECRET_NAMES},
    }
    config.update(overrides)
    return config
