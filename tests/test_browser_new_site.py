"""A new site, start to finish, in real Chromium: a site admin adds two labs; an organizer writes
a campaign, following the next step the pages give, and submits it; the admin approves it; three
trustees run the key ceremony with the real ``pledge-trustee``; the campaign launches; four
researchers sign with ``pledge-sign``; the stage banner, the API and the Atom feed move through
open, threshold met, revealed and closed together, and at each stage the pages offer signing
exactly when the server takes a signature.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from pledge import create_app
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Role, utcnow
from pledge.services.accounts import PasswordCost, create_user
from pledge.services.notify import send_all
from tests.browser import assert_clean, fits_width, live_server, watch
from tests.kit.config import make_config
from tests.kit.ticks import tick_at
from tests.lifecycle.kit import PASSPHRASE, WebUser, decrypt_round, redirected, run_ceremony
from tests.mailsink import MailSink
from tests.signer.sign_kit import CodeKeyboard, sign, verify

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ATOM = "{http://www.w3.org/2005/Atom}"
ADMIN, ORGANIZER = ("ada@site.example", "admin password 1"), ("olga@organizers.example", "organizer password 1")
TRUSTEES = [("Ana Trustee", "ana@trustees.example"), ("Ben Trustee", "ben@trustees.example"),
            ("Cal Trustee", "cal@trustees.example")]
SIGNERS = ["r1@alpha.example", "r2@alpha-lab.example", "r1@beta.example", "r2@beta.example"]
PER_NETWORK = {f"RATELIMIT_{action}_PER_CLIENT": (10_000, 3600)
               for action in ("VERIFY_START", "VERIFY_CHECK", "VERIFY_ISSUE", "ENTRIES", "LOGIN")}


def log_in(page, url: str, who: tuple[str, str]) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(who[0])
    page.get_by_label("Password").fill(who[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def add_lab(page, url: str, slug: str, name: str, domains: str) -> None:
    page.goto(f"{url}/admin/labs")
    page.get_by_role("link", name="Add a lab").click()
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email domains").fill(domains)
    page.get_by_role("button", name="Add lab").click()
    page.wait_for_url(f"{url}/admin/labs/{slug}")


def next_step(page) -> str:
    """The one "Next" the organizer's page gives (a link, or why it is not possible yet)."""
    region = page.get_by_role("region", name="Next step")
    assert region.count() == 1
    return " ".join(region.inner_text().split())


