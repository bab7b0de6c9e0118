"""Rate limits that hold across every server process: fixed-window counters in the database.

Each limited action counts requests in a bucket per fixed window (``[k·w, (k+1)·w)`` in Unix
seconds). The count is raised by one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement,
so any number of threads and processes sharing the database (SQLite or PostgreSQL) agree on it:
under N concurrent requests exactly ``per`` pass in a window.

Buckets never hold an address or IP in clear: the key is ``HMAC(ISSUER_SECRET, name, key)``
truncated to 128 bits. This module is the only place that reads a client's IP
(``request.remote_addr``); it is hashed at once, and the row it keys lives until its window ends,
after which ``tick`` deletes it (:func:`purge_expired`). See ``docs/rate-limits.md``.

The counter is committed straight away, in the request's session, before the view does anything
else: an attempt must count even when the request later fails and rolls back (a wrong password).
Call the limit first, before the view reads or writes anything.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, request
from sqlalchemy import case, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.exceptions import TooManyRequests

from pledge.database import SAFE_METHODS, write_intent
from pledge.extensions import db
from pledge.models import RateLimitWindow

F = TypeVar("F", bound=Callable[..., Any])

#: Scopes of a limit and the suffix of their configuration key ``RATELIMIT_<ACTION>_<SUFFIX>``.
SCOPES = {"account": "PER_ACCOUNT", "client": "PER_CLIENT", "site": "SITE"}

#: What the person who hit a limit reads, by scope ({wait} is "about N minutes").
MESSAGES = {
    "account": "Too many login attempts for this account. Wait {wait}, then try again.",
    "client": "Too many attempts from your network. Wait {wait}, then try again.",
    "site": "This site is receiving too many requests right now. Wait {wait}, then try again.",
}


def clock() -> float:
    """The current Unix time. Tests replace this function to move time without sleeping."""
    return time.time()


@dataclass(frozen=True)
class Rule:
    """At most ``per`` requests in each window of ``window_seconds``."""

    per: int
    window_seconds: int

    @classmethod
    def parse(cls, value: object) -> Rule:
        """Accept ``(per, window_seconds)`` as configured (a list when it comes from JSON)."""
        if isinstance(value, Rule):
            return value
        if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
            per, window = (int(v) for v in value)
            if per >= 1 and window >= 1:
                return cls(per, window)
        raise ValueError(f"a rate limit is (requests, window seconds), both positive; got {value!r}")


@dataclass(frozen=True)
class Hit:
    """The bucket's count after this request, and when its window ends (Unix seconds)."""

    count: int
    window_end: int

    def allowed(self, rule: Rule) -> bool:
        """Whether this request is within the limit."""
        return self.count <= rule.per


class RateLimited(TooManyRequests):
    """A limit was reached: HTTP 429 with ``Retry-After`` and a message for the person."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(description=message, retry_after=retry_after)
        self.message = message
        self.retry_after_seconds = retry_after


# --- the counter (no Flask) -------------------------------------------------------------------


def bucket_key(secret: bytes, name: str, key: str) -> str:
    """``name:`` and 32 hex digits of ``HMAC-SHA256(secret, name, key)``: nothing in clear."""
    message = b"pledge-ratelimit/v1\x00" + name.encode("utf-8") + b"\x00" + key.encode("utf-8")
    return f"{name}:{hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]}"


def client_key(remote_addr: str | None) -> str:
    """The client's network as limited: an IPv4 address, or an IPv6 /64 (one subscriber's
    allocation, so rotating addresses inside it does not escape the limit)."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def hit(session: Session, bucket: str, rule: Rule, now: int) -> Hit:
    """Count one request in ``bucket``'s current window, atomically; return the new count.

    A row from an earlier window is reset to 1 by the same statement. The caller commits.
    """
    window_start = now - now % rule.window_seconds
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RateLimitWindow.__table__
    statement = insert(table).values(
        bucket=bucket, window_start=window_start, window_end=window_start + rule.window_seconds, count=1
    )
    stale = table.c.window_start < statement.excluded.window_start
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.bucket],
        set_={
            "count": case((stale, 1), else_=table.c.count + 1),
            "window_start": case((stale, statement.excluded.window_start), else_=table.c.window_start),
            "window_end": case((stale, statement.excluded.window_end), else_=table.c.window_end),
        },
    ).returning(table.c.count, table.c.window_end)
    count, window_end = session.execute(statement).one()
    return Hit(count=count, window_end=window_end)


def purge_expired(session: Session, now: int) -> int:
    """Delete every window that has ended (idempotent); return how many rows went."""
    result = session.execute(delete(RateLimitWindow).where(RateLimitWindow.window_end <= now))
    return result.rowcount or 0


# --- Flask glue -------------------------------------------------------------------------------


def _wait(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


def limit(name: str, key: str, per: int, window_seconds: int, *, message: str | None = None) -> None:
    """Count this request under ``(name, key)``; raise :class:`RateLimited` past ``per`` per window.

    Commits the request's session (see the module docstring): call it before anything else.
    """
    rule = Rule(per, window_seconds)
    now = int(clock())
    session = db.session()
    if session.in_transaction():
        # Only a read can precede the limit; end it so the counter starts a fresh write
        # transaction (a stale SQLite read snapshot cannot be upgraded to a write).
        session.commit()
    with write_intent():
        result = hit(session, bucket_key(current_app.config["ISSUER_SECRET"], name, key), rule, now)
        session.commit()
    if not result.allowed(rule):
        retry_after = max(1, result.window_end - now)
        text = (message or MESSAGES["client"]).format(wait=_wait(retry_after))
        raise RateLimited(text, retry_after)


def enforce(action: str, scope: str, key: str) -> None:
    """Apply the configured limit ``RATELIMIT_<ACTION>_<SCOPE>`` to ``key``."""
    rule = Rule.parse(current_app.config[f"RATELIMIT_{action.upper()}_{SCOPES[scope]}"])
    limit(f"{action}.{scope}", key, rule.per, rule.window_seconds, message=MESSAGES[scope])


def limit_client(action: str) -> None:
    """Limit ``action`` per client network (``request.remote_addr``; see docs on proxies)."""
    enforce(action, "client", client_key(request.remote_addr))


def limit_site(action: str) -> None:
    """Limit ``action`` for the whole site, whoever asks."""
    enforce(action, "site", "*")


def limit_account(action: str, account: str) -> None:
    """Limit ``action`` per staff account, named by the address typed (known or not alike)."""
    enforce(action, "account", account.strip().lower())


def rate_limited(action: str, *, site: bool = False) -> Callable[[F], F]:
    """Decorate a view: limit ``action`` per client (and site-wide when ``site``) on requests
    that may change data; safe methods (GET, HEAD, OPTIONS) are not counted."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if request.method not in SAFE_METHODS:
                limit_client(action)
                if site:
                    limit_site(action)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
