"""After the reveal: condition judgements wait for the reveal; dated updates, and the Atom feed."""

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
    data = {"status-condition_id": str(campaign.conditions[0].id), "status-lab_id": str(lab.id), "status-status": "met",
            "status-decided_on": "2026-11-20", "status-evidence_url": "https://lab.example/evidence", "status-submit": "1"}
    data.update(overrides)
    return data


# Judgements after a real reveal, their history and publication: tests/test_after_reveal.py.


@pytest.mark.parametrize("state", [CampaignState.OPEN, CampaignState.REVEALED])
def test_judgements_wait_for_a_published_reveal(client, organizer, make_campaign, labs, state):
    # A campaign marked revealed whose log holds no round-revealed event has nothing to follow.
    campaign = make_campaign(organizer=organizer, state=state)
    response = post_form(client, f"/organize/campaigns/{campaign.id}/outcomes", status_data(campaign, labs["anthropic"]))
    assert response.status_code == 400 and "once the signatures are revealed" in response.get_data(as_text=True)


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
    entries = root.findall("a:entry", ns)
    assert len(entries) == 1 and entries[0].find("a:title", ns).text == "Week one <b>news</b>"
    assert "<strong>growing</strong>" in entries[0].find("a:content", ns).text
    assert "<script>" not in entries[0].find("a:content", ns).text


def test_other_organizers_cannot_post(client, make_user, login, make_campaign):
    owner, _ = make_user(Role.ORGANIZER, email="owner@staff.example")
    campaign = make_campaign(organizer=owner, state=CampaignState.OPEN)
    _, password = make_user(Role.ORGANIZER, email="other@staff.example")
    login("other@staff.example", password)
    assert client.get(f"/organize/campaigns/{campaign.id}/outcomes").status_code == 404
