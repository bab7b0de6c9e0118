"""Fixtures shared by every test: the app on a real, migrated database (SQLite, or PostgreSQL under
.ci/with-postgres), clients, factories, an SMTP sink, a campaign launched through a real ceremony,
the rate limiter's clock, and the real browser; and the lane markers every test gets at collection.

Helpers that are not fixtures live in tests/kit/ (configuration, forms, ticks, ...) and in the
*_kit.py modules; test modules import from those, never from one another."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from pledge import create_app
from pledge.database import write_intent
from pledge.extensions import db
from tests import dbkit
from tests.browser import CHROMIUM, CHROMIUM_ARGS
from tests.kit import markers
from tests.kit.config import make_config
from tests.kit.forms import post_form


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory):
    """One database upgraded with the real migrations, copied for each test (see tests/dbkit.py)."""
    from flask_migrate import upgrade

    folder = tmp_path_factory.mktemp("template-db")
    overrides = {}
    pg_name = None
    if dbkit.BACKEND == "postgresql":
        pg_name = f"template_{secrets.token_hex(4)}"
        overrides["SQLALCHEMY_DATABASE_URI"] = dbkit.create_database(pg_name)
    app = create_app(make_config(folder, **overrides))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield dbkit.Template(sqlite_file=folder / "pledge.sqlite3", pg_name=pg_name)
    if pg_name:
        dbkit.drop_database(dbkit.database_url(pg_name))


@pytest.fixture
def app_factory(tmp_path, migrated_db):
    """Build apps on a fresh copy of the migrated database: ``app_factory(PLEDGE_ENV=...)``."""
    instance = tmp_path / "instance"
    built = []

    def build(**overrides):
        instance.mkdir(exist_ok=True)
        url = migrated_db.provision(instance)
        application = create_app(make_config(instance, **{"SQLALCHEMY_DATABASE_URI": url, **overrides}))
        built.append(application)
        return application

    yield build
    for application in built:
        # Close every pooled connection now, not whenever the garbage collector gets to it.
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
    migrated_db.release(instance)


@pytest.fixture
def app(app_factory):
    """The app in testing mode, with an application context pushed."""
    application = app_factory()
    with application.app_context():
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client (CSRF protection on, as in production)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for ``flask --app pledge`` commands."""
    return app.test_cli_runner()


@pytest.fixture
def labs(app):
    """The seeded labs, by slug."""
    from pledge.services.demo import seed_labs

    with write_intent():
        found = {lab.slug: lab for lab in seed_labs(db.session)}
        db.session.commit()
    return found


@pytest.fixture
def make_user(app):
    """``make_user(*roles, email=...)`` creates an account; returns (user, password)."""
    from pledge.models import Role
    from pledge.services.accounts import PasswordCost, create_user

    counter = iter(range(1, 10_000))

    def make(*roles: Role, email: str | None = None, name: str = "Test Person"):
        password = secrets.token_urlsafe(16)
        with write_intent():
            user = create_user(
                db.session,
                email=email or f"user{next(counter)}@staff.example",
                name=name,
                password=password,
                roles=roles or (Role.ORGANIZER,),
                cost=PasswordCost(opslimit=1, memlimit=8192),
            )
            db.session.commit()
        return user, password

    return make


@pytest.fixture
def make_campaign(app, labs, make_user):
    """``make_campaign(state=..., counts={slug: n}, **fields)`` inserts a campaign directly."""
    from pledge.models import Campaign, CampaignLab, CampaignState, Condition, Role, utcnow

    def make(*, organizer=None, state=CampaignState.OPEN, counts=None, lab_slugs=("anthropic", "openai", "meta"),
             conditions=("Publish the safety framework.",), **fields):
        now = utcnow()
        if organizer is None:
            organizer, _ = make_user(Role.ORGANIZER)
        values = dict(
            slug=f"campaign-{secrets.token_hex(4)}", title="A test campaign", pledge_text="I pledge **this**.",
            min_total=50, min_per_lab=10, min_labs=2, deadline=now + timedelta(days=20),
            trustee_quorum=2, trustee_count=3, suppress_below=5, batch_interval_seconds=3600,
        )
        values.update(fields)
        campaign = Campaign(organizer_id=organizer.id, state=state, **values)
        if state != CampaignState.DRAFT:
            campaign.frozen_at = campaign.submitted_at = campaign.approved_at = now
        if state not in (CampaignState.DRAFT, CampaignState.CEREMONY):
            from crypto import group

            campaign.launched_at = now
            campaign.group_key = group.scalarmult_base(group.random_scalar())
        counts = counts or {}
        campaign.lab_links = [CampaignLab(lab=labs[s], published_count=counts.get(s, 0)) for s in lab_slugs]
        campaign.published_total = sum(counts.get(s, 0) for s in lab_slugs)
        campaign.conditions = [Condition(position=i, text=t) for i, t in enumerate(conditions)]
        with write_intent():
            db.session.add(campaign)
            db.session.commit()
        return campaign

    return make


