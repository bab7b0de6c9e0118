"""After the reveal: condition status per lab, dated updates, and the Atom feed."""

import xml.etree.ElementTree as ET

import pytest

from pledge.models import CampaignState, Role
from tests.kit.forms import post_form


@pytest.fixture
def organizer(make_user, login):
    user, password = make_user(Role.ORGANIZER, email="org@staff.example")
    login("org@staff.example", password)
    return user


def status_data(campaign, lab, **overrides):
    data = {"status-condition_id": str(campaign.conditions[0].id), "status-lab_id": str(lab.id), "status-met": "met",
            "status-decided_on": "2026-11-20", "status-evidence_url": "https://lab.example/evidence", "status-submit": "1"}
    data.update(overrides)
    return data


def test_statuses_are_recorded_after_the_reveal_and_shown_as_a_table(client, organizer, make_campaign, labs):
    campaign = make_campaign(organizer=organizer, state=CampaignState.REVEALED, conditions=("Publish evaluations",))
    url = f"/organize/campaigns/{campaign.id}/outcomes"
    assert post_form(client, url, status_data(campaign, labs["anthropic"])).status_code == 302
    assert post_form(client, url, status_data(campaign, labs["openai"], **{"status-met": "not-met"})).status_code == 302
    bad = post_form(client, url, status_data(campaign, labs["meta"], **{"status-evidence_url": "javascript:alert(1)"}))
    assert bad.status_code == 400 and "full http(s) link" in bad.get_data(as_text=True)
    future = post_form(client, url, status_data(campaign, labs["meta"], **{"status-decided_on": "2999-01-01"}))
    assert future.status_code == 400 and "cannot be in the future" in future.get_data(as_text=True)
    page = " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())
    assert "Are the labs meeting the conditions?" in page
    assert '<a href="https://lab.example/evidence" rel="noopener noreferrer nofollow">Met</a>' in page
    assert ">Not met</a>" in page and "Not yet assessed" in page


def test_statuses_wait_for_the_reveal(client, organizer, make_campaign, labs):
    campaign = make_campaign(organizer=organizer, state=CampaignState.OPEN)
    response = post_form(client, f"/organize/campaigns/{campaign.id}/outcomes", status_data(campaign, labs["anthropic"]))
    assert response.status_code == 400 and "after the signatures are revealed" in response.get_data(as_text=True)


def test_updates_are_sanitised_and_published_in_an_atom_feed(client, organizer, make_campaign):
    campaign = make_campaign(organizer=organizer, state=CampaignState.OPEN)
    url = f"/organize/campaigns/{campaign.id}/outcomes"
    response = post_form(client, url, {"update-title": "Week one <b>news</b>",
                                       "update-body": "We are **growing**.\n\n<script>alert(1)</script>",
                                       "update-submit": "1"})
    assert response.status_code == 302
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert "Week one &lt;b&gt;news&lt;/b&gt;" in page and "<strong>growing</strong>" in page and "<script>alert" not in page
    feed = client.get(f"/campaigns/{campaign.slug}/updates.atom")
    assert feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.get_data())
    ns = {"a": "http://www.w3.org/2005/Atom"}
    # The feed also tells the stage changes (the launch); the update is its own entry.
    entries = [e for e in root.findall("a:entry", ns) if "#update-" in e.find("a:id", ns).text]
    assert len(entries) == 1 and entries[0].find("a:title", ns).text == "Week one <b>news</b>"
    assert "<strong>growing</strong>" in entries[0].find("a:content", ns).text
    assert "<script>" not in entries[0].find("a:content", ns).text


def test_other_organizers_cannot_post(client, make_user, login, make_campaign):
    owner, _ = make_user(Role.ORGANIZER, email="owner@staff.example")
    campaign = make_campaign(organizer=owner, state=CampaignState.OPEN)
    _, password = make_user(Role.ORGANIZER, email="other@staff.example")
    login("other@staff.example", password)
    assert client.get(f"/organize/campaigns/{campaign.id}/outcomes").status_code == 404
