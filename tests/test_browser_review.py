"""Real Chromium on a phone-sized screen: a site admin reviews and approves a submitted campaign,
then the public reports another; no page scrolls sideways, runs inline script or asks another host."""

from __future__ import annotations

import pytest

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignReport, CampaignState, Role, utcnow
from pledge.services import review
from tests.browser import fits_width, live_server
from tests.test_browser_pages import watch_for_problems

pytestmark = pytest.mark.browser


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
            assert fits_width(page)
            page.get_by_role("link", name="Audits before every frontier release").click()
            assert page.get_by_role("heading", name="Eligible labs").is_visible()
            assert fits_width(page)
            page.get_by_role("button", name="Approve").click()
            page.wait_for_url(f"{site}/admin/review")
            assert "Approved \u201cAudits before every frontier release\u201d" in page.locator(".flashes").inner_text()
            assert page.get_by_text("No campaign is waiting for review.").is_visible()

            page.goto(f"{site}/campaigns/{public.slug}")
            page.get_by_role("link", name="Report this campaign").click()
            assert fits_width(page)
            page.get_by_label("Spam").check()
            page.get_by_label("Message (required)").fill("Posted again and again.")
            page.get_by_role("button", name="Send the report").click()
            assert page.get_by_role("heading", name="Thank you: your report is sent").is_visible()
            assert fits_width(page)
            page.goto(f"{site}/admin/reports")
            assert page.get_by_text("Posted again and again.").is_visible()
            assert fits_width(page)
    finally:
        context.close()
    db.session.rollback()
    db.session.refresh(draft)
    assert draft.approved_at is not None and draft.approved_by_id == admin.id
    assert db.session.query(CampaignReport).count() == 1
    assert problems == []
