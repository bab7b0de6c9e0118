"""Review by a site admin: the queue, the review page showing everything that goes public, approve
and refuse with a note (emails to the organizer), the admins' email when a campaign is submitted,
and what non-admins get."""

from __future__ import annotations

import pytest

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Role, utcnow
from pledge.services import review
from pledge.services.review_mail import notify_submitted
from tests.kit.forms import csrf_from


@pytest.fixture
def mail(app, sink):
    app.config["MAIL_PORT"] = sink.port
    return sink


@pytest.fixture
def people(make_user, login):
    admin, admin_pw = make_user(Role.ADMIN, email="admin@staff.example", name="Site Admin")
    organizer, organizer_pw = make_user(Role.ORGANIZER, email="organizer@staff.example", name="Olga Organizer")
    return admin, admin_pw, organizer, organizer_pw


def submitted(make_campaign, organizer, **fields) -> Campaign:
    campaign = make_campaign(state=CampaignState.DRAFT, organizer=organizer, contact_address="press@pledge.example",
                             conditions=("Publish the safety framework.", "Fund external audits."), **fields)
    with write_intent():
        review.submit(db.session, campaign, utcnow())
        db.session.commit()
    return campaign


def refreshed(campaign: Campaign) -> Campaign:
    db.session.rollback()
    db.session.refresh(campaign)
    return campaign


def test_the_queue_is_empty_then_lists_a_submitted_campaign_whose_page_shows_what_goes_public(
        app, client, login, people, make_campaign):
    admin, admin_pw, organizer, _ = people
    login(admin.email, admin_pw)
    empty = client.get("/admin/review")
    assert empty.status_code == 200 and "No campaign is waiting for review." in empty.get_data(as_text=True)
    campaign = submitted(make_campaign, organizer, title="Pause frontier training", pledge_text="I pledge **this**.")
    queue = client.get("/admin/review").get_data(as_text=True)
    assert "Pause frontier training" in queue and "No campaign is waiting" not in queue
    page = " ".join(client.get(f"/admin/review/{campaign.id}").get_data(as_text=True).split())
    assert "<strong>this</strong>" in page  # the pledge rendered as the public page renders it
    assert "Publish the safety framework." in page and "Fund external audits." in page
    assert "<strong>Anthropic</strong>: anthropic.com" in page and "OpenAI" in page
    assert "50 signatures overall, including at least 10 at each of 2 different labs" in page
    assert "k = 5" in page and "2 of 3 trustees" in page
    assert "Olga Organizer" in page and "organizer@staff.example" in page and "press@pledge.example" in page
    assert f'action="/admin/review/{campaign.id}/approve"' in page
    assert f'action="/admin/review/{campaign.id}/refuse"' in page


def test_approve_emails_the_organizer_and_a_second_approval_is_refused(app, client, login, people, make_campaign, mail):
    admin, admin_pw, organizer, _ = people
    campaign = submitted(make_campaign, organizer, title="Approve me")
    login(admin.email, admin_pw)
    page = client.get(f"/admin/review/{campaign.id}").get_data(as_text=True)
    token = csrf_from(page)
    response = client.post(f"/admin/review/{campaign.id}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert response.status_code == 200
    assert "Approved \u201cApprove me\u201d" in response.get_data(as_text=True)
    assert refreshed(campaign).approved_at is not None and campaign.approved_by_id == admin.id
    message = mail.wait_for(organizer.email, "is approved")
    assert "You may now freeze it for the key ceremony" in message.body
    assert f"/organize/campaigns/{campaign.id}/trustees" in message.body
    again = client.post(f"/admin/review/{campaign.id}/approve", data={"csrf_token": token})
    assert again.status_code == 409
    assert "already approved" in client.get(f"/admin/review/{campaign.id}").get_data(as_text=True)
    assert len(mail.messages(organizer.email)) == 1


def test_refuse_needs_a_note_emails_it_verbatim_and_the_draft_is_editable_again(
        app, client, login, people, make_campaign, mail):
    admin, admin_pw, organizer, _ = people
    campaign = submitted(make_campaign, organizer, title="Refuse me")
    login(admin.email, admin_pw)
    token = csrf_from(client.get(f"/admin/review/{campaign.id}").get_data(as_text=True))
    blank = client.post(f"/admin/review/{campaign.id}/refuse", data={"csrf_token": token, "note": "   "})
    assert blank.status_code == 400 and "Tell the organizer why, in a note." in blank.get_data(as_text=True)
    assert refreshed(campaign).submitted_at is not None and mail.messages(organizer.email) == []
    note = "The second condition names no lab.\nSay which labs & how <b>exactly</b>."
    response = client.post(f"/admin/review/{campaign.id}/refuse", data={"csrf_token": token, "note": note},
                           follow_redirects=True)
    assert response.status_code == 200 and "Refused \u201cRefuse me\u201d" in response.get_data(as_text=True)
    campaign = refreshed(campaign)
    assert campaign.review_note == note and campaign.submitted_at is None and campaign.is_editable
    message = mail.wait_for(organizer.email, "was not approved")
    assert note in message.body.replace("\r\n", "\n")  # verbatim: not escaped, line breaks kept
    assert "editable draft again" in message.body and f"/organize/campaigns/{campaign.id}/preview" in message.body
    # A draft again: the admin cannot approve a campaign that is not submitted.
    assert client.post(f"/admin/review/{campaign.id}/approve", data={"csrf_token": token}).status_code == 409


def test_non_admins_get_403_and_change_nothing(app, client, login, people, make_campaign):
    _, _, organizer, organizer_pw = people
    campaign = submitted(make_campaign, organizer)
    login(organizer.email, organizer_pw)
    token = csrf_from(client.get("/organize/").get_data(as_text=True))
    for url in ("/admin/review", f"/admin/review/{campaign.id}", "/admin/reports", f"/admin/campaigns/{campaign.id}/takedown"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/admin/review/{campaign.id}/approve", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/admin/review/{campaign.id}/refuse", data={"csrf_token": token, "note": "x"}).status_code == 403
    assert refreshed(campaign).approved_at is None and campaign.submitted_at is not None


def test_a_submission_emails_every_active_admin(app, people, make_user, make_campaign, mail):
    admin, _, organizer, _ = people
    second, _ = make_user(Role.ADMIN, email="second-admin@staff.example")
    retired, _ = make_user(Role.ADMIN, email="retired-admin@staff.example")
    with write_intent():
        db.session.get(type(retired), retired.id).active = False
        db.session.commit()
    campaign = submitted(make_campaign, organizer, title="Review me please")
    with app.test_request_context():
        assert notify_submitted(db.session, campaign) == []
    for address in (admin.email, second.email):
        message = mail.wait_for(address, "waits for review")
        assert "Review me please" in message.body and f"/admin/review/{campaign.id}" in message.body
    assert mail.messages(retired.email) == []
    assert mail.messages(organizer.email) == []
