"""Rate limits live in the database, so every thread, app instance and process shares them.

Time is injected: ``pledge.ratelimit.clock`` is replaced by a clock the test moves, so windows
pass without sleeping and no test straddles a real window boundary by accident.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from pledge import ratelimit
from pledge.config import SECRET_NAMES
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import RateLimitWindow
from pledge.services.affiliation import address_tag, normalize_address
from tests import dbkit
from tests.browser import live_server
from tests.kit.config import make_config
from tests.kit.forms import csrf_from, post_form
from tests.kit.ratelimit import LIMITS, T0, http_post, post_json
from tests.kit.ticks import tick_at
from tests.mailsink import MailSink

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app(app_factory, clock):
    """Overrides conftest's app: small limits, a frozen limiter clock."""
    application = app_factory(**LIMITS)
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


def same_secrets(app) -> dict:
    """The running app's secrets, so another instance computes the same buckets."""
    return {name: app.config[name].hex() for name in SECRET_NAMES}


def buckets() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(RateLimitWindow.bucket)))


# --- one counter for every thread, app and process -----------------------------------------------


def test_exactly_the_limit_passes_under_8_concurrent_threads(app):
    # Given a live threaded server allowing 25 code checks per client per hour
    results: list[int] = []
    lock = threading.Lock()
    with live_server(app) as url:
        def worker():
            for _ in range(10):
                status = http_post(f"{url}/api/verify/check", {"email": "x", "code": "1"})
                with lock:
                    results.append(status)

        # When 8 threads send 80 checks at once
        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # Then exactly 25 reach the view (and fail there as malformed), the rest are refused
    assert len(results) == 80
    assert results.count(429) == 55
    assert results.count(400) == 25
    db.session.rollback()
    assert db.session.scalar(select(RateLimitWindow.count)) == 80


@pytest.fixture
def sibling(app, app_factory):
    """``sibling()``: another app instance on the same database file with the same secrets.
    Its requests push their own app context, as a server's do (the fixture app's test client
    would share this test's session instead)."""
    built = []

    def build():
        other = app_factory(**LIMITS, **same_secrets(app))
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            db.engine.dispose()


def test_two_app_instances_on_one_database_share_the_limit(sibling):
    # Two create_app calls on the same file: what two server processes would be.
    first, second = sibling().test_client(), sibling().test_client()
    statuses = [post_json(client, "/api/campaigns/none/entries", {}).status_code
                for client in (first, second, first, second)]
    assert statuses == [404, 404, 429, 429]


