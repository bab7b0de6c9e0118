"""A campaign's stage told the same everywhere: the campaign page's banner, timeline and offer to
sign, the API's ``stage`` and ``accepting_signatures``, the Atom feed, the sign page and the
trustee dashboard, at every stage from open to closed, expired and taken down; and no page
offers a signature the server would refuse."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, utcnow
from pledge.services import reveal as reveal_rounds
from tests.kit.decryption import partials_file
from tests.kit.ticks import publish_due, tick_at
from tests.lifecycle.kit import WebUser
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}
ATOM = {"a": "http://www.w3.org/2005/Atom"}
#: The plain invitation to sign (before round 1 froze; after it, the offer leads with the k rule).
GENERIC = "to receive your token, then"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return " ".join(response.get_data(as_text=True).split())


class Views:
    """What a visitor and a trustee see of one campaign, read afresh each time."""

    def __init__(self, app, campaign, trustee_email: str) -> None:
        self.app, self.slug = app, campaign.slug
        self.visitor = WebUser(app)
        self.trustee = WebUser(app)
        self.trustee.login(trustee_email, "long enough pw")

    def look(self) -> dict:
        page = _text(self.visitor.get(f"/campaigns/{self.slug}"))
        api = json.loads(self.visitor.get(f"/api/campaigns/{self.slug}").get_data())
        answer = self.visitor.get(f"/campaigns/{self.slug}/sign")
        # A taken-down campaign's sign page is a refusal (409) that says so; every other stage's is a page.
        assert answer.status_code == (409 if api["stage"]["key"] == "taken-down" else 200), answer.status_code
        sign = " ".join(answer.get_data(as_text=True).split())
        feed = self.visitor.get(f"/campaigns/{self.slug}/updates.atom")
        dashboard = _text(self.trustee.get("/trustee/"))
        banner = re.search(r'<div class="stage-banner stage-([a-z-]+)" id="stage"> <p>(.*?)</p> </div>', page)
        statuses = {key: status for status, key in re.findall(r'<li class="step step-([a-z]+)" id="step-([a-z0-9-]+)"', page)}
        assert statuses  # the timeline is there
        return {
            "page": page, "api": api, "sign": sign, "dashboard": dashboard,
            "banner_key": banner.group(1), "banner": banner.group(2), "steps": statuses,
            "current": [key for key, status in statuses.items() if status == "current"],
            "feed": check_feed(feed),
        }


def check_feed(response) -> dict[str, str]:
    """The feed parsed as Atom: unique ids, RFC 3339 times, newest first; {id fragment: title}."""
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert RFC3339.match(root.find("a:updated", ATOM).text)
    entries = root.findall("a:entry", ATOM)
    ids = [entry.find("a:id", ATOM).text for entry in entries]
    assert len(set(ids)) == len(ids)
    times = [entry.find("a:updated", ATOM).text for entry in entries]
    assert all(RFC3339.match(moment) for moment in times)
    assert times == sorted(times, reverse=True)
    for entry in entries:
        assert entry.find("a:link", ATOM).get("href").startswith("http")  # absolute, from PUBLIC_URL
        assert entry.find("a:title", ATOM).text and entry.find("a:summary", ATOM).text
    if entries:
        assert root.find("a:updated", ATOM).text == times[0]
    return {entry_id.rsplit("#", 1)[1]: entry.find("a:title", ATOM).text for entry_id, entry in zip(ids, entries)}


def offers_signing(seen: dict) -> bool:
    """Whether the campaign page and the sign page offer a signature (they must agree)."""
    on_page = 'id="sign-offer"' in seen["page"]
    on_sign_page = 'id="sign-form"' in seen["sign"]
    assert on_page == on_sign_page == seen["api"]["accepting_signatures"]
    if seen["api"]["stage"]["key"] == "taken-down":
        assert "taken down" in seen["sign"] and not on_sign_page
    else:
        assert ("Signing is closed." in seen["sign"]) == (not on_sign_page)
    return on_page


def sign(client, campaign, lab: str, secret: bytes, **fields) -> int:
    signer = Signer(campaign, lab, secret, **fields)
    return client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON).status_code


def post_partials(campaign, people, seats, number: int, which: tuple[int, ...]) -> None:
    with write_intent():
        for k in which:
            reveal_rounds.submit_partials(db.session, campaign, seats[k], number,
                                          partials_file(campaign, people[k], seats[k], number), utcnow())
        db.session.commit()


def test_every_view_tells_the_same_stage_from_open_to_closed(app, client, launched):
    campaign, people, seats = launched
    secret = app.config["TOKEN_KEY_SECRET"]
    views = Views(app, campaign, people[0].email)

    # Open: signing offered everywhere, nothing frozen.
    seen = views.look()
    assert seen["banner_key"] == "open" == seen["api"]["stage"]["key"]
    assert seen["api"]["stage"]["label"] == "Open" and seen["api"]["stage"]["since"] is not None
    assert seen["steps"]["launched"] == "done" and seen["current"] == ["threshold"]
    assert offers_signing(seen) and GENERIC in seen["page"]
    assert set(seen["feed"]) == {"launched"}
    assert "you will be asked to help reveal only if the threshold is met" in seen["dashboard"]
    assert f"Organized by <strong class=\"organizer\">{campaign.organizer.name}</strong>" in seen["page"]

    # Threshold met: round 1 frozen, reveal pending.
    for lab in ("anthropic", "anthropic", "openai", "openai"):
        assert sign(client, campaign, lab, secret) == 201
    publish_due(app, 1)
    seen = views.look()
    assert seen["banner_key"] == "threshold-met" == seen["api"]["stage"]["key"]
    assert "Threshold met, reveal pending" in seen["banner"]
    assert "0 of 2 posted so far" in seen["banner"]
    assert seen["steps"]["threshold"] == "done" and seen["current"] == ["round-1"]
    # Signing still counts (for the deadline round), and the offer says on what terms.
    assert offers_signing(seen) and GENERIC not in seen["page"]
    assert "What a signature made now does." in seen["page"] and "sign for the deadline round" in seen["page"]
    assert 'id="after-round-one"' in seen["sign"]
    assert set(seen["feed"]) == {"launched", "threshold-met"}
    assert "round 1 needs your partial decryptions" in seen["dashboard"]
    assert "help reveal only if the threshold is met" not in seen["dashboard"]
    post_partials(campaign, people, seats, 1, (0,))
    seen = views.look()
    assert "1 of 2 posted so far" in seen["banner"]
    assert "1 of 2 posted so far" in seen["page"].split('id="step-round-1"')[1]

    # Round 1 revealed: signing is still open until the deadline, for the deadline round.
    post_partials(campaign, people, seats, 1, (1,))
    seen = views.look()
    assert seen["banner_key"] == "revealed" == seen["api"]["stage"]["key"]
    assert seen["steps"]["round-1"] == "done" and seen["current"] == ["deadline"]
    assert offers_signing(seen) and GENERIC not in seen["page"]
    assert set(seen["feed"]) == {"launched", "threshold-met", "round-1-revealed"}
    assert "Round 1 is revealed: your part in it is done." in seen["dashboard"]
    assert "the deadline round will need you" in seen["dashboard"]
    assert sign(client, campaign, "openai", secret, name="Late Signer") == 201

    # The deadline round: frozen at the first batch after the deadline; no signature any more.
    after = campaign.deadline + timedelta(hours=1)
    tick_at(app, after)
    seen = views.look()
    assert seen["banner_key"] == "deadline-round" == seen["api"]["stage"]["key"]
    assert seen["steps"]["deadline"] == "done" and seen["current"] == ["deadline-round"]
    assert not offers_signing(seen) and "Signing has ended." in seen["sign"]
    assert 'id="late-signature"' not in seen["page"] and GENERIC not in seen["page"]
    assert sign(client, campaign, "openai", secret) in (403, 409, 410)  # the server refuses it too
    assert "round-2-frozen" in seen["feed"]
    assert "The deadline round is frozen: it needs your partial decryptions" in seen["dashboard"]

    # The deadline round revealed, then the campaign closes.
    post_partials(campaign, people, seats, 2, (1, 2))
    seen = views.look()
    assert seen["banner_key"] == "revealed" and "The deadline round was revealed" in seen["banner"]
    assert not offers_signing(seen)
    tick_at(app, after + timedelta(hours=1))
    seen = views.look()
    assert seen["banner_key"] == "closed" == seen["api"]["stage"]["key"]
    assert seen["api"]["stage"]["since"] is not None and seen["api"]["stage"]["label"] == "Closed"
    assert not offers_signing(seen) and "Verify your affiliation" not in seen["page"]
    assert seen["steps"]["end"] == "done" and seen["current"] == []
    assert set(seen["feed"]) == {"launched", "threshold-met", "round-1-revealed", "round-2-frozen",
                                 "round-2-revealed", "closed"}
    assert "The campaign is closed: every round is revealed or abandoned." in seen["dashboard"]
    assert "destroy your share and confirm it" in seen["dashboard"]
    assert "help reveal only if the threshold is met" not in seen["dashboard"]
    assert sign(client, campaign, "anthropic", secret) in (403, 409, 410)
    home = _text(client.get("/"))
    assert '<span class="state stage-badge stage-closed">Closed</span>' in home


def test_an_expired_campaign_says_so_everywhere(app, client, launched):
    campaign, people, _ = launched
    views = Views(app, campaign, people[1].email)
    assert sign(client, campaign, "anthropic", app.config["TOKEN_KEY_SECRET"]) == 201
    tick_at(app, campaign.deadline + timedelta(hours=2))
    seen = views.look()
    assert seen["banner_key"] == "expired" == seen["api"]["stage"]["key"]
    assert "before the threshold was met: nothing was revealed" in seen["banner"]
    assert not offers_signing(seen) and GENERIC not in seen["page"]
    assert seen["steps"]["threshold"] == "skipped" and seen["steps"]["end"] == "done"
    assert set(seen["feed"]) == {"launched", "expired"}
    assert "The campaign expired: nothing will ever be revealed." in seen["dashboard"]
    assert sign(client, campaign, "openai", app.config["TOKEN_KEY_SECRET"]) in (403, 409, 410)


def test_a_taken_down_campaign_says_so_everywhere(app, client, launched):
    campaign, people, _ = launched
    views = Views(app, campaign, people[2].email)
    with write_intent():
        item = db.session.get(Campaign, campaign.id)
        item.state, item.taken_down_at = CampaignState.TAKEN_DOWN, utcnow()
        item.takedown_notice = "Taken down after a report: the pledge named a person."
        db.session.commit()
    seen = views.look()
    assert seen["banner_key"] == "taken-down" == seen["api"]["stage"]["key"]
    assert not offers_signing(seen) and GENERIC not in seen["page"]
    assert seen["steps"]["end"] == "done" and seen["steps"]["threshold"] == "skipped"
    assert set(seen["feed"]) == {"launched", "taken-down"}
    assert "the pledge named a person" in client.get(f"/campaigns/{campaign.slug}/updates.atom").get_data(as_text=True)
    assert "The campaign was taken down" in seen["dashboard"]
    assert sign(client, campaign, "openai", app.config["TOKEN_KEY_SECRET"]) in (403, 404, 409, 410)


def test_a_campaign_past_its_deadline_before_the_next_batch_offers_no_signature(app, client, make_open_campaign):
    campaign = make_open_campaign(title="Late", deadline=utcnow() - timedelta(minutes=5),
                                  contact_address="organizer@example.org")
    page = _text(client.get(f"/campaigns/{campaign.slug}"))
    api = client.get(f"/api/campaigns/{campaign.slug}").get_json()
    assert api["accepting_signatures"] is False and api["stage"]["label"] == "Deadline passed"
    assert 'id="sign-offer"' not in page and "Deadline passed" in page
    assert '<a href="mailto:organizer@example.org" class="contact">organizer@example.org</a>' in page
    assert "Signing is closed." in _text(client.get(f"/campaigns/{campaign.slug}/sign"))


def test_the_campaign_page_shows_its_address_to_copy_and_the_organizer_dashboard_the_stage(app, client, make_open_campaign,
                                                                                          login, make_user):
    from pledge.models import Role

    organizer, password = make_user(Role.ORGANIZER, email="org@staff.example")
    campaign = make_open_campaign(title="Copy me", organizer=organizer)
    page = _text(client.get(f"/campaigns/{campaign.slug}"))
    address = f"{app.config['PUBLIC_URL']}/campaigns/{campaign.slug}"
    assert f'<input type="text" id="campaign-link" value="{address}" readonly' in page
    assert 'id="copy-link-button"' in page and "js/copy-link.js" in page
    login("org@staff.example", password)
    dashboard = _text(client.get("/organize/"))
    assert '<span class="state stage-badge stage-open">Open</span>' in dashboard


def test_an_abandoned_round_one_is_told_and_signing_still_counts_for_the_deadline_round(app, client, make_campaign):
    import secrets

    from pledge.models import RevealRound, TreeHead

    campaign = make_campaign(min_total=3, min_per_lab=0, min_labs=0, suppress_below=3, counts={"anthropic": 3})
    with write_intent():
        now = utcnow()
        db.session.add(TreeHead(campaign_id=campaign.id, batch=1, size=3, timestamp=int(now.timestamp()),
                                root=secrets.token_bytes(32), signature=secrets.token_bytes(64)))
        db.session.add(RevealRound(campaign_id=campaign.id, number=1, batch=1, size=3, frozen_at=now - timedelta(days=15),
                                   abandoned_at=now))
        db.session.commit()
    page = _text(client.get(f"/campaigns/{campaign.slug}"))
    api = client.get(f"/api/campaigns/{campaign.slug}").get_json()
    assert api["stage"]["key"] == "threshold-met" and api["stage"]["label"] == "Round 1 abandoned"
    assert api["accepting_signatures"] is True
    assert 'class="stage-banner stage-threshold-met"' in page and "round 1 was abandoned on" in page
    assert "Round 1 was abandoned unrevealed (its reveal window ended)" in page and 'id="sign-offer"' in page
    assert re.search(r'id="step-round-1"> <span class="step-status">Done:</span> <strong class="step-title">Round 1 '
                     r'abandoned</strong>', page)
    feed = check_feed(client.get(f"/campaigns/{campaign.slug}/updates.atom"))
    assert list(feed) == ["round-1-abandoned", "launched", "threshold-met"]
