"""Rate limits that hold across every server process: fixed-window counters in the database,
or in Redis when ``RATELIMIT_REDIS_URL`` is set.

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

With ``RATELIMIT_REDIS_URL`` set, the same buckets and windows are counted in Redis instead
(:class:`RedisCounter`): one key per bucket and window, raised by ``INCR`` and given the window's
remaining lifetime as its TTL in the same Lua script, so the key disappears when its window ends
and nothing needs purging. The database is not touched. If Redis cannot answer, the actions in
:data:`FAIL_OPEN_ACTIONS` go unlimited and every other one is refused with 503 (fail closed);
one log line, naming neither client nor bucket, says so.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import redis
from flask import Flask, current_app, request
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Table, case, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.exceptions import ServiceUnavailable, TooManyRequests

from crypto.formats.counts import count
from pledge.database import SAFE_METHODS, changed_rows, write_intent
from pledge.extensions import db
from pledge.models import RateLimitWindow

F = TypeVar("F", bound=Callable[..., Any])

#: Scopes of a limit and the suffix of their configuration key ``RATELIMIT_<ACTION>_<SUFFIX>``.
#: ``address_client`` counts one address (by its keyed tag) from one client network: a cap that
#: requests from other networks cannot use up (see :func:`allowed_per_client`).
SCOPES = {"account": "PER_ACCOUNT", "client": "PER_CLIENT", "site": "SITE",
          "address_client": "PER_ADDRESS_PER_CLIENT"}

#: What the person who hit a limit reads, by scope ({wait} is "about N minutes").
MESSAGES = {
    "account": "Too many login attempts for this account. Wait {wait}, then try again.",
    "client": "Too many attempts from your network. Wait {wait}, then try again.",
    "site": "This site is receiving too many requests right now. Wait {wait}, then try again.",
}


#: Actions that go unlimited, rather than refused, while the Redis backend cannot answer. Each
#: needs a secret proven earlier (issuance a checked code's single-use ticket, entries and
#: withdrawals a token, statements a revealed entry's withdrawal key), and their caps kept in the
#: database (one token per address and campaign, one entry per token, one statement per seq) still
#: hold. Every other action fails closed with 503: login, code send and
#: code check can be used by anyone to guess a password or a code, or to make the site send mail,
#: and an action added later is refused too unless it is listed here.
FAIL_OPEN_ACTIONS = frozenset({"verify_issue", "entries", "withdrawals", "statements"})

#: What a refused request reads while the limits cannot be checked (fail closed).
UNAVAILABLE_MESSAGE = "This site cannot take this request right now. Wait a minute, then try again."
UNAVAILABLE_RETRY_AFTER = 60

#: Redis keys are ``pledge:ratelimit:<bucket>:<window start>``; the bucket is already an HMAC.
REDIS_PREFIX = "pledge:ratelimit:"

#: A request waits at most this long for Redis to accept a connection or answer (seconds); the URL's
#: ``?socket_timeout=`` and ``?socket_connect_timeout=`` override it.
REDIS_TIMEOUT = 1.0

#: While Redis stays unreachable, each process logs it at most this often (seconds).
REDIS_LOG_INTERVAL = 60.0

log = logging.getLogger(__name__)


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


class RateLimitUnavailable(ServiceUnavailable):
    """The limit could not be checked (Redis unreachable) and the action fails closed: HTTP 503."""

    def __init__(self) -> None:
        super().__init__(description=UNAVAILABLE_MESSAGE, retry_after=UNAVAILABLE_RETRY_AFTER)
        self.message = UNAVAILABLE_MESSAGE
        self.retry_after_seconds = UNAVAILABLE_RETRY_AFTER


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
    table = cast(Table, RateLimitWindow.__table__)  # a mapped class's table; typed as any FromClause
    insert_row = insert(table).values(
        bucket=bucket, window_start=window_start, window_end=window_start + rule.window_seconds, count=1
    )
    stale = table.c.window_start < insert_row.excluded.window_start
    statement = insert_row.on_conflict_do_update(
        index_elements=[table.c.bucket],
        set_={
            "count": case((stale, 1), else_=table.c.count + 1),
            "window_start": case((stale, insert_row.excluded.window_start), else_=table.c.window_start),
            "window_end": case((stale, insert_row.excluded.window_end), else_=table.c.window_end),
        },
    ).returning(table.c.count, table.c.window_end)
    count, window_end = session.execute(statement).one()
    return Hit(count=count, window_end=window_end)


def purge_expired(session: Session, now: int) -> int:
    """Delete every window that has ended (idempotent); return how many rows went.

    Only the database table: with the Redis backend this finds at most rows left from before the
    switch, since Redis keys expire by themselves. It never contacts Redis, so ``tick`` runs the
    same whether Redis is configured, answering or not.
    """
    return changed_rows(session, delete(RateLimitWindow).where(RateLimitWindow.window_end <= now)) or 0


# Count one request, give a new key the window's remaining lifetime, return the count. A key found
# without a TTL (none should exist) gets one too, so no counter can outlive its window.
_REDIS_HIT = """
local count = redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