def test_a_separate_process_shares_the_limit(app, sibling, clock):
    # The parent uses 3 of the 25 checks; a child process with the same configuration uses 22
    # more and is refused 3; then the parent is refused too.
    client = sibling().test_client()
    assert [post_json(client, "/api/verify/check", {}).status_code for _ in range(3)] == [400] * 3
    config = make_config(Path(app.instance_path), **LIMITS, **same_secrets(app),
                         SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
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
    statuses = json.loads(child.stdout.strip().splitlines()[-1])
    assert statuses == [400] * 22 + [429] * 3
    assert post_json(client, "/api/verify/check", {}).status_code == 429


# --- login -----------------------------------------------------------------------------------


def test_login_locks_an_account_then_lets_it_in_after_the_window(client, make_user, clock):
    user, password = make_user(email="organizer@staff.example")
    for _ in range(3):
        response = post_form(client, "/login", {"email": user.email, "password": "wrong password!"})
        assert response.status_code == 401
    # The right password does not help while the account is locked.
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "899"
    page = response.get_data(as_text=True)
    assert "Too many login attempts for this account. Wait about 15 minutes, then try again." in page
    # An unknown address is locked exactly alike: the lockout reveals no account.
    for _ in range(3):
        assert post_form(client, "/login", {"email": "nobody@staff.example", "password": "x" * 12}).status_code == 401
    unknown = post_form(client, "/login", {"email": "nobody@staff.example", "password": "x" * 12})
    assert unknown.status_code == 429
    assert unknown.get_data() == response.get_data()
    assert unknown.headers["Retry-After"] == response.headers["Retry-After"]
    # After the window the right password works again.
    clock.advance(900)
    response = post_form(client, "/login", {"email": " Organizer@Staff.Example", "password": password})
    assert response.status_code == 302


def test_login_limits_a_client_spraying_many_accounts(client, sibling, clock):
    for n in range(8):
        response = post_form(client, "/login", {"email": f"guess{n}@staff.example", "password": "x" * 12})
        assert response.status_code == 401
    response = post_form(client, "/login", {"email": "guess9@staff.example", "password": "x" * 12})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) == 899
    assert "Too many attempts from your network" in response.get_data(as_text=True)
    # Another client is not affected (served by a sibling instance: this test's pushed app
    # context would hand it the first client's cached CSRF token).
    other, elsewhere = sibling().test_client(), {"REMOTE_ADDR": "192.0.2.7"}
    token = csrf_from(other.get("/login", environ_base=elsewhere).get_data(as_text=True))
    other_response = other.post("/login", data={"email": "guess9@staff.example", "password": "x" * 12,
                                                "csrf_token": token}, environ_base=elsewhere)
    assert other_response.status_code == 401
    clock.advance(899)
    assert post_form(client, "/login", {"email": "guess10@staff.example", "password": "x" * 12}).status_code == 401


# --- the JSON API ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/verify/check", "/api/verify/issue", "/api/campaigns/none/entries",
                                  "/api/campaigns/none/withdrawals"])
def test_api_429_bodies_are_json_with_retry_after(client, path):
    for _ in range(LIMITS["RATELIMIT_VERIFY_CHECK_PER_CLIENT"][0] if path.endswith("check") else 2):
        assert post_json(client, path, {}).status_code != 429
    response = post_json(client, path, {})
    assert response.status_code == 429
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["error"] == "rate_limited"
    assert body["message"].startswith("Too many attempts from your network. Wait about ")
    window = 3600 if path.endswith("check") else 600
    assert response.headers["Retry-After"] == str(window - 1)
    assert response.headers["Content-Security-Policy"]


def test_code_send_429_is_the_same_for_new_capped_and_verified_addresses(app, client, make_campaign, tmp_path):
    # Given an open campaign, one verified address and one at its per-address cap, one client
    make_campaign(lab_slugs=("anthropic",))
    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    app.config["RATELIMIT_VERIFY_START_PER_CLIENT"] = (5, 3600)
    try:
        started = post_json(client, "/api/verify/start", {"email": "known@anthropic.com"})
        assert started.status_code == 200
        message = sink.wait_for(normalize_address("known@anthropic.com"), "verification code")
        code = re.search(r"\b(\d{8})\b", message.body).group(1)
        checked = post_json(client, "/api/verify/check", {"email": "known@anthropic.com", "code": code,
                                                           "handle": started.get_json()["handle"]})
        assert checked.status_code == 200
        for _ in range(4):  # the fourth is over the per-address cap: same 200 answer, no email
            assert post_json(client, "/api/verify/start", {"email": "capped@anthropic.com"}).status_code == 200
        # When the client is over its limit
        answers = [post_json(client, "/api/verify/start", {"email": address})
                   for address in ("new@anthropic.com", "capped@anthropic.com", "known@anthropic.com",
                                   "not an address", "someone@elsewhere.example")]
    finally:
        sink.stop()
    # Then every answer is the same 429, byte for byte: the address was never looked at
    assert {answer.status_code for answer in answers} == {429}
    assert len({answer.get_data() for answer in answers}) == 1
    assert len({answer.headers["Retry-After"] for answer in answers}) == 1


