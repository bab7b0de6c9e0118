"""The /verify page in real Chromium against the real app: a live server, a real SMTP sink, and
campaigns launched through a real key ceremony so that their token keys are real."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import pytest
from flask import Flask

from pledge.config import SECRET_NAMES
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, utcnow
from pledge.services import ceremony
from tests.browser import live_server
from tests.ceremony_kit import FakeTrustee, frozen, post_deals
from tests.mailsink import MailSink

CODE_RE = re.compile(r"\b(\d{8})\b")


@dataclass
class Site:
    """The app under test and the base URL it is served on."""

    app: Flask
    url: str


@pytest.fixture
def sink(tmp_path):
    """A real SMTP server on loopback; the app sends its codes here."""
    server = MailSink(tmp_path / "sink")
    yield server
    server.stop()


@pytest.fixture
def site(app, app_factory, sink):
    """The real app, served on a loopback port and mailing through ``sink``.

    It shares the database file and the secrets of the ``app`` fixture, whose context the test
    thread uses (campaigns are made there), so token keys sealed here open in the server.
    """
    server_app = app_factory(MAIL_PORT=sink.port, **{name: app.config[name] for name in SECRET_NAMES})
    with live_server(server_app) as url:
        yield Site(server_app, url)
    with server_app.app_context():
        db.engine.dispose()


@pytest.fixture
def launch(site, make_campaign):
    """``launch(title, lab_slugs)``: a campaign taken through freeze, deals, transcripts and
    launch by three fake trustees; its token keys are sealed under the site's secret."""
    numbers = itertools.count(1)

    def run(title: str, lab_slugs=("anthropic", "openai", "meta")) -> Campaign:
        db.session.rollback()  # end any read snapshot older than the server's last write
        n = next(numbers)
        campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3, title=title,
                                 lab_slugs=lab_slugs)
        people = [FakeTrustee(f"Trustee {i}", f"t{i}-c{n}@trustees.example") for i in (1, 2, 3)]
        seats = frozen(site.app, campaign, people)
        package = post_deals(campaign, people, seats)
        with write_intent():
            board = ceremony.board_file(db.session, campaign)
            for person, seat in zip(people, seats):
                ceremony.submit_result(db.session, campaign, seat, person.finish_file(package, board, seat.seat), utcnow())
            ceremony.launch(db.session, campaign, site.app.config["LOG_KEY_SECRET"], utcnow())
            db.session.commit()
        assert campaign.state == CampaignState.OPEN
        return campaign

    return run


def code_from(sink: MailSink, address: str, before: int = 0, timeout: float = 15.0) -> str:
    """The 8-digit code in the newest message to ``address`` once more than ``before`` arrived."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sink.messages(address)
        if len(found) > before:
            match = CODE_RE.search(found[-1].body)
            assert match, "the code email holds no 8-digit code"
            return match.group(1)
        time.sleep(0.05)
    raise AssertionError("no code email arrived")


@dataclass
class Watch:
    """What a page did that it must not: CSP violations, script errors, foreign requests."""

    base: str
    violations: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    foreign: list = field(default_factory=list)
    requests: list = field(default_factory=list)


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def watch(page, base: str) -> Watch:
    """Record CSP reports (console and the DOM event), page errors and every request."""
    seen = Watch(base)
    page.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.violations.append(message.text)

    def on_request(request) -> None:
        seen.requests.append(request.url)
        same = request.url == base or request.url.startswith(base + "/") or request.url.startswith(f"blob:{base}/")
        if not same:
            seen.foreign.append(request.url)

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
