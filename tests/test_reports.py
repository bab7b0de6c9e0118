"""Report this campaign: the public form stores exactly what was given (no network address, browser
or cookie), refuses what is malformed with nothing stored, is rate limited, emails the admins
without the message or the contact, and the admins list reports per campaign and mark them handled."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select

from pledge.extensions import db
from pledge.models import CampaignReport, CampaignState, Role
from tests.kit.forms import csrf_from


@pytest.fixture
def mail(app, sink):
    app.config["MAIL_PORT"] = sink.port
    return sink


def reports() -> list[CampaignReport]:
    db.session.rollback()
    return list(db.session.scalars(select(CampaignReport).order_by(CampaignReport.id)))


def test_a_report_keeps_only_what_was_given_and_the_admins_are_told_without_it(
        app, client, make_campaign, make_user, mail):
    admin, _ = make_user(Role.ADMIN, email="admin@staff.example")
    campaign = make_campaign(state=CampaignState.OPEN, title="Reported campaign")
    page = client.get(f"/campaigns/{campaign.slug}")
    assert f'href="/campaigns/{campaign.slug}/report"' in page.get_data(as_text=True)
    form = client.get(f"/campaigns/{campaign.slug}/report")
    body = form.get_data(as_text=True)
    assert form.status_code == 200 and "Set-Cookie" not in form.headers
    for label in ("Misleading", "Impersonation", "Harassment or safety", "Spam", "Other"):
        assert label in body
    message = "The organizer is not who they say.\nSee the second condition."
    sent = client.post(f"/campaigns/{campaign.slug}/report",
                       data={"reason": "impersonation", "message": message, "contact": " Reporter@Example.org "},
                       headers={"User-Agent": "CanaryBrowser/9.9", "X-Forwarded-For": "203.0.113.99"},
                       environ_base={"REMOTE_ADDR": "198.51.100.23"})
    text = " ".join(sent.get_data(as_text=True).split())
    assert sent.status_code == 200 and "Set-Cookie" not in sent.headers
    assert "your report is sent" in text and "the reason: Impersonation" in text and "reporter@example.org" in text
    [stored] = reports()
    assert (stored.campaign_id, stored.reason, stored.message, stored.contact) == (
        campaign.id, "impersonation", message, "reporter@example.org")
    assert stored.handled_at is None
    # The table has no column for anything else, and nothing else of the request is anywhere in a row.
    columns = {c["name"] for c in inspect(db.engine).get_columns("campaign_reports")}
    assert columns == {"id", "campaign_id", "reason", "message", "contact", "received_at", "handled_at", "handled_by_id"}
    with db.engine.connect() as connection:
        rows = [repr(tuple(row)) for row in connection.exec_driver_sql("SELECT * FROM campaign_reports")]
    assert not any(part in " ".join(rows) for part in ("CanaryBrowser", "198.51.100.23", "203.0.113.99"))
    alert = mail.wait_for(admin.email, "a campaign was reported")
    assert "Reported campaign" in alert.body and "Impersonation" in alert.body and "/admin/reports" in alert.body
    assert "reporter@example.org" not in alert.body and "not who they say" not in alert.body

    # Without a contact address: none is kept, and the page says so.
    anonymous = client.post(f"/campaigns/{campaign.slug}/report", data={"reason": "spam", "message": "Spam."})
    assert anonymous.status_code == 200 and "no contact address" in anonymous.get_data(as_text=True)
    assert reports()[-1].contact is None


@pytest.mark.parametrize(("data", "error"), [
    ({"reason": "boring", "message": "x"}, "Choose a reason."),
    ({"reason": "spam", "message": "  "}, "Tell us what is wrong, in the message."),
    ({"reason": "spam", "message": "x" * 4001}, "Keep the message under 4,000 characters."),
    ({"reason": "spam", "message": "x", "contact": "a@b@c"}, "not a plain email address"),
])
def test_a_malformed_report_is_refused_and_stores_nothing(app, client, make_campaign, data, error):
    campaign = make_campaign(state=CampaignState.OPEN)
    response = client.post(f"/campaigns/{campaign.slug}/report", data=data)
    assert response.status_code == 400 and error in response.get_data(as_text=True)
    assert "Nothing was sent." in response.get_data(as_text=True)
    assert reports() == []


def test_drafts_cannot_be_reported_and_reports_are_rate_limited(app, client, make_campaign, clock):
    draft = make_campaign(state=CampaignState.DRAFT)
    assert client.get(f"/campaigns/{draft.slug}/report").status_code == 404
    assert client.post(f"/campaigns/{draft.slug}/report", data={"reason": "spam", "message": "x"}).status_code == 404
    campaign = make_campaign(state=CampaignState.OPEN)
    app.config["RATELIMIT_REPORTS_PER_CLIENT"] = (3, 3600)
    for _ in range(2):  # the draft's refused post counted once already
        assert client.post(f"/campaigns/{campaign.slug}/report", data={"reason": "spam", "message": "x"}).status_code == 200
    limited = client.post(f"/campaigns/{campaign.slug}/report", data={"reason": "spam", "message": "x"})
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert len(reports()) == 2
    clock.advance(3600)
    assert client.post(f"/campaigns/{campaign.slug}/report", data={"reason": "spam", "message": "x"}).status_code == 200


def test_admins_list_reports_newest_first_per_campaign_and_mark_them_handled(
        app, client, login, make_campaign, make_user):
    first = make_campaign(state=CampaignState.OPEN, title="First campaign")
    second = make_campaign(state=CampaignState.OPEN, title="Second campaign")
    for campaign, message in ((first, "Older report"), (second, "Other campaign's report"), (first, "Newer report")):
        assert client.post(f"/campaigns/{campaign.slug}/report",
                           data={"reason": "misleading", "message": message}).status_code == 200
    admin, password = make_user(Role.ADMIN)
    login(admin.email, password)
    page = client.get("/admin/reports").get_data(as_text=True)
    assert page.index("First campaign") < page.index("Second campaign")  # the newest report is first's
    assert page.index("Newer report") < page.index("Older report")
    assert "2 reports" in page and "1 report" in page
    newest = reports()[-1]
    token = csrf_from(page)
    done = client.post(f"/admin/reports/{newest.id}/handled", data={"csrf_token": token}, follow_redirects=True)
    assert done.status_code == 200 and "The report is marked handled." in done.get_data(as_text=True)
    assert reports()[-1].handled_at is not None and reports()[-1].handled_by_id == admin.id
    assert client.post(f"/admin/reports/{newest.id}/handled", data={"csrf_token": token}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CampaignReport).where(
        CampaignReport.handled_at.is_not(None))) == 1


def test_the_admins_reports_page_has_an_empty_state(app, client, login, make_user):
    admin, password = make_user(Role.ADMIN)
    login(admin.email, password)
    assert "No report yet." in client.get("/admin/reports").get_data(as_text=True)
