"""Real Chromium on a phone-sized screen: an admin adds a lab, is told what is wrong, and edits
its domains; the page fits the screen and runs no script, and the history shows each change."""

import pytest
from sqlalchemy import select

from pledge.extensions import db
from pledge.models import Lab, Role
from tests.browser import assert_clean, fits_width, live_server, watch

pytestmark = pytest.mark.browser


@pytest.fixture
def site(app, labs):
    with live_server(app) as url:
        yield url


def test_an_admin_adds_a_lab_and_edits_its_domains_on_a_phone(browser, site, make_user):
    admin, password = make_user(Role.ADMIN, name="Ada Admin")
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    seen = watch(page, site)
    try:
        page.goto(f"{site}/login")
        page.get_by_label("Email").fill(admin.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()

        # The nav leads to the registry, which lists the labs by name with their domains.
        page.get_by_role("link", name="Labs", exact=True).click()
        page.wait_for_url(f"{site}/admin/labs")
        assert page.get_by_role("heading", name="Meta").is_visible()
        assert page.get_by_role("list", name="Email domains of Meta").inner_text().split() == ["fb.com", "meta.com"]
        assert fits_width(page)

        # A domain another lab owns is refused, on the field, and nothing is added.
        page.get_by_role("link", name="Add a lab").click()
        page.get_by_label("Slug").fill("example-lab")
        page.get_by_label("Name").fill("Example Lab")
        page.get_by_label("Email domains").fill("example.org\nopenai.com")
        page.get_by_role("button", name="Add lab").click()
        error = page.locator("#domains-error")
        assert error.inner_text() == "openai.com already belongs to OpenAI."
        assert page.get_by_label("Email domains").get_attribute("aria-invalid") == "true"
        assert fits_width(page)
        assert db.session.scalar(select(Lab).where(Lab.slug == "example-lab")) is None
        db.session.rollback()

        page.get_by_label("Email domains").fill("example.org, research.example.org")
        page.get_by_role("button", name="Add lab").click()
        page.wait_for_url(f"{site}/admin/labs/example-lab")
        assert page.get_by_role("heading", name="Example Lab", level=1).is_visible()
        assert "Example Lab added." in page.locator("main").inner_text()

        # Edit the domains: drop one, add another.
        page.get_by_label("Email domains").fill("example.org\nexample.net")
        page.get_by_role("button", name="Save lab").click()
        page.wait_for_url(f"{site}/admin/labs/example-lab")
        history = page.get_by_role("list", name="Changes to Example Lab, newest first")
        entries = history.locator(":scope > li")
        assert entries.count() == 2
        newest = " ".join(entries.nth(0).inner_text().split())
        assert "by Ada Admin" in newest
        assert "Domains added: example.net" in newest and "Domains removed: research.example.org" in newest
        assert "Added as Example Lab" in entries.nth(1).inner_text()
        assert fits_width(page)
        assert_clean(page, seen)
    finally:
        context.close()
    db.session.rollback()
    assert db.session.scalar(select(Lab).where(Lab.slug == "example-lab")).domain_names == ["example.net", "example.org"]
