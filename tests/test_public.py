"""Public pages and the counts JSON."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from pledge.models import CampaignState
from pledge.services.progress import describe_time_left


def test_home_lists_only_campaigns_past_the_draft_stage(client, make_campaign):
    make_campaign(title="Visible open campaign", counts={"anthropic": 12, "openai": 3})
    make_campaign(title="Secret draft", state=CampaignState.DRAFT)
    make_campaign(title="Under ceremony", state=CampaignState.CEREMONY)
    page = client.get("/").get_data(as_text=True)
    assert "Visible open campaign" in page and "Under ceremony" in page
    assert "Secret draft" not in page
    assert '<progress max="50" value="15"' in page
    assert "<strong>15</strong> of 50 signatures needed overall" in page


def test_home_with_no_campaigns_says_so(client):
    assert "No campaigns are open yet" in client.get("/").get_data(as_text=True)


def test_campaign_page_shows_text_conditions_rule_and_no_per_lab_number(client, make_campaign):
    campaign = make_campaign(counts={"anthropic": 12, "openai": 4, "meta": 0},
                             conditions=("Independent evaluations", "Whistleblower protection"))
    response = client.get(f"/campaigns/{campaign.slug}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "I pledge <strong>this</strong>." in page
    assert re.search(r"<li>Independent evaluations</li>\s*<li>Whistleblower protection</li>", page)
    assert "50 signatures overall, including at least 10 at each of 2 different labs" in page
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', page))
    # Per lab only "reached 10" or not: 4 and 0 look the same, and so do 12 and 10.
    assert rows == {"Anthropic": "Yes", "Meta": "Not yet", "OpenAI": "Not yet"}
    assert "<strong>16</strong> of 50 signatures needed overall" in page
    assert "<strong>1</strong> of 2 labs has reached" in page
    assert "days left" in page
    assert "3 independent trustees" in " ".join(page.split())
    assert "Any 2 of the 3 trustees together can reveal" in " ".join(page.split())
    assert "Nobody is revealed with fewer than 4 others from their lab (k = 5)" in " ".join(page.split())


def test_json_matches_the_page(client, make_campaign):
    campaign = make_campaign(counts={"anthropic": 12, "openai": 4, "meta": 0})
    data = client.get(f"/api/campaigns/{campaign.slug}").get_json()
    assert data["total"] == 16
    assert data["rule"] == {"min_total": 50, "min_per_lab": 10, "min_labs": 2}
    assert data["labs_meeting_minimum"] == 1 and data["rule_met"] is False
    assert data["round_one_revealed"] is False and "sealed" not in data and "revealed" not in data
    assert data["labs"] == [{"slug": "anthropic", "name": "Anthropic", "reached": True},
                            {"slug": "meta", "name": "Meta", "reached": False},
                            {"slug": "openai", "name": "OpenAI", "reached": False}]
    assert data["state"] == "open" and data["accepting_signatures"] is True
    assert data["trustees"] == {"t": 2, "n": 3}


def test_without_a_per_lab_part_no_lab_is_marked(client, make_campaign):
    campaign = make_campaign(counts={"anthropic": 30, "openai": 1}, min_per_lab=0, min_labs=0)
    data = client.get(f"/api/campaigns/{campaign.slug}").get_json()
    assert [lab["reached"] for lab in data["labs"]] == [None, None, None]
    page = client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    assert 'class="lab-counts"' not in page and "<strong>31</strong> of 50" in page


def test_rule_met_when_every_part_holds(client, make_campaign):
    campaign = make_campaign(counts={"anthropic": 25, "openai": 25, "meta": 0})
    assert client.get(f"/api/campaigns/{campaign.slug}").get_json()["rule_met"] is True


def test_unknown_and_draft_campaigns_are_404_on_page_and_api(client, make_campaign):
    draft = make_campaign(state=CampaignState.DRAFT)
    for url in ("/campaigns/nope", "/api/campaigns/nope", f"/campaigns/{draft.slug}", f"/api/campaigns/{draft.slug}"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/campaigns/nope").get_json()["error"] == "not_found"


@pytest.mark.parametrize("url", ["/", "/about", "/campaigns/{slug}", "/api/campaigns/{slug}", "/nope"])
def test_public_responses_set_no_cookie_and_carry_the_security_headers(client, make_campaign, url):
    campaign = make_campaign()
    response = client.get(url.format(slug=campaign.slug))
    assert "Set-Cookie" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_wrong_method_gets_the_site_error_page(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize("url", ["/", "/about", "/campaigns/{slug}", "/login", "/nope"])
def test_pages_have_no_inline_script_or_event_attributes(client, make_campaign, url):
    campaign = make_campaign()
    html = client.get(url.format(slug=campaign.slug)).get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+\s*=", html)
    # Nothing the browser fetches on its own comes from another site.
    assert not re.search(r'\ssrc="(https?:)?//', html)
    assert not re.search(r'<link[^>]+href="(https?:)?//', html)


def test_time_left_is_written_plainly():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert describe_time_left(now + timedelta(days=12, hours=3), now) == "12 days left"
    assert describe_time_left(now + timedelta(days=1, hours=1), now) == "1 day, 1 hour left"
    assert describe_time_left(now + timedelta(hours=5), now) == "5 hours left"
    assert describe_time_left(now + timedelta(seconds=30), now) == "1 minute left"
    assert describe_time_left(now - timedelta(seconds=1), now) == "Deadline passed"
