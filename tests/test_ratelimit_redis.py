"""Rate limits in Redis (``RATELIMIT_REDIS_URL``): a real redis-server per module, no mocks.

The same limits as tests/test_ratelimit.py, counted in Redis instead of the database: shared by
app instances and processes, reset each window, keyed by HMACs that expire with their window,
exact under concurrency; and, with Redis unreachable, refused (503) for login and code send/check
and let through for issuance, entries and withdrawals, with one log line naming no client.

Time is injected where windows must pass (``pledge.ratelimit.clock``); the expiry tests use the
real clock, since Redis expires keys by its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pledge import create_app, ratelimit
from pledge.config import SECRET_NAMES, ConfigurationError
from pledge.extensions import db
from pledge.models import RateLimitWindow
from pledge.services.affiliation import address_tag
from tests.browser import live_server
from tests.kit.config import make_config
from tests.kit.forms import post_form
from tests.kit.ratelimit import LIMITS, T0, http_post, post_json
from tests.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
KEY_RE = re.compile(r"pledge:ratelimit:([a-z_]+\.(?:client|account|site|address_client)):([0-9a-f]{32}):(\d+)")


def start_redis(directory: Path) -> RedisServer:
    """Start a redis-server; fail (never skip) when it is missing or does not start."""
    try:
        return RedisServer(directory).start()
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """One throwaway redis-server for this module (emptied before each test by ``store``)."""
    server = start_redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def store(redis_server):
    """A client on the test Redis, which starts empty."""
    client = redis_server.client()
    client.flushall()
    yield client
    client.flushall()
    client.close()


@pytest.fixture
def app(app_factory, store, redis_server):
    """Overrides conftest's app: small limits, counted in the test Redis."""
    application = app_factory(**LIMITS, RATELIMIT_REDIS_URL=redis_server.url)
    with application.app_context():
        yield application
        ratelimit.close_redis(application)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sibling(app, app_factory):
    """``sibling(**overrides)``: another app instance with the same secrets, database and Redis."""
    built = []

    def build(**overrides):
        config = {**LIMITS, "RATELIMIT_REDIS_URL": app.config["RATELIMIT_REDIS_URL"],
                  **{name: app.config[name].hex() for name in SECRET_NAMES}, **overrides}
        other = app_factory(**config)
        built.append(other)
        return other

    yield build
    for other in built:
        ratelimit.close_redis(other)
        with other.app_context():
            db.engine.dispose()


def table_rows() -> int:
    """Rows in the database's rate-limit table: none while Redis is the backend."""
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(RateLimitWindow))


def redis_keys(store) -> dict[str, int]:
    """Every key in the test Redis (all databases' worth: the server is this test's alone)."""
    return {key: int(store.get(key)) for key in store.scan_iter(count=1000)}


# --- one counter for every app instance, process and thread -------------------------------------


def test_two_app_instances_share_the_limit_through_redis(sibling, store):
    first, second = sibling().test_client(), sibling().test_client()
    statuses = [post_json(client, "/api/campaigns/none/entries", {}).status_code
                for client in (first, second, first, second)]
    assert statuses == [404, 404, 429, 429]
    # The count lives in Redis (one key, four requests), not in the database.
    assert list(redis_keys(store).values()) == [4]
    assert table_rows() == 0


def test_a_separate_process_shares_the_limit_through_redis(app, sibling, clock, store):
    client = sibling().test_client()
    assert [post_json(client, "/api/verify/check", {}).status_code for _ in range(3)] == [400] * 3
    config = make_config(Path(app.instance_path), **LIMITS, SQLALCHEMY_DATABASE_URI=str(app.config["SQLALCHEMY_DATABASE_URI"]),
                         RATELIMIT_REDIS_URL=app.config["RATELIMIT_REDIS_URL"],
                         **{name: app.config[name].hex() for name in SECRET_NAMES})
    script = (
        "import json, os\n"
        "import pledge.ratelimit as ratelimit\n"
        "ratelimit.clock = lambda: float(os.environ['RL_NOW'])\n"
        "from pledge import create_app\n"
        "client = create_app(json.loads(os.environ['RL_CONFIG'])).test_client()\n"
        "print(json.dumps([client.post('/api/verify/check', json={}).status_code for _ in range(25)]))\n"
    )
    env = {**os.environ, "RL_CONFIG": json.dumps(config), "RL_NOW": str(clock.now)}
    child = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=120, check=True)
    assert json.loads(child.stdout.strip().splitlines()[-1]) == [400] * 22 + [429] * 3
    assert post_json(client, "/api/verify/check", {}).status_code == 429
    assert list(redis_keys(store).values()) == [29]
    assert table_rows() == 0