def text_of(page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def fetch(url: str, body: dict | None = None) -> tuple[int, str, bytes]:
    """(status, content type, body) of a GET, or of a JSON POST when ``body`` is given."""
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"} if body is not None else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def feed_titles(url: str, slug: str) -> list[str]:
    status, kind, body = fetch(f"{url}/campaigns/{slug}/updates.atom")
    assert status == 200 and kind.startswith("application/atom+xml")
    root = ET.fromstring(body)
    ids = [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]
    assert len(ids) == len(set(ids)), ids
    return [entry.findtext(f"{ATOM}title") or "" for entry in root.iter(f"{ATOM}entry")]


def stage_everywhere(page, url: str, slug: str) -> tuple[str, bool, str, bool]:
    """The stage as the campaign page, the API and the sign page tell it: (banner text, the page
    offers signing, the API's stage key, the API's accepting_signatures)."""
    page.goto(f"{url}/campaigns/{slug}")
    banner = " ".join(page.locator("#stage").inner_text().split())
    banner_class = page.locator("#stage").get_attribute("class") or ""
    offers = page.locator("#sign-offer").count() > 0
    data = json.loads(fetch(f"{url}/api/campaigns/{slug}")[2])
    assert f"stage-{data['stage']['key']}" in banner_class.split() and data["stage"]["label"] in banner
    page.goto(f"{url}/campaigns/{slug}/sign")
    sign_offers = page.locator("#sign-form").count() > 0
    assert sign_offers == offers == data["accepting_signatures"], (banner, sign_offers, offers, data)
    return banner, offers, data["stage"]["key"], data["accepting_signatures"]


def server_takes_a_signature(url: str, slug: str) -> bool:
    """Whether the server would take a signature now: a malformed one is answered 400 while
    signing is open, and 409 or 410 once it is not (the state check comes first)."""
    status = fetch(f"{url}/api/campaigns/{slug}/entries", {"v": 2})[0]
    assert status in (400, 409, 410), status
    return status == 400


@pytest.fixture
def site(tmp_path, migrated_db):
    instance = tmp_path / "instance"
    instance.mkdir()
    database = migrated_db.provision(instance)
    sink = MailSink(tmp_path / "sink")
    app = create_app(make_config(instance, MAIL_PORT=sink.port, SQLALCHEMY_DATABASE_URI=database, **PER_NETWORK))
    try:
        with app.app_context(), pytest.MonkeyPatch.context() as patch:
            patch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
            patch.delenv("PLEDGE_SIGN_CODE", raising=False)
            keyboard = CodeKeyboard(sink)
            patch.setattr("builtins.input", keyboard)
            with write_intent():
                cost = PasswordCost(opslimit=1, memlimit=8192)
                create_user(db.session, email=ADMIN[0], name="Ada Admin", password=ADMIN[1], roles=[Role.ADMIN], cost=cost)
                create_user(db.session, email=ORGANIZER[0], name="Olga Organizer", password=ORGANIZER[1],
                            roles=[Role.ORGANIZER], cost=cost)
                db.session.commit()
            with live_server(app) as url:
                yield app, sink, keyboard, url
            db.session.remove()
            db.engine.dispose()
    finally:
        sink.stop()
        migrated_db.release(instance)


def test_a_new_site_runs_a_campaign_from_its_labs_to_its_close(site, browser, tmp_path: Path):
    app, sink, keyboard, url = site
    admin = browser.new_context().new_page()
    organizer = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
    public = browser.new_context().new_page()
    seen = [watch(admin, url), watch(organizer, url), watch(public, url)]

    # The admin adds two labs; nothing else exists on this site yet.
    log_in(admin, url, ADMIN)
    add_lab(admin, url, "alpha", "Alpha Lab", "alpha.example\nalpha-lab.example")
    add_lab(admin, url, "beta", "Beta Lab", "beta.example")

    # The organizer writes the campaign, each page naming the next step.
    log_in(organizer, url, ORGANIZER)
    organizer.goto(f"{url}/organize/")
    organizer.get_by_role("link", name="New campaign").first.click()
    organizer.fill("#title", "Evaluations before every release")
    organizer.fill("#pledge_text", "I will withhold my work unless my lab meets the conditions below.")
    organizer.get_by_label("Alpha Lab").check()
    organizer.get_by_label("Beta Lab").check()
    organizer.fill("#min_total", "4")
    organizer.fill("#min_per_lab", "2")
    organizer.fill("#min_labs", "2")
    organizer.fill("#suppress_below", "2")
    organizer.fill("#trustee_count", "3")
    organizer.fill("#trustee_quorum", "2")
    organizer.fill("#deadline", (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M"))
    organizer.fill("#contact_address", "pledge-contact@organizers.example")
    assert "Next: after saving, add the conditions." in text_of(organizer)
    organizer.get_by_role("button", name="Save draft").click()
    organizer.wait_for_url(re.compile(r"/organize/campaigns/\d+/conditions"))
    campaign_id = int(re.search(r"/campaigns/(\d+)/", organizer.url).group(1))
    assert organizer.locator("[aria-current=step]").count() == 1
    organizer.get_by_label("Condition").fill("Publish third-party evaluations before each release.")
    organizer.get_by_role("button", name="Add condition").click()
    assert next_step(organizer) == "Next: Preview the campaign"
    organizer.get_by_role("region", name="Next step").get_by_role("link").click()
    assert "/preview" in organizer.url, organizer.url
    assert fits_width(organizer) and organizer.locator("[aria-current=step]").count() == 1
    organizer.get_by_role("button", name="Submit for review").click()
    assert "Waiting for a site admin's review." in next_step(organizer)
    assert sink.wait_for(ADMIN[0], "review").to
    slug = db.session.get(Campaign, campaign_id).slug
    db.session.rollback()

    # The admin reads it and approves it.
    admin.goto(f"{url}/admin/review")
    admin.get_by_role("link", name="Evaluations before every release").click()
    assert "Alpha Lab" in text_of(admin) and "alpha-lab.example" in text_of(admin)
    admin.get_by_role("button", name="Approve").click()
    admin.wait_for_url(f"{url}/admin/review")
    sink.wait_for(ORGANIZER[0], "approved")
    organizer.reload()
    assert "Approved by a site admin on" in text_of(organizer)
    assert next_step(organizer).startswith("Next: ")  # inviting the trustees, then the freeze

    # Three trustees run the ceremony with pledge-trustee; the organizer launches.
    web = WebUser(app)
    web.login(*ORGANIZER)
    desks = run_ceremony(app, sink, web, campaign_id, TRUSTEES, tmp_path)
    db.session.rollback()
    assert db.session.get(Campaign, campaign_id).state == CampaignState.OPEN
    db.session.rollback()
    organizer.goto(f"{url}/organize/")
    assert "Open" in " ".join(organizer.locator("table").inner_text().split())

    banner, offers, key, _ = stage_everywhere(public, url, slug)
    assert key == "open" and offers and server_takes_a_signature(url, slug)
    public.goto(f"{url}/campaigns/{slug}")
    assert "Olga Organizer" in text_of(public) and public.locator('a[href="mailto:pledge-contact@organizers.example"]').count()

    # Four researchers sign, two at each lab (one at each of Alpha's domains).
    for number, address in enumerate(SIGNERS):
        tokens, receipt = tmp_path / f"tokens-{number}.json", tmp_path / f"receipt-{number}.json"
        keyboard.address = address
        assert verify(url, address, tokens) == 0
        assert sign(url, slug, tokens, receipt, name=f"Researcher {number}", role="Research scientist") == 0

    # The next batch meets the rule: round 1 freezes, and every public surface says so.
    report = tick_at(app, utcnow() + timedelta(hours=2))
    assert send_all(report.outgoing) == []
    banner, offers, key, accepting = stage_everywhere(public, url, slug)
    assert key == "threshold-met" and offers == accepting == server_takes_a_signature(url, slug)
    assert any("threshold" in title.lower() for title in feed_titles(url, slug))

    # Two trustees decrypt; the next batch publishes the reveal.
    for desk in desks[:2]:
        redirected(decrypt_round(desk, campaign_id, 1), "/trustee/")
    tick_at(app, utcnow() + timedelta(hours=3))
    banner, offers, key, accepting = stage_everywhere(public, url, slug)
    assert key == "revealed" and offers == accepting == server_takes_a_signature(url, slug)
    public.goto(f"{url}/campaigns/{slug}")
    assert "Researcher 0" in text_of(public)
    assert any("reveal" in title.lower() for title in feed_titles(url, slug))

    # Past the deadline, signing ends and the campaign closes: nothing offers to sign.
    deadline = db.session.get(Campaign, campaign_id).deadline
    db.session.rollback()
    tick_at(app, deadline + timedelta(hours=1))
    tick_at(app, deadline + timedelta(hours=2))
    banner, offers, key, accepting = stage_everywhere(public, url, slug)
    assert key == "closed" and not offers and not accepting and not server_takes_a_signature(url, slug)
    assert any("closed" in title.lower() for title in feed_titles(url, slug))

    for page, watched in zip((admin, organizer, public), seen, strict=True):
        assert_clean(page, watched)
