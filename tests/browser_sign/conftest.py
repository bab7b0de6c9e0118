"""The sign and receipt pages in real Chromium against the real app: a live server behind WSGI
middleware of our own (one records every raw request, one can rewrite the ceremony board), a
real SMTP sink for verification codes, and campaigns launched through a real key ceremony."""

from __future__ import annotations

import io
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from crypto import reveal
from crypto.group import scalarmult_base
from pledge.config import SECRET_NAMES
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Entry, utcnow
from pledge.services import batches, ceremony
from tests.browser import live_server
from tests.ceremony_kit import FakeTrustee, frozen, post_deals
from tests.mailsink import MailSink

CODE_RE = re.compile(r"\b(\d{8})\b")
ADDRESS = "grace.hopper@anthropic.com"


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
def sink(tmp_path):
    """A real SMTP server on loopback; the app sends its codes here."""
    server = MailSink(tmp_path / "sink")
    yield server
    server.stop()


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
        yield Site(server_app, url, recorder, board)
    with server_app.app_context():
        db.engine.dispose()


@dataclass
class Launched:
    """A launched campaign and the fake trustees (with their shares) who launched it."""

    campaign: object
    people: list
    seats: list


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


def decrypt_entry(launched: Launched) -> dict:
    """The campaign's one entry opened as trustees would: partial decryptions by two of the fake
    trustees (checked), combined; returns the payload as JSON."""
    db.session.rollback()
    entry = db.session.scalar(select(Entry).where(Entry.campaign_id == launched.campaign.id))
    ad = launched.campaign.ctx + entry.nullifier
    partials = {}
    for person, seat in list(zip(launched.people, launched.seats))[:2]:
        y_j = scalarmult_base(person.share)
        partial = reveal.partial_decrypt(seat.seat, person.share, y_j, entry.r_point, ad)
        partials[seat.seat] = reveal.verify_partial(seat.seat, y_j, entry.r_point, ad, partial)
    return json.loads(reveal.decrypt(launched.campaign.group_key, ad, entry.ciphertext, partials))


def tick(app, hours: int) -> list:
    """Publish whatever batches are due ``hours`` from now, as ``flask tick`` would."""
    db.session.rollback()
    with write_intent():
        done = batches.publish_due(db.session, utcnow() + timedelta(hours=hours), app.config["LOG_KEY_SECRET"])
        db.session.commit()
    return done


def public_total(client, slug: str) -> int:
    """The overall count the public sees (``GET /api/campaigns/<slug>``)."""
    return client.get(f"/api/campaigns/{slug}").get_json()["total"]


# --- the browser -------------------------------------------------------------------------------


def code_from(sink: MailSink, address: str, before: int = 0, timeout: float = 15.0) -> str:
    """The 8-digit code in the newest message to ``address`` once more than ``before`` arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sink.messages(address)
        if len(found) > before:
            match = CODE_RE.search(found[-1].body)
            assert match, "the code email holds no 8-digit code"
            return match.group(1)
        time.sleep(0.05)
    raise AssertionError("no code email arrived")


def verify_in_browser(page, site: Site, sink: MailSink, address: str = ADDRESS) -> None:
    """Take ``page`` through /verify with the code from the SMTP sink; its tokens are then stored."""
    page.goto(f"{site.url}/verify")
    before = len(sink.messages(address))
    page.get_by_label("Work email address").fill(address)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("8-digit code").fill(code_from(sink, address, before))
    page.get_by_role("button", name="Get my tokens").click()
    page.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()


def open_sign_page(page, site: Site, slug: str) -> None:
    """Open the sign page and wait until its key check has answered (either way)."""
    page.goto(f"{site.url}/campaigns/{slug}/sign")
    page.wait_for_function(
        "() => { const s = document.getElementById('sign-status');"
        " return s && (s.classList.contains('is-ok') || s.classList.contains('is-error')); }")


def fill_signature(page, *, name: str, role: str, statement: str, display: str = "name") -> None:
    """Fill the sign form (the display choice first: an anonymous signature has no name field)."""
    label = ("Show my name at the reveal" if display == "name"
             else "Count me as a verified anonymous researcher at my lab")
    page.get_by_label(label).check()
    if display == "name":
        page.get_by_label("Your name").fill(name)
    page.get_by_label("Your role").fill(role)
    page.get_by_label("Statement (optional)").fill(statement)


@dataclass
class Watch:
    """What a page did that it must not: CSP violations, script errors, foreign requests."""

    base: str
    violations: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    foreign: list = field(default_factory=list)


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def watch(page, base: str) -> Watch:
    """Record CSP reports (console and the DOM event), page errors and requests to other hosts."""
    seen = Watch(base)
    page.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.violations.append(message.text)

    def on_request(request) -> None:
        url = request.url
        if not (url == base or url.startswith((base + "/", f"blob:{base}/"))):
            seen.foreign.append(url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("request", on_request)
    return seen


def assert_clean(page, seen: Watch) -> None:
    """No CSP violation (either channel), no script error, no request to another host."""
    assert seen.violations == []
    assert page.evaluate("window.__cspViolations") == []
    assert seen.errors == []
    assert seen.foreign == []


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