def test_exactly_the_limit_passes_under_8_concurrent_threads(app, clock, store):
    results: list[int] = []
    lock = threading.Lock()
    with live_server(app) as url:
        def worker():
            for _ in range(10):
                status = http_post(f"{url}/api/verify/check", {"email": "x", "code": "1"})
                with lock:
                    results.append(status)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 80
    assert results.count(400) == 25  # reached the view
    assert results.count(429) == 55
    assert list(redis_keys(store).values()) == [80]
    assert table_rows() == 0


def test_concurrent_increments_from_threads_count_exactly(redis_server, store):
    # Two counters (two connection pools, as two processes would have), 16 threads, 1,600 hits.
    counters = [ratelimit.RedisCounter(redis_server.url) for _ in range(2)]
    rule, now = ratelimit.Rule(10, 600), T0 + 5
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(16)

    def worker(counter):
        start.wait()
        counts = [counter.hit("t.client:" + "a" * 32, rule, now).count for _ in range(100)]
        with lock:
            seen.extend(counts)

    threads = [threading.Thread(target=worker, args=(counters[n % 2],)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for counter in counters:
        counter.close()
    # Every hit got its own count: no two threads read the same value, none was lost.
    assert sorted(seen) == list(range(1, 1601))
    assert redis_keys(store) == {ratelimit.RedisCounter.key("t.client:" + "a" * 32, T0): 1600}


# --- windows --------------------------------------------------------------------------------------


def test_each_window_starts_again_at_one(redis_server, store):
    counter = ratelimit.RedisCounter(redis_server.url)
    rule = ratelimit.Rule(2, 600)
    try:
        hits = [counter.hit("t.client:" + "0" * 32, rule, T0 + s) for s in (0, 1, 2, 600, 601)]
    finally:
        counter.close()
    assert [h.count for h in hits] == [1, 2, 3, 1, 2]
    assert [h.allowed(rule) for h in hits] == [True, True, False, True, True]
    assert [h.window_end for h in hits] == [T0 + 600] * 3 + [T0 + 1200] * 2


def test_login_locks_an_account_then_lets_it_in_after_the_window(client, make_user, clock):
    user, password = make_user(email="organizer@staff.example")
    for _ in range(3):
        assert post_form(client, "/login", {"email": user.email, "password": "wrong password!"}).status_code == 401
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "899"
    assert "Too many login attempts for this account. Wait about 15 minutes" in response.get_data(as_text=True)
    clock.advance(900)
    response = post_form(client, "/login", {"email": " Organizer@Staff.Example", "password": password})
    assert response.status_code == 302
    assert table_rows() == 0


def test_keys_expire_with_their_window_and_the_limit_resets(app, client, store):
    # Real time: a limit of 1 per 2 seconds, which Redis itself must forget.
    app.config["RATELIMIT_ENTRIES_PER_CLIENT"] = (1, 2)
    # Both requests must fall in one window: start them just after a window begins, which leaves
    # them nearly two seconds however loaded the machine is.
    time.sleep(2 - time.time() % 2 + 0.02)
    assert post_json(client, "/api/campaigns/none/entries", {}).status_code == 404
    refused = post_json(client, "/api/campaigns/none/entries", {})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] in {"1", "2"}
    (key,) = redis_keys(store)
    assert 0 < store.pttl(key) <= 2000
    deadline = time.monotonic() + 5
    while store.exists(key) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert redis_keys(store) == {}, "the key outlived its window"
    assert post_json(client, "/api/campaigns/none/entries", {}).status_code == 404


# --- what Redis holds ---------------------------------------------------------------------------


def test_keys_are_hmacs_that_carry_their_window_as_ttl(app, client, make_user, clock, store):
    user, _ = make_user(email="private.person@staff.example")
    post_form(client, "/login", {"email": user.email, "password": "wrong password!"})
    post_json(client, "/api/verify/start", {"email": "secret.signer@anthropic.com"})
    post_json(client, "/api/verify/check", {"email": "secret.signer@anthropic.com", "code": "12345678"},
              environ_base={"REMOTE_ADDR": "2001:db8:1234:5678::42"})
    keys = redis_keys(store)
    # login per client and per account; start per client, site, and address from this network; check
    assert len(keys) == 6
    windows = {"login": 900, "verify_start": 3600, "verify_check": 3600}
    for key, count in keys.items():
        match = KEY_RE.fullmatch(key)
        assert match, key
        assert count == 1
        assert int(match.group(3)) == T0  # the window's start
        ttl = store.ttl(key)
        assert 0 < ttl <= windows[match.group(1).split(".")[0]] - 1, (key, ttl)
    secret = app.config["ISSUER_SECRET"]
    buckets = {KEY_RE.fullmatch(key).group(1) + ":" + KEY_RE.fullmatch(key).group(2) for key in keys}
    assert ratelimit.bucket_key(secret, "login.client", "127.0.0.1") in buckets
    assert ratelimit.bucket_key(secret, "login.account", "private.person@staff.example") in buckets
    assert ratelimit.bucket_key(secret, "verify_check.client", "2001:db8:1234:5678::/64") in buckets
    signer_tag = address_tag(secret, "secret.signer@anthropic.com")
    assert ratelimit.bucket_key(secret, "verify_start.address_client", f"{signer_tag.hex()}|127.0.0.1") in buckets
    # Nothing in Redis names the client or the address, in any key or value.
    everything = " ".join(f"{key} {count}" for key, count in keys.items())
    for needle in ("127.0.0.1", "2001:db8", "private.person", "secret.signer", "staff.example", "anthropic"):
        assert needle not in everything
    assert table_rows() == 0


# --- Redis unreachable ----------------------------------------------------------------------------


def ratelimit_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "pledge.ratelimit"]


