"""``flask --app pledge dev serve``: its request handler keeps client addresses out of the log but
not out of the app (the rate limits count each client by it), and its mail sink moves off a taken
port."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import threading
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from pledge.cli.dev import _NoAddressRequestHandler
from pledge.devsmtp import port_is_free, start_sink_near

CLIENTS = ("127.0.0.1", "127.0.0.2")  # both loopback on Linux: two clients on one machine


@contextmanager
def dev_handler_server(app):
    """The app on a real HTTP server with ``dev serve``'s request handler."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_NoAddressRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def post_from(source: str, port: int, path: str, body: dict) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


@pytest.fixture
def app(app_factory, clock):
    """One code check per client per window; the limiter's clock frozen."""
    return app_factory(RATELIMIT_VERIFY_CHECK_PER_CLIENT=(1, 600))


def test_two_clients_get_two_buckets_and_the_log_names_neither(app, caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    with dev_handler_server(app) as port:
        first = post_from(CLIENTS[0], port, "/api/verify/check", {})
        again = post_from(CLIENTS[0], port, "/api/verify/check", {})
        other = post_from(CLIENTS[1], port, "/api/verify/check", {})
        other_again = post_from(CLIENTS[1], port, "/api/verify/check", {})
    assert first[0] == 400 and first[1]["error"] != "rate_limited"  # counted, then refused as malformed
    assert again[0] == 429 and again[1]["error"] == "rate_limited"
    assert other[0] == 400 and other[1]["error"] != "rate_limited"  # a bucket of its own
    assert other_again[0] == 429
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    requests = [line for line in lines if "POST /api/verify/check" in line]
    assert len(requests) == 4, lines
    for line in lines:
        assert not any(address in line for address in CLIENTS), line
        assert "127.0.0" not in line, line
    assert all(line.startswith("- - - [") for line in requests), requests


@pytest.fixture
def held_port():
    """A port another program listens on."""
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_the_sink_moves_off_a_taken_port_and_delivers_there(tmp_path, held_port):
    import smtplib

    from pledge.devsmtp import list_messages

    assert not port_is_free("127.0.0.1", held_port)
    sink, port = start_sink_near(tmp_path / "mail", "127.0.0.1", held_port)
    try:
        assert port != held_port
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail("a@pledge.invalid", ["b@example.org"], b"Subject: hello\r\n\r\nbody\r\n")
    finally:
        sink.stop()
    assert [message.subject for message in list_messages(tmp_path / "mail")] == ["hello"]


def test_the_sink_takes_the_preferred_port_when_it_is_free(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    sink, port = start_sink_near(tmp_path / "mail", "127.0.0.1", free)
    sink.stop()
    assert port == free


def test_dev_serve_refuses_a_taken_site_port_with_a_message(app_factory, held_port):
    application = app_factory(PLEDGE_ENV="development")
    result = application.test_cli_runner().invoke(args=["dev", "serve", "--port", str(held_port)])
    assert result.exit_code == 1
    assert f"port {held_port} on 127.0.0.1 is taken by another program" in result.output
    assert "Traceback" not in result.output