class RedisCounter:
    """Fixed windows in Redis, with the database backend's buckets and windows.

    Thread-safe (redis-py pools its connections) and fork-safe (the pool reconnects in a child).
    """

    def __init__(self, url: str) -> None:
        # One retry on a fresh connection (a pooled one may have died with a Redis restart), no
        # backoff: a request never waits more than about twice the timeout on a dead Redis. The
        # library's default is ten retries with backoff.
        self.client = redis.Redis.from_url(
            url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT, retry=Retry(NoBackoff(), 1)
        )
        self._script = self.client.register_script(_REDIS_HIT)
        kwargs = self.client.connection_pool.connection_kwargs
        # Where Redis is, for the log: never the URL, which may carry a password.
        self.server = kwargs["path"] if "path" in kwargs else f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        self._lock = threading.Lock()
        self._failures = 0
        self._logged_at: float | None = None

    @staticmethod
    def key(bucket: str, window_start: int) -> str:
        """The Redis key of ``bucket``'s window starting at ``window_start``."""
        return f"{REDIS_PREFIX}{bucket}:{window_start}"

    def hit(self, bucket: str, rule: Rule, now: int) -> Hit:
        """Count one request in ``bucket``'s current window, atomically; return the new count.

        Raises :class:`redis.RedisError` when Redis cannot answer.
        """
        window_start = now - now % rule.window_seconds
        window_end = window_start + rule.window_seconds
        count = self._script(keys=[self.key(bucket, window_start)], args=[window_end - now])
        return Hit(count=int(count), window_end=window_end)

    def failed(self, error: Exception) -> None:
        """Log that Redis did not answer: at most once per :data:`REDIS_LOG_INTERVAL` per process,
        naming the error's type and the server, never the client, the bucket or the URL."""
        with self._lock:
            self._failures += 1
            now = time.monotonic()
            if self._logged_at is not None and now - self._logged_at < REDIS_LOG_INTERVAL:
                return
            self._logged_at, failures, self._failures = now, self._failures, 0
        log.error(
            "rate limits: Redis at %s unavailable (%s, %s since the last report); until it answers, "
            "limited requests are refused with 503 (login, code sends, code checks) except %s, which go unlimited",
            self.server, type(error).__name__, count(failures, "request"), ", ".join(sorted(FAIL_OPEN_ACTIONS)),
        )

    def answered(self) -> None:
        """Log once that Redis answers again after failures were reported."""
        if self._logged_at is None:
            return
        with self._lock:
            if self._logged_at is None:
                return
            self._logged_at, failures, self._failures = None, self._failures, 0
        log.warning("rate limits: Redis at %s answers again (%s before it did)",
                    self.server, count(failures, "more failed request"))

    def close(self) -> None:
        """Close the pooled connections."""
        self.client.close()


_EXTENSION = "pledge.ratelimit.redis"
_create_lock = threading.Lock()


