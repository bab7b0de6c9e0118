"""The /verify page in real Chromium against the real app: a live server, a real SMTP sink, and
campaigns launched through a real key ceremony so that their token keys are real."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from flask import Flask

from pledge.config import SECRET_NAMES
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, utcnow
from pledge.services import ceremony
from tests.browser import live_server
from tests.ceremony_kit import FakeTrustee, frozen, post_deals


@dataclass
class Site:
    """The app under test and the base URL it is served on."""

    app: Flask
    url: str


@pytest.fixture
def site(app, app_factory, sink):
    """The real app, served on a loopback port and mailing through ``sink``.

    It shares the database file and the secrets of the ``app`` fixture, whose context the test
    thread uses (campaigns are made there), so token keys sealed here open in the server.
    """
    server_app = app_factory(MAIL_PORT=sink.port, **{name: app.config[name] for name in SECRET_NAMES})
    with live_server(server_app) as url:
        server_app.config["PUBLIC_URL"] = url  # the address people use: links and commands name it
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
