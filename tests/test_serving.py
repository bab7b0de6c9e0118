"""Production serving: the documented gunicorn configuration, its access log, the health endpoint
through it, and the proxy setting."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from pledge.config import SECRET_NAMES
from pledge.extensions import db


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_gunicorn_serves_with_two_workers_and_logs_nothing_about_visitors(app, tmp_path):
    port = free_port()
    access_log = tmp_path / "access.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLEDGE_")}
    env.update({f"PLEDGE_{name}": app.config[name].hex() for name in SECRET_NAMES})
    env.update(PLEDGE_ENV="production", PLEDGE_INSTANCE_PATH=app.instance_path, PLEDGE_BIND=f"127.0.0.1:{port}",
               PLEDGE_PUBLIC_URL=f"http://127.0.0.1:{port}",
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], WEB_CONCURRENCY="2",
               PLEDGE_ACCESS_LOG=str(access_log))
    db.session.remove()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:pledge.gunicorn_config", "pledge.wsgi:app"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=Path(__file__).parent.parent)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = get(f"{base}/healthz")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
                time.sleep(0.2)
        assert status == 200 and b'"ok"' in body
        canary = secrets.token_hex(8)
        leaf = secrets.token_hex(32)
        headers = {"User-Agent": f"ua-{canary}", "X-Forwarded-For": f"10.{canary[:2]}.0.1", "Referer": f"http://r/{canary}"}
        for _ in range(6):  # several requests: more than one worker answers
            assert get(f"{base}/?q={canary}", headers)[0] == 200
        assert get(f"{base}/api/campaigns/none/receipts/{leaf}", headers)[0] == 404
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert output.count("Booting worker") == 2, output
    logged = access_log.read_text()
    assert '"GET /healthz" 200' in logged and '"GET /" 200' in logged, logged
    assert "/receipts/:leaf" in logged
    assert "127.0.0.1" not in logged  # the client's address (the server's own startup line names its bind)
    for secret in (canary, leaf, f"10.{canary[:2]}"):
        assert secret not in logged and secret not in output


def test_proxy_hops_take_the_scheme_from_the_proxy(app_factory):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    direct = app_factory()
    assert "Strict-Transport-Security" not in direct.test_client().get("/healthz", headers=forwarded).headers
    proxied = app_factory(PROXY_HOPS=1)
    assert "Strict-Transport-Security" in proxied.test_client().get("/healthz", headers=forwarded).headers
    assert "Strict-Transport-Security" not in proxied.test_client().get("/healthz").headers
