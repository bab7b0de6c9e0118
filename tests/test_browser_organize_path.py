"""Real Chromium on a phone-sized screen: an organizer goes from a new draft to "submitted for
review", led by the step indicator and the one next step of each page."""

from datetime import UTC, datetime, timedelta

import pytest

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, utcnow
from pledge.services.accounts import PasswordCost
from pledge.services.demo import seed_demo
from tests.browser import live_server
from tests.test_browser_pages import watch_for_problems


@pytest.fixture
def demo(app, tmp_path):
    with write_intent():
        seed = seed_demo(
            db.session, PasswordCost(opslimit=1, memlimit=8192), utcnow(), trustee_folder=tmp_path / "demo-trustees",
            token_key_secret=app.config["TOKEN_KEY_SECRET"], log_key_secret=app.config["LOG_KEY_SECRET"],
        )
        db.session.commit()
    return seed


@pytest.fixture
def site(app, demo):
    with live_server(app) as url:
        yield url


def current_step(page) -> str:
    marked = page.locator('.org-steps li[aria-current="step"]')
    assert marked.count() == 1
    return " ".join(marked.inner_text().split())


def fits(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_organizer_goes_from_a_new_draft_to_submitted_on_a_phone(browser, site, demo):
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        page.goto(f"{site}/login")
        page.get_by_label("Email").fill(demo.organizer_email)
        page.get_by_label("Password").fill(demo.organizer_password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{site}/organize/")
        page.get_by_role("link", name="Start a new campaign").click()
        assert current_step(page).startswith("1 Write the draft")
        fits(page)

        # A first try with two problems: both are reported at once, in a summary that links to them.
        page.get_by_label("Title").fill("Audits first")
        page.get_by_label("Pledge text").fill("I will **withhold** my work.")
        page.get_by_label("Anthropic", exact=True).check()
        page.get_by_label("OpenAI", exact=True).check()
        page.get_by_label("Signatures needed overall").fill("20")
        page.get_by_label("Signatures needed at each lab").fill("5")
        page.get_by_label("Number of labs that must reach it").fill("2")
        page.get_by_label("Deadline (UTC)").fill((datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("Trustees (n)").fill("4")
        page.get_by_label("Trustees needed to reveal (t)").fill("2")
        page.get_by_label("Public contact address").fill("not an address")
        page.get_by_role("button", name="Save draft").click()
        summary = page.locator(".error-summary")
        assert summary.is_visible()
        # The refused form answers 400, which Chromium logs; nothing else may go wrong.
        assert problems == ["console error: Failed to load resource: the server responded with a status of 400 "
                            "(BAD REQUEST)"]
        problems.clear()
        assert summary.locator("a").count() == 2
        fits(page)
        summary.locator('a[href="#trustee_quorum"]').click()
        assert page.evaluate("document.activeElement.id") == "trustee_quorum"

        # Fixed: t a majority, a real contact address.
        page.get_by_label("Trustees needed to reveal (t)").fill("3")
        page.get_by_label("Public contact address").fill("audits-first@example.org")
        with page.expect_navigation():
            page.get_by_role("button", name="Save draft").click()
        assert "/conditions" in page.url, page.url  # the browser keeps the #fragment across the redirect
        assert current_step(page).startswith("2 Conditions")
        assert "Add at least one condition." in page.locator(".org-next").inner_text()
        page.get_by_label("Condition", exact=True).fill("An external audit is published before each release.")
        page.get_by_role("button", name="Add condition").click()
        fits(page)
        page.get_by_role("link", name="Next: Preview the campaign").click()
        page.wait_for_url("**/preview")
        assert current_step(page).startswith("3 Preview")
        fits(page)
        page.get_by_role("link", name="Next: Invite the trustees").click()
        page.wait_for_url("**/trustees")
        assert current_step(page).startswith("4 Invite trustees")
        fits(page)
        page.get_by_role("link", name="Next: Submit for review").click()
        page.wait_for_url("**/preview#review")
        with page.expect_navigation():
            page.get_by_role("button", name="Submit for review").click()
        assert current_step(page).startswith("5 Site admin's review")
        text = " ".join(page.locator("#review").inner_text().split())
        assert "Submitted for review on" in text and "the draft cannot change" in text
        assert page.get_by_role("button", name="Take back to edit").is_visible()
        assert "Waiting for a site admin's review." in page.locator(".org-next").inner_text()
        fits(page)
        assert problems == []
    finally:
        context.close()
    campaign = db.session.query(Campaign).filter_by(title="Audits first").one()
    assert campaign.review_status == "submitted" and campaign.contact_address == "audits-first@example.org"
