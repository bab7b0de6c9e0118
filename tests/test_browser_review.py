"""Real Chromium on a phone-sized screen: a site admin reviews and approves a submitted campaign,
then the public reports another; no page scrolls sideways, runs inline script or asks another host."""

from __future__ import annotations

import pytest

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignReport, CampaignState, Role, utcnow
from pledge.services import review
from tests.browser import live_server

pytestmark = pytest.mark.browser


def watch_for_problems(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: problems.append(f"third-party request: {request.url}")
            if not request.url.startswith("http://127.0.0.1:") else None)
    return problems


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def test_an_admin_approves_a_campaign_on_a_phone_and_the_public_reports_one(browser, app, make_user, make_campaign):
    admin, password = make_user(Role.ADMIN, email="admin@staff.example")
    draft = make_campaign(state=CampaignState.DRAFT, title="Audits before every frontier release")
    public = make_campaign(state=CampaignState.OPEN, title="An open campaign")
    with write_intent():
        review.submit(db.session, draft, utcnow())
        db.session.commit()
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    problems = watch_for_problems(page)
    try:
        with live_server(app) as site:
            page.goto(f"{site}/login")
            page.get_by_label("Email").fill(admin.email)
            page.get_by_label("Password").fill(password)
            page.get_by_role("button", name="Log in").click()
            page.goto(f"{site}/admin/review")
            no_sideways_scroll(page)
            page.get_by_role("link", name="Audits before every frontier release").click()
            assert page.get_by_role("heading", name="Eligible labs").is_visible()
            no_sideways_scroll(page)
            page.get_by_role("button", name="Approve").click()
            page.wait_for_url(f"{site}/admin/review")
            assert "Approved \u201cAudits before every frontier release\u201d" in page.locator(".flashes").inner_text()
            assert page.get_by_text("No campaign is waiting for review.").is_visible()

            page.goto(f"{site}/campaigns/{public.slug}")
            page.get_by_role("link", name="Report this campaign").click()
            no_sideways_scroll(page)
            page.get_by_label("Spam").check()
            page.get_by_label("Message (required)").fill("Posted again and again.")
            page.get_by_role("button", name="Send the report").click()
            assert page.get_by_role("heading", name="Thank you: your report is sent").is_visible()
            no_sideways_scroll(page)
            page.goto(f"{site}/admin/reports")
            assert page.get_by_text("Posted again and again.").is_visible()
            no_sideways_scroll(page)
    finally:
        context.close()
    db.session.rollback()
    db.session.refresh(draft)
    assert draft.approved_at is not None and draft.approved_by_id == admin.id
    assert db.session.query(CampaignReport).count() == 1
    assert problems == []