def test_code_sends_have_a_site_wide_limit_across_clients(app, client):
    app.config["RATELIMIT_VERIFY_START_SITE"] = (3, 3600)
    statuses = [post_json(client, "/api/verify/start", {"email": "x"},
                          environ_base={"REMOTE_ADDR": f"198.51.100.{n}"}).status_code for n in range(4)]
    assert statuses == [400, 400, 400, 429]
    response = post_json(client, "/api/verify/start", {"email": "x"}, environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.get_json()["message"].startswith("This site is receiving too many requests")


# --- what is stored, and for how long -------------------------------------------------------


def test_buckets_hold_no_address_or_ip_in_clear(app, client, make_user):
    user, _ = make_user(email="private.person@staff.example")
    post_form(client, "/login", {"email": user.email, "password": "wrong password!"})
    post_json(client, "/api/verify/start", {"email": "secret.signer@anthropic.com"})
    post_json(client, "/api/verify/check", {"email": "secret.signer@anthropic.com", "code": "12345678"},
              environ_base={"REMOTE_ADDR": "2001:db8:1234:5678::42"})
    found = buckets()
    # login per client and per account; start per client, site, and address from this network; check
    assert len(found) == 6
    for bucket in found:
        assert re.fullmatch(r"[a-z_]+\.(client|account|site|address_client):[0-9a-f]{32}", bucket), bucket
    secret = app.config["ISSUER_SECRET"]
    assert ratelimit.bucket_key(secret, "login.client", "127.0.0.1") in found
    assert ratelimit.bucket_key(secret, "login.account", "private.person@staff.example") in found
    assert ratelimit.bucket_key(secret, "verify_check.client", "2001:db8:1234:5678::/64") in found
    signer_tag = address_tag(secret, "secret.signer@anthropic.com")
    assert ratelimit.bucket_key(secret, "verify_start.address_client", f"{signer_tag.hex()}|127.0.0.1") in found
    # Nor does the database file or its WAL hold the client's address, in any table.
    db.session.remove()
    # (On PostgreSQL, this database's files: the cluster's shared log may hold other tests' data.)
    raw = dbkit.stored_bytes(app, wal=dbkit.BACKEND == "sqlite")
    for needle in (b"127.0.0.1", b"2001:db8", b"secret.signer"):
        assert needle not in raw


def test_client_keys_group_ipv6_by_64_and_unwrap_mapped_ipv4():
    assert ratelimit.client_key("2001:db8:1:2:3:4:5:6") == ratelimit.client_key("2001:db8:1:2:ffff::1")
    assert ratelimit.client_key("2001:db8:1:2::1") != ratelimit.client_key("2001:db8:1:3::1")
    assert ratelimit.client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert ratelimit.client_key(None) == ratelimit.client_key("garbage") == "unknown"


def test_a_stale_window_restarts_at_one(app, clock):
    rule = ratelimit.Rule(2, 600)
    with write_intent():
        counts = [ratelimit.hit(db.session, "t.client:" + "0" * 32, rule, T0 + s).count for s in (0, 1, 2, 600, 601)]
        db.session.commit()
    assert counts == [1, 2, 3, 1, 2]


def test_tick_purges_ended_windows_and_is_idempotent(app, client, clock):
    post_json(client, "/api/verify/check", {})  # a one-hour window
    post_json(client, "/api/campaigns/none/entries", {})  # a ten-minute window
    assert len(buckets()) == 2

    def actions_at(at: int) -> list[str]:
        return tick_at(app, datetime.fromtimestamp(at, UTC)).actions

    assert actions_at(T0 + 599) == []
    assert actions_at(T0 + 600) == ["purged 1 ended rate-limit window"]
    assert len(buckets()) == 1
    assert actions_at(T0 + 3600) == ["purged 1 ended rate-limit window"]
    assert actions_at(T0 + 3600) == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RateLimitWindow)) == 0
    assert db.session.execute(text("SELECT count(*) FROM rate_limits")).scalar() == 0