@pytest.fixture
def login(client):
    """``login(email, password)`` logs the test client in through the real form."""

    def do(email: str, password: str, follow: bool = False):
        return post_form(client, "/login", {"email": email, "password": password}, follow_redirects=follow)

    return do


@pytest.fixture
def sink(tmp_path):
    """A real SMTP server on loopback (tests/mailsink.py); point the app's MAIL_PORT at it."""
    from tests.mailsink import MailSink

    server = MailSink(tmp_path / "sink")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (each test opens its own context)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser):
    """A fresh browser context and page, closed after the test."""
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def make_open_campaign(app, make_campaign):
    """``make_open_campaign(**fields)``: an open campaign with real token keys and a manifest
    (trustee keys are random stand-ins: enough for affiliation and token tests)."""
    from crypto.hashing import canonical_json
    from pledge.models import CampaignState
    from pledge.services.keys import create_token_keys, log_public_key
    from pledge.services.manifest import TrusteeKeys, manifest_ctx, manifest_for_campaign

    def make(**fields):
        fields.setdefault("trustee_quorum", 2)
        fields.setdefault("trustee_count", 3)
        campaign = make_campaign(state=CampaignState.OPEN, **fields)
        with write_intent():
            create_token_keys(campaign, app.config["TOKEN_KEY_SECRET"])
            keys = {link.lab.slug: link.token_public_key for link in campaign.lab_links}
            stand_ins = [TrusteeKeys(i, f"Trustee {i}", secrets.token_bytes(32), secrets.token_bytes(32))
                         for i in range(1, campaign.trustee_count + 1)]
            campaign.log_public_key = log_public_key(campaign, app.config["LOG_KEY_SECRET"])
            manifest = manifest_for_campaign(campaign, keys, stand_ins, log_key=campaign.log_public_key)
            campaign.manifest = canonical_json(manifest).decode("utf-8")
            campaign.ctx = manifest_ctx(manifest)
            db.session.commit()
        return campaign

    return make


@pytest.fixture
def launched(app, make_campaign):
    """``(campaign, people, seats)``: a 2-of-3 campaign launched through a real ceremony; the
    fake trustees hold real shares."""
    from pledge.models import CampaignState
    from tests.ceremony_kit import launch_through_ceremony

    campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3, min_total=4, min_per_lab=0,
                             min_labs=0, suppress_below=1, practice=True, lab_slugs=("anthropic", "openai"))
    people, seats = launch_through_ceremony(app, campaign)
    return campaign, people, seats


@pytest.fixture
def clock(monkeypatch):
    """The rate limiter's clock, frozen one second into the hour ``T0``; ``clock.advance(s)``."""
    from pledge import ratelimit
    from tests.kit.ratelimit import T0, Clock

    fake = Clock(T0 + 1)
    monkeypatch.setattr(ratelimit, "clock", fake)
    return fake


def pytest_collection_modifyitems(config, items):
    """Every test gets its lane markers (``db``, ``browser``, ``slow``: tests/kit/markers.py);
    each backend's run leaves out the other backend's file-level tests (tests/dbkit.py)."""
    markers.apply(items)
    other = "postgresql_only" if dbkit.BACKEND == "sqlite" else "sqlite_only"
    kept = [item for item in items if other not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if other in item.keywords])
        items[:] = kept
