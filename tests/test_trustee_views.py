"""Trustee pages over HTTP: invitations, key registration, who may see which seat."""

import re

import pytest

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Role, utcnow
from pledge.services import trustees
from tests.ceremony_kit import FakeTrustee
from tests.kit.forms import csrf_from, post_form
from tests.review_kit import approve


@pytest.fixture
def draft(make_campaign, make_user):
    organizer, _ = make_user(Role.ORGANIZER, email="org@staff.example")
    return make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3)


def invite(campaign, email="ada@trustees.example", name="Ada"):
    with write_intent():
        invitation = trustees.invite_trustee(db.session, campaign, name=name, email=email, now=utcnow())
        db.session.commit()
    return invitation


def test_accepting_creates_a_trustee_account_and_spends_the_link(client, draft):
    invitation = invite(draft)
    url = f"/trustee/invitations/{invitation.secret}"
    page = client.get(url)
    assert page.status_code == 200 and "seat 1 of" in page.get_data(as_text=True)
    short = post_form(client, url, {"password": "short", "confirm": "short"})
    assert short.status_code == 400
    response = post_form(client, url, {"password": "a good long password", "confirm": "a good long password"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/trustee/campaigns/{draft.id}/keys")
    assert client.get("/trustee/").status_code == 200
    assert client.get(url).status_code == 404  # single use
    db.session.refresh(invitation.trustee)
    assert invitation.trustee.user.roles == {Role.TRUSTEE}


def test_an_existing_account_must_log_in_to_accept(client, draft, make_user, login):
    _, password = make_user(Role.ORGANIZER, email="ada@trustees.example")
    invitation = invite(draft)
    url = f"/trustee/invitations/{invitation.secret}"
    assert "Log in</a> to accept" in client.get(url).get_data(as_text=True)
    login("ada@trustees.example", password)
    response = post_form(client, url, {})
    assert response.status_code == 302
    db.session.refresh(invitation.trustee)
    assert invitation.trustee.accepted_at is not None


def test_registering_keys_by_upload_or_paste(client, draft):
    invitation = invite(draft)
    post_form(client, f"/trustee/invitations/{invitation.secret}", {"password": "a good long password",
                                                                    "confirm": "a good long password"})
    person = FakeTrustee("Ada", "ada@trustees.example")
    keys_url = f"/trustee/campaigns/{draft.id}/keys"
    bad = post_form(client, keys_url, {"pasted": '{"v":2,"kind":"trustee-key"}'})
    assert bad.status_code == 400 and "trustee-public" in bad.get_data(as_text=True)
    good = post_form(client, keys_url, {"pasted": person.public_file().decode()})
    assert good.status_code == 302
    db.session.refresh(invitation.trustee)
    assert invitation.trustee.ed25519_public == person.public.ed25519


def test_trustees_see_only_their_own_seats(client, draft, make_campaign, make_user, login):
    other_campaign = make_campaign(state=CampaignState.DRAFT)
    invitation = invite(draft)
    post_form(client, f"/trustee/invitations/{invitation.secret}", {"password": "a good long password",
                                                                    "confirm": "a good long password"})
    for url in (f"/trustee/campaigns/{other_campaign.id}/keys", f"/trustee/campaigns/{other_campaign.id}/ceremony.json",
                f"/trustee/campaigns/{other_campaign.id}/board.json"):
        assert client.get(url).status_code == 404, url
    # Not frozen yet: no package to download.
    assert client.get(f"/trustee/campaigns/{draft.id}/ceremony.json").status_code == 404
    # A trustee is not an organizer.
    assert client.get("/organize/").status_code == 403


def test_organizer_invites_by_email_and_sees_the_seats(app, client, tmp_path, make_user, make_campaign):
    from tests.mailsink import MailSink

    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    try:
        organizer, password = make_user(Role.ORGANIZER, email="boss@staff.example")
        campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_count=3, trustee_quorum=2)
        post_form(client, "/login", {"email": "boss@staff.example", "password": password})
        url = f"/organize/campaigns/{campaign.id}/trustees"
        assert post_form(client, url, {"name": "Ada", "email": "ada@trustees.example"}).status_code == 302
        refused = post_form(client, url, {"name": "Me", "email": "boss@staff.example"})
        assert refused.status_code == 400 and "cannot also be one of its trustees" in refused.get_data(as_text=True)
        message = sink.wait_for("ada@trustees.example", "invited")
        secret = re.search(r"/trustee/invitations/(\S+)", message.body).group(1)
        page = client.get(url).get_data(as_text=True)
        assert "Ada" in page and "Invited" in page
        # Re-sending makes the old link useless.
        token = csrf_from(page)
        assert client.post(f"{url}/reinvite", data={"seat": "1", "csrf_token": token}).status_code == 302
        assert client.get(f"/trustee/invitations/{secret}").status_code == 404
        approve(campaign.id)
        freeze = client.post(f"/organize/campaigns/{campaign.id}/freeze", data={"csrf_token": token}, follow_redirects=True)
        assert "2 of 3 trustees have not registered" in freeze.get_data(as_text=True) or \
               "3 of 3 trustees have not registered" in freeze.get_data(as_text=True)
    finally:
        sink.stop()


def test_a_complaint_is_shown_to_the_organizer_and_every_trustee_with_the_accused_named(app, client, make_user,
                                                                                        make_campaign, login):
    from pledge.services import ceremony
    from tests.ceremony_kit import frozen, post_deals

    organizer, password = make_user(Role.ORGANIZER, email="boss@staff.example")
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_count=3, trustee_quorum=2)
    people = [FakeTrustee(f"Person {i}", f"p{i}@trustees.example") for i in (1, 2, 3)]
    seats = frozen(app, campaign, people)
    post_deals(campaign, people, seats)
    with write_intent():
        ceremony.submit_result(db.session, campaign, seats[2],
                               people[2].complaint_file(campaign.ctx, 3, 1, "feldman-check-failed"), utcnow())
        db.session.commit()
    login("boss@staff.example", password)
    page = client.get(f"/organize/campaigns/{campaign.id}/trustees").get_data(as_text=True)
    assert "The ceremony is halted by a complaint." in page
    assert "Trustee 3 (Person 3) accuses trustee 1 (Person 1): feldman check failed." in page
    assert "You do not choose" in page and "Restart without" not in page and "Replace" not in page
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    login("p2@trustees.example", "long enough pw")
    dashboard = client.get("/trustee/").get_data(as_text=True)
    assert "The ceremony is halted by a complaint." in dashboard and "accuses trustee 1 (Person 1)" in dashboard
    assert "Upload answer" not in dashboard  # only the accused answers
    client.post("/logout", data={"csrf_token": csrf_from(dashboard)})
    login("p1@trustees.example", "long enough pw")
    accused = client.get("/trustee/").get_data(as_text=True)
    assert "Next: answer the complaint against your deal by" in accused and "pledge-trustee answer" in accused


def test_a_partials_upload_larger_than_the_site_limit_reaches_the_checks(app, client, draft):
    from io import BytesIO

    app.config["MAX_CONTENT_LENGTH"] = 100_000  # small bodies stay in memory (no spooled temp files)
    invitation = invite(draft)
    post_form(client, f"/trustee/invitations/{invitation.secret}", {"password": "a good long password",
                                                                    "confirm": "a good long password"})
    token = csrf_from(client.get("/trustee/").get_data(as_text=True))
    big = BytesIO(b" " * (app.config["MAX_CONTENT_LENGTH"] + 1024))
    with client.post(f"/trustee/campaigns/{draft.id}/rounds/1/partials",
                     data={"file": (big, "partials.json"), "csrf_token": token}, content_type="multipart/form-data") as response:
        assert response.status_code != 413  # refused by the round checks (no such round), not by size
    with client.post(f"/trustee/campaigns/{draft.id}/deal",
                     data={"file": (BytesIO(b" " * (app.config["MAX_CONTENT_LENGTH"] + 1024)), "deal.json"),
                           "csrf_token": token}, content_type="multipart/form-data") as small_route:
        assert small_route.status_code == 413
