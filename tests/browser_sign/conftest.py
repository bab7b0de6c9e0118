"""The sign and receipt pages in real Chromium against the real app: a live server behind WSGI
middleware of our own (one records every raw request, one can rewrite the ceremony board), a
real SMTP sink for verification codes, and campaigns launched through a real key ceremony."""

from __future__ import annotations

import io
import itertools
import json
import threading
from dataclasses import dataclass

import pytest
from flask import Flask

from pledge.config import SECRET_NAMES
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, utcnow
from pledge.services import ceremony
from tests.browser import live_server
from tests.browser_sign.kit import Launched
from tests.ceremony_kit import FakeTrustee, frozen, post_deals

# --- WSGI middleware ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRequest:
    """One request as the server received it: request line, headers and body bytes."""

    method: str
    path: str
    query: bytes
    headers: bytes
    body: bytes

    def everything(self) -> bytes:
        return b"\n".join([self.method.encode(), self.path.encode("utf-8", "surrogateescape"), self.query,
                           self.headers, self.body])


class RequestRecorder:
    """Records every request before the app sees it, and hands the app the same bytes."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests: list[RawRequest] = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        stream = environ["wsgi.input"]
        body = stream.read(length) if length else (stream.read() if environ.get("wsgi.input_terminated") else b"")
        headers = "\n".join(f"{key}: {value}" for key, value in environ.items() if key.startswith(("HTTP_", "CONTENT_")))
        with self._lock:
            self.requests.append(RawRequest(environ["REQUEST_METHOD"], environ.get("PATH_INFO", ""),
                                            environ.get("QUERY_STRING", "").encode("latin-1"),
                                            headers.encode("latin-1", "replace"), body))
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    def posts_to(self, suffix: str) -> list[RawRequest]:
        with self._lock:
            return [r for r in self.requests if r.method == "POST" and r.path.endswith(suffix)]


class BoardRewriter:
    """Serves ``rewrite(board)`` instead of the real ceremony board while ``rewrite`` is set."""

    def __init__(self, app) -> None:
        self.app = app
        self.rewrite = None

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if self.rewrite is None or not (path.startswith("/api/campaigns/") and path.endswith("/board")):
            return self.app(environ, start_response)
        seen = {}

        def capture(status, headers, exc_info=None):
            seen.update(status=status, headers=headers)
            return lambda data: None

        chunks = self.app(environ, capture)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        rewritten = json.dumps(self.rewrite(json.loads(body))).encode()
        headers = [(k, v) for k, v in seen["headers"] if k.lower() != "content-length"]
        start_response(seen["status"], [*headers, ("Content-Length", str(len(rewritten)))])
        return [rewritten]


# --- the site ----------------------------------------------------------------------------------


@dataclass
class Site:
    """The app under test, the base URL it is served on, and the middleware in front of it."""

    app: Flask
    url: str
    recorder: RequestRecorder
    board: BoardRewriter


@pytest.fixture
def site(app, app_factory, sink):
    """The real app on a loopback port, behind the recorder and the board rewriter.

    It shares the database file and the secrets of the ``app`` fixture, whose context the test
    thread uses (campaigns are launched and batches published there).
    """
    server_app = app_factory(MAIL_PORT=sink.port, **{name: app.config[name] for name in SECRET_NAMES})
    board = BoardRewriter(server_app)
    recorder = RequestRecorder(board)
    with live_server(recorder) as url:
        server_app.config["PUBLIC_URL"] = url  # the address people use: links and commands name it
        yield Site(server_app, url, recorder, board)
    with server_app.app_context():
        db.engine.dispose()


@pytest.fixture
def launch(site, make_campaign):
    """``launch(title, **fields)``: a campaign taken through freeze, deals, transcript signatures
    and launch by three fake trustees (t = 2), its board and Y real."""
    numbers = itertools.count(1)

    def run(title: str, **fields) -> Launched:
        db.session.rollback()  # end any read snapshot older than the server's last write
        n = next(numbers)
        fields.setdefault("lab_slugs", ("anthropic", "openai", "meta"))
        campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3, title=title, **fields)
        people = [FakeTrustee(f"Trustee {i}", f"t{i}-s{n}@trustees.example") for i in (1, 2, 3)]
        seats = frozen(site.app, campaign, people)
        package = post_deals(campaign, people, seats)
        with write_intent():
            board = ceremony.board_file(db.session, campaign)
            for person, seat in zip(people, seats):
                ceremony.submit_result(db.session, campaign, seat, person.finish_file(package, board, seat.seat), utcnow())
            ceremony.launch(db.session, campaign, site.app.config["LOG_KEY_SECRET"], utcnow())
            db.session.commit()
        assert campaign.state == CampaignState.OPEN
        return Launched(campaign, people, seats)

    return run