def test_unreachable_redis_refuses_login_and_code_requests_and_lets_token_holders_through(
        app_factory, make_user, caplog):
    # Nothing listens on this port: every connection is refused.
    port = free_port()
    app = app_factory(**LIMITS, RATELIMIT_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    user, password = make_user(email="private.person@staff.example")
    client, elsewhere = app.test_client(), {"REMOTE_ADDR": "203.0.113.77"}
    caplog.set_level(logging.WARNING, logger="pledge.ratelimit")
    login = post_form(client, "/login", {"email": user.email, "password": password}, environ_base=elsewhere)
    start = post_json(client, "/api/verify/start", {"email": "secret.signer@anthropic.com"}, environ_base=elsewhere)
    check = post_json(client, "/api/verify/check", {"email": "secret.signer@anthropic.com", "code": "12345678"},
                      environ_base=elsewhere)
    # Fail closed: 503, and the view never ran (the right password did not log in).
    assert login.status_code == 503
    assert start.status_code == 503 and check.status_code == 503
    assert set(start.get_json()) == {"error", "message"}
    assert start.get_json()["error"] == "unavailable" and "try again" in start.get_json()["message"]
    assert start.headers["Retry-After"].isdigit()
    still_out = client.get("/organize/")
    assert still_out.status_code == 302 and "/login" in still_out.headers["Location"]
    # Fail open: issuance, entries and withdrawals reach their views (which refuse the empty body).
    assert post_json(client, "/api/verify/issue", {}, environ_base=elsewhere).status_code == 400
    for path in ("/api/campaigns/none/entries", "/api/campaigns/none/withdrawals"):
        assert [post_json(client, path, {}, environ_base=elsewhere).status_code for _ in range(3)] == [404] * 3
    # No silent fallback to the database.
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RateLimitWindow)) == 0
    # One log line for the ten failures, naming the server and the error, never the client.
    (record,) = ratelimit_records(caplog)
    assert record.levelno == logging.ERROR
    line = record.getMessage()
    assert f"Redis at 127.0.0.1:{port} unavailable (ConnectionError" in line
    assert "refused with 503" in line and "except entries, statements, verify_issue, withdrawals, which go unlimited" in line
    secret = app.config["ISSUER_SECRET"]
    logged = caplog.text
    for needle in ("203.0.113", "private.person", "secret.signer", "anthropic.com",
                   ratelimit.bucket_key(secret, "login.account", user.email).split(":")[1],
                   ratelimit.bucket_key(secret, "login.client", "203.0.113.77").split(":")[1]):
        assert needle not in logged
    ratelimit.close_redis(app)
    with app.app_context():
        db.engine.dispose()


