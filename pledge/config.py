"""Configuration: explicit defaults, instance secrets, and the environment.

Nothing here runs at import time. :func:`load_config` is called by the application factory.
Secrets never have a fallback value: outside tests the app refuses to start without them, and
``make run`` generates them into ``instance/secrets.json`` (see :mod:`pledge.instance`).
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

#: Secrets that must come from configuration, never from the database. Each is 32+ random bytes
#: (hex in ``secrets.json``).
SECRET_NAMES = (
    # Signs Flask session cookies (organizer, trustee and admin logins only; signers get none).
    "SECRET_KEY",
    # Keys HMAC(issuer_secret, address): a database thief cannot test guessed addresses.
    "ISSUER_SECRET",
    # Encrypts the per-(campaign, lab) token private keys at rest.
    "TOKEN_KEY_SECRET",
    # Derives each campaign log's Ed25519 signing key; the database holds only public keys.
    "LOG_KEY_SECRET",
)

ENVIRONMENTS = ("production", "development", "testing")

#: Where development and tests serve when PLEDGE_PUBLIC_URL is not set (``flask dev serve``'s
#: default port; ``make run`` sets PLEDGE_PUBLIC_URL to the port it serves on).
DEVELOPMENT_PUBLIC_URL = "http://127.0.0.1:5000"
#: Hosts development and tests also answer to (a browser on the same machine).
DEVELOPMENT_HOSTS = ("127.0.0.1", "localhost")


class ConfigurationError(RuntimeError):
    """The app cannot start safely with the configuration it was given."""


def defaults(instance_path: str) -> dict[str, Any]:
    """Settings that hold unless the environment, the instance or a test overrides them."""
    return {
        "PLEDGE_ENV": "production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(instance_path) / 'pledge.sqlite3'}",
        # Cookies: only over HTTPS, never readable by scripts, never sent on cross-site requests.
        # Browsers treat http://127.0.0.1 and http://localhost as secure contexts, so local
        # development keeps these settings.
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # A staff login lasts a working day at most.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
        # Request bodies are small forms and, later, ciphertexts and trustee uploads.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # CSRF tokens last as long as a session.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "WTF_CSRF_SSL_STRICT": True,
        # Argon2id cost for staff passwords (libsodium's "interactive" level: 2 passes, 64 MiB).
        "PASSWORD_OPSLIMIT": None,
        "PASSWORD_MEMLIMIT": None,
        # Outgoing mail. In development ``make run`` starts a local sink on this port.
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": 8025,
        "MAIL_USE_TLS": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        # A neutral sender: nothing in a signer's mailbox should name the campaign.
        "MAIL_SENDER": "Pledge <no-reply@pledge.invalid>",
        "MAIL_DIR": str(Path(instance_path) / "mail"),
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # How many reverse proxies stand in front (PLEDGE_PROXY_HOPS); 0 = none, the default.
        # Set it only behind a proxy that overwrites X-Forwarded-For: otherwise a visitor picks
        # the address the rate limits count.
        "PROXY_HOPS": 0,
        # The address people use (PLEDGE_PUBLIC_URL, e.g. https://pledge.example): every absolute
        # link in emails and feeds is built from it (pledge/links.py), never from a request's
        # Host. Required in production; development and tests default to DEVELOPMENT_PUBLIC_URL.
        "PUBLIC_URL": None,
        # Host names a request may carry (Flask answers 400 to any other). The public URL's host is
        # always added, and in development and tests 127.0.0.1 and localhost; set
        # PLEDGE_TRUSTED_HOSTS (a JSON list) only to add another name the site is reached by.
        "TRUSTED_HOSTS": None,
        # Signer verification (docs/affiliation-api.md). Every /api/verify/start and /check answer
        # takes at least this long, so whether an email was sent, or whether an address has a live
        # code, does not show in the timing.
        "VERIFY_MIN_RESPONSE_SECONDS": 1.0,
        # Codes sent per hour for the whole site (beyond it, 503 "busy").
        "VERIFY_SENDS_PER_HOUR": 2000,
        # Alarm when a lab's issuance today is at least this many tokens and this many times
        # its average over the previous week.
        "ISSUANCE_ALARM_MINIMUM": 20,
        "ISSUANCE_ALARM_FACTOR": 5.0,
        # Rate limits, as (requests, window seconds), counted in the database so that they hold
        # across every server process (pledge/ratelimit.py, docs/rate-limits.md). "Client" means
        # the request's remote address (an IPv6 /64): behind a reverse proxy, configure ProxyFix
        # or every visitor shares the proxy's address. Refused requests get 429 and Retry-After.
        # Login: 10 tries per account per 15 minutes stops online password guessing (OWASP's
        # order of magnitude) and lets a person mistype a few times; an attacker can lock an
        # account for 15 minutes, never longer. Unknown addresses are limited the same way.
        "RATELIMIT_LOGIN_PER_ACCOUNT": (10, 15 * 60),
        # 30 per client per 15 minutes: several staff behind one office NAT can still log in,
        # while one machine cannot spray guesses across many accounts.
        "RATELIMIT_LOGIN_PER_CLIENT": (30, 15 * 60),
        # Code sends are also capped per address and requesting network (below, same answer either
        # way) and site-wide per sent email (VERIFY_SENDS_PER_HOUR). These limits count requests
        # before the address is even read, so their 429 cannot depend on the address.
        # 20 per client per hour: more than a person retyping, too few to spray addresses; it also
        # bounds the mail one network can cause.
        "RATELIMIT_VERIFY_START_PER_CLIENT": (20, 60 * 60),
        # 3 codes per hour for one address from one network, never a 429 (over it, the same
        # answer and no mail). Requests from other networks count apart, so a stranger cannot use
        # up the signer's sends (docs/rate-limits.md).
        "RATELIMIT_VERIFY_START_PER_ADDRESS_PER_CLIENT": (3, 60 * 60),
        # Every request counts, sent or not: each holds a worker for VERIFY_MIN_RESPONSE_SECONDS.
        "RATELIMIT_VERIFY_START_SITE": (10_000, 60 * 60),
        # Each code allows 5 guesses; this bounds guesses across many codes from one client.
        "RATELIMIT_VERIFY_CHECK_PER_CLIENT": (30, 10 * 60),
        # Issuance follows one correct code; 20 leaves room for retries after network errors.
        "RATELIMIT_VERIFY_ISSUE_PER_CLIENT": (20, 10 * 60),
        # Submissions need a valid token, so volume costs only verification work; 60 per
        # 10 minutes allows many signers sharing a network (or a Tor exit) to sign together.
        "RATELIMIT_ENTRIES_PER_CLIENT": (60, 10 * 60),
        "RATELIMIT_WITHDRAWALS_PER_CLIENT": (60, 10 * 60),
        # A revealed signer's statements (withholding, stopped): signed, so as cheap to bound.
        "RATELIMIT_STATEMENTS_PER_CLIENT": (60, 10 * 60),
        # A witness posts one cosignature per head; a few dozen witnesses behind one network fit.
        "RATELIMIT_COSIGNATURES_PER_CLIENT": (120, 10 * 60),
        # "Report this campaign": a person rarely sends more than one or two; the site-wide cap
        # keeps a flood from burying the admins' list and their inboxes.
        "RATELIMIT_REPORTS_PER_CLIENT": (5, 60 * 60),
        "RATELIMIT_REPORTS_SITE": (200, 60 * 60),
        # Where the counters live: unset, the database table; a redis://, rediss:// or unix://
        # URL (env PLEDGE_RATELIMIT_REDIS_URL), that Redis, shared by every process. Same windows
        # and keyed buckets; if Redis does not answer, login and code send/check get 503 and
        # issuance, entries and withdrawals go unlimited (docs/rate-limits.md, "Redis").
        "RATELIMIT_REDIS_URL": None,
    }


def _read_secrets_file(path: Path) -> dict[str, str]:
    """Load ``instance/secrets.json`` if it exists; refuse one readable by other users."""
    if not path.exists():
        return {}
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise ConfigurationError(f"{path} must be readable by its owner only (chmod 600)")
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path} must hold a JSON object")
    return {str(key): str(value) for key, value in data.items()}


def _decode_secret(name: str, value: Any) -> bytes:
    """Secrets are hex strings of at least 32 bytes (or raw bytes in tests)."""
    if isinstance(value, bytes):
        raw = value
    else:
        try:
            raw = bytes.fromhex(str(value))
        except ValueError as exc:
            raise ConfigurationError(f"{name} must be hex") from exc
    if len(raw) < 32:
        raise ConfigurationError(f"{name} must be at least 32 bytes")
    return raw


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, then the instance and environment (or test overrides)."""
    app.config.from_mapping(defaults(app.instance_path))
    if overrides is not None:
        app.config.update(overrides)
    else:
        app.config.update(_read_secrets_file(Path(app.instance_path) / "secrets.json"))
        # PLEDGE_ENV, PLEDGE_MAIL_SERVER, PLEDGE_SECRET_KEY, ... override the file.
        app.config.from_prefixed_env("PLEDGE")
        if os.environ.get("PLEDGE_ENV"):
            app.config["PLEDGE_ENV"] = os.environ["PLEDGE_ENV"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    from pledge.database import normalize_url

    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_url(app.config["SQLALCHEMY_DATABASE_URI"])
    _check(app)


def _check(app: Flask) -> None:
    """Refuse to start with missing secrets or an unknown environment."""
    env = app.config["PLEDGE_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigurationError(f"PLEDGE_ENV must be one of {', '.join(ENVIRONMENTS)}")
    app.config["TESTING"] = app.config.get("TESTING", False) or env == "testing"
    missing = [name for name in SECRET_NAMES if not app.config.get(name)]
    if missing:
        raise ConfigurationError(
            "missing secrets: "
            + ", ".join(missing)
            + " (run `make run`, or `python -m pledge.instance init`, or set PLEDGE_<NAME>)"
        )
    for name in SECRET_NAMES:
        app.config[name] = _decode_secret(name, app.config[name])
    redis_url = app.config.get("RATELIMIT_REDIS_URL")
    if redis_url and not str(redis_url).startswith(("redis://", "rediss://", "unix://")):
        # Checked at start: a mistyped URL would otherwise refuse every login at the first request.
        raise ConfigurationError("RATELIMIT_REDIS_URL must be a redis://, rediss:// or unix:// URL")
    _check_public_url(app, production=env == "production")
    # Flask signs sessions with SECRET_KEY as bytes, which is fine.


def _check_public_url(app: Flask, *, production: bool) -> None:
    """Require and normalize PUBLIC_URL; derive TRUSTED_HOSTS from it."""
    from pledge.links import PublicURLError, parse_public_url, public_host

    value = app.config.get("PUBLIC_URL")
    if not value:
        if production:
            raise ConfigurationError(
                "PLEDGE_PUBLIC_URL is required in production: set it to the https:// address people use "
                "(e.g. https://pledge.example). Every link in emails and feeds is built from it, never from "
                "a request's Host header."
            )
        value = DEVELOPMENT_PUBLIC_URL
    try:
        app.config["PUBLIC_URL"] = parse_public_url(str(value), production=production)
    except PublicURLError as error:
        raise ConfigurationError(f"PLEDGE_PUBLIC_URL {error}") from None
    extra = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = [name.strip() for name in extra.split(",")]
    if not isinstance(extra, list | tuple) or not all(isinstance(name, str) and name for name in extra):
        raise ConfigurationError("TRUSTED_HOSTS must be a list of host names")
    hosts = [public_host(app.config["PUBLIC_URL"]), *([] if production else DEVELOPMENT_HOSTS), *extra]
    app.config["TRUSTED_HOSTS"] = list(dict.fromkeys(name.lower() for name in hosts))
