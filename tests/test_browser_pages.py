"""Real Chromium against a live server: an organizer writes a draft; the public sees the demo."""

from datetime import UTC, datetime, timedelta

import pytest

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import utcnow
from pledge.services.accounts import PasswordCost
from pledge.services.demo import DEMO_SLUG, seed_demo
from tests.browser import live_server


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


def watch_for_problems(page) -> list[str]:
    """Collect CSP violations, console errors and requests to any other host."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"third-party request: {request.url}")
            if not request.url.startswith("http://127.0.0.1:") else None)
    return problems


def test_organizer_writes_a_draft_and_previews_it(browser_page, site, demo):
    page = browser_page
    problems = watch_for_problems(page)

    # Given the demo organizer logs in through the real form
    page.goto(f"{site}/login")
    page.get_by_label("Email").fill(demo.organizer_email)
    page.get_by_label("Password").fill(demo.organizer_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{site}/organize/")
    assert page.get_by_role("heading", name="Your campaigns").is_visible()

    # When they start a campaign with Markdown that tries to run a script
    page.get_by_role("link", name="Start a new campaign").click()
    page.get_by_label("Title").fill("No deployment without audits")
    page.get_by_label("Pledge text").fill(
        "I will **withhold** my work.\n\n<script>window.pwned = 1</script>\n\n[x](javascript:alert(1))")
    for lab in ("Anthropic", "OpenAI", "Meta"):
        page.get_by_label(lab, exact=True).check()
    page.get_by_label("Signatures needed overall").fill("60")
    page.get_by_label("Signatures needed at each lab").fill("10")
    page.get_by_label("Number of labs that must reach it").fill("2")
    deadline = (datetime.now(UTC) + timedelta(days=45)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Deadline (UTC)").fill(deadline)
    page.get_by_role("button", name="Save draft").click()

    # Then they land on the conditions page and add two, then swap them
    page.wait_for_url("**/conditions")
    page.get_by_label("Condition", exact=True).fill("An external audit is published before each release.")
    page.get_by_role("button", name="Add condition").click()
    page.get_by_label("Condition", exact=True).fill("Safety staff can brief the board directly.")
    page.get_by_role("button", name="Add condition").click()
    page.get_by_role("button", name="Move condition 2 up").click()
    page.get_by_role("link", name="Preview the campaign").click()

    # And the preview shows the sanitised text, the conditions in order and the rule
    assert page.get_by_text("It is a draft: the public cannot see it.").is_visible()
    assert page.locator(".pledge-text strong").inner_text() == "withhold"
    assert page.evaluate("window.pwned === undefined")
    assert page.locator(".pledge-text a").count() == 0
    assert page.locator("ol.conditions li").all_inner_texts() == [
        "Safety staff can brief the board directly.",
        "An external audit is published before each release.",
    ]
    rule = " ".join(page.locator("#threshold-heading + p").inner_text().split())
    assert "60 signatures overall, including at least 10 at each of 2 different labs" in rule
    assert problems == []

    # The draft is not public.
    assert "No deployment without audits" not in page.request.get(f"{site}/").text()


def test_public_home_shows_the_demo_campaign_with_its_progress(browser_page, site):
    page = browser_page
    problems = watch_for_problems(page)
    page.goto(site)
    card = page.locator(".campaign-list li", has_text="Independent evaluations before frontier deployment")
    assert card.count() == 1
    progress = card.locator("progress")
    assert progress.get_attribute("max") == "300" and progress.get_attribute("value") == "0"
    assert "0 of 300 signatures needed overall" in " ".join(card.inner_text().split())

    card.get_by_role("link").click()
    page.wait_for_url(f"**/campaigns/{DEMO_SLUG}")
    assert page.get_by_role("heading", level=1).inner_text() == "Independent evaluations before frontier deployment"
    assert page.locator("table.lab-counts tbody tr").count() == 5
    # Before any reveal, per lab only whether it reached the per-lab minimum: no number.
    assert page.locator("table.lab-counts td", has_text="Not yet").count() == 5
    assert "no per-lab number is published anywhere" in " ".join(page.locator("#no-lab-numbers").inner_text().split())
    assert problems == []


@pytest.mark.parametrize("width, height", [(375, 740), (1280, 800)])
def test_pages_fit_a_phone_and_a_laptop(browser, site, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        for path in ("/", f"/campaigns/{DEMO_SLUG}", "/about", "/login"):
            page.goto(site + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px"
    finally:
        context.close()


def test_pages_read_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site}/campaigns/{DEMO_SLUG}")
        assert page.get_by_role("heading", name="The pledge").is_visible()
        assert page.locator("ol.conditions li").count() == 3
    finally:
        context.close()