def redis_counter(app: Flask) -> RedisCounter | None:
    """The app's Redis counter, created on first use; ``None`` when limits live in the database."""
    url = app.config.get("RATELIMIT_REDIS_URL")
    if not url:
        return None
    counter = app.extensions.get(_EXTENSION)
    if counter is None:
        with _create_lock:
            counter = app.extensions.get(_EXTENSION)
            if counter is None:
                counter = app.extensions[_EXTENSION] = RedisCounter(str(url))
    return counter


def close_redis(app: Flask) -> None:
    """Close the app's Redis connections, if it opened any (a later request reopens them)."""
    counter = app.extensions.pop(_EXTENSION, None)
    if counter is not None:
        counter.close()


# --- Flask glue -------------------------------------------------------------------------------


def _wait(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return "about 1 minute" if minutes == 1 else f"about {minutes} minutes"


def _count(name: str, key: str, rule: Rule) -> Hit | None:
    """Count one request in ``(name, key)``; ``None`` when Redis cannot answer and the action
    fails open (see :func:`limit`)."""
    now = int(clock())
    bucket = bucket_key(current_app.config["ISSUER_SECRET"], name, key)
    counter = redis_counter(current_app)
    if counter is not None:
        try:
            result = counter.hit(bucket, rule, now)
        except redis.RedisError as error:
            counter.failed(error)
            if name.partition(".")[0] in FAIL_OPEN_ACTIONS:
                return None
            raise RateLimitUnavailable() from None
        counter.answered()
        return result
    session = db.session()
    if session.in_transaction():
        # Only a read can precede the limit; end it so the counter starts a fresh write
        # transaction (a stale SQLite read snapshot cannot be upgraded to a write).
        session.commit()
    with write_intent():
        result = hit(session, bucket, rule, now)
        session.commit()
    return result


def limit(name: str, key: str, per: int, window_seconds: int, *, message: str | None = None) -> None:
    """Count this request under ``(name, key)``; raise :class:`RateLimited` past ``per`` per window.

    With the database backend this commits the request's session (see the module docstring):
    call it before anything else. With Redis the session is left alone; if Redis cannot answer,
    raise :class:`RateLimitUnavailable` unless the action (``name`` up to its first dot) is in
    :data:`FAIL_OPEN_ACTIONS`, in which case the request goes through uncounted.
    """
    rule = Rule(per, window_seconds)
    result = _count(name, key, rule)
    if result is not None and not result.allowed(rule):
        retry_after = max(1, result.window_end - int(clock()))
        text = (message or MESSAGES["client"]).format(wait=_wait(retry_after))
        raise RateLimited(text, retry_after)


def enforce(action: str, scope: str, key: str) -> None:
    """Apply the configured limit ``RATELIMIT_<ACTION>_<SCOPE>`` to ``key``."""
    rule = Rule.parse(current_app.config[f"RATELIMIT_{action.upper()}_{SCOPES[scope]}"])
    limit(f"{action}.{scope}", key, rule.per, rule.window_seconds, message=MESSAGES[scope])


def limit_client(action: str) -> None:
    """Limit ``action`` per client network (``request.remote_addr``; see docs on proxies)."""
    enforce(action, "client", client_key(request.remote_addr))


def allowed_per_client(action: str, subject: bytes) -> bool:
    """Count ``action`` for ``subject`` (a keyed tag, e.g. an address's) from this client's
    network under ``RATELIMIT_<ACTION>_PER_ADDRESS_PER_CLIENT``; return whether it is within the
    limit. It never refuses by itself: the caller gives the same answer either way (a code send
    over the cap sends nothing). Requests from other networks count in other buckets, so they
    cannot use up this network's allowance. Commits the session like :func:`limit`."""
    rule = Rule.parse(current_app.config[f"RATELIMIT_{action.upper()}_{SCOPES['address_client']}"])
    result = _count(f"{action}.address_client", f"{subject.hex()}|{client_key(request.remote_addr)}", rule)
    return result is None or result.allowed(rule)


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

        return wrapper  # type: ignore[return-value]  # wraps() keeps the view's signature; mypy calls it _Wrapped

    return decorate