def test_redis_going_away_and_coming_back(app_factory, tmp_path, caplog):
    server = start_redis(tmp_path / "own-redis")
    app = app_factory(**LIMITS, RATELIMIT_REDIS_URL=server.url)
    client = app.test_client()
    caplog.set_level(logging.WARNING, logger="pledge.ratelimit")
    try:
        assert post_json(client, "/api/verify/check", {}).status_code == 400
        server.stop()  # the pooled connection dies with it
        assert post_json(client, "/api/verify/check", {}).status_code == 503
        assert post_json(client, "/api/campaigns/none/entries", {}).status_code == 404
        server.start()  # same port, empty: counts from before are gone
        assert post_json(client, "/api/verify/check", {}).status_code == 400
        store = server.client()
        assert list(redis_keys(store).values()) == [1]
        store.close()
    finally:
        server.stop()
        ratelimit.close_redis(app)
        with app.app_context():
            db.engine.dispose()
    error, recovered = ratelimit_records(caplog)
    assert error.levelno == logging.ERROR and "unavailable" in error.getMessage()
    assert recovered.levelno == logging.WARNING
    assert "answers again (1 more failed request before it did)" in recovered.getMessage()


def test_tick_runs_whether_redis_answers_or_not(app, client, runner, store, app_factory):
    post_json(client, "/api/verify/check", {})
    before = redis_keys(store)
    assert len(before) == 1
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "rate-limit" not in result.output
    assert redis_keys(store) == before  # Redis keys expire by themselves; tick leaves them alone
    down = app_factory(**LIMITS, RATELIMIT_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    result = down.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    ratelimit.close_redis(down)
    with down.app_context():
        db.engine.dispose()


# --- configuration ----------------------------------------------------------------------------


def test_the_redis_url_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PLEDGE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PLEDGE_ENV", "testing")
    for name in SECRET_NAMES:
        monkeypatch.setenv(f"PLEDGE_{name}", "ab" * 32)
    monkeypatch.setenv("PLEDGE_RATELIMIT_REDIS_URL", "redis://limits.internal:6380/2")
    app = create_app()
    assert app.config["RATELIMIT_REDIS_URL"] == "redis://limits.internal:6380/2"
    counter = ratelimit.redis_counter(app)
    assert counter is not None and counter.server == "limits.internal:6380"
    assert ratelimit.redis_counter(app) is counter  # one per app
    ratelimit.close_redis(app)
    monkeypatch.setenv("PLEDGE_RATELIMIT_REDIS_URL", "limits.internal:6380")
    with pytest.raises(ConfigurationError, match="RATELIMIT_REDIS_URL"):
        create_app()


def test_the_database_stays_the_backend_when_no_redis_is_configured(app_factory):
    app = app_factory()
    assert app.config["RATELIMIT_REDIS_URL"] is None
    assert ratelimit.redis_counter(app) is None
    with app.app_context():
        db.engine.dispose()
