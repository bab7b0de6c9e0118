"""The signing view checks a submission against a per-process copy of the campaign's keys before it
takes the write lock; under the lock it must still answer as if it had checked everything there."""

import json
from datetime import timedelta

from sqlalchemy import func, select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Entry, utcnow
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}


def submit(client, slug, body):
    return client.post(f"/api/campaigns/{slug}/entries", data=json.dumps(body), headers=JSON)


def test_a_copy_of_another_campaigns_keys_is_never_trusted(app, client, make_open_campaign):
    secret = app.config["TOKEN_KEY_SECRET"]
    first = make_open_campaign(title="First")
    assert submit(client, first.slug, Signer(first, "anthropic", secret).body()).status_code == 201  # keys copied
    second = make_open_campaign(title="Second")
    slug = first.slug
    early = Signer(first, "openai", secret)
    later = Signer(second, "meta", secret)
    with write_intent():  # the slug now names another campaign, with other keys
        first.slug = f"{slug}-old"
        db.session.flush()
        second.slug = slug
        db.session.commit()
    refused = submit(client, slug, early.body())
    assert refused.status_code == 403 and refused.get_json()["error"] == "token_refused"
    accepted = submit(client, slug, later.body())
    assert accepted.status_code == 201, accepted.get_json()
    assert accepted.get_json()["receipt"]["campaign"] == second.public_id
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.campaign_id == second.id)) == 1


def test_closed_still_comes_before_any_other_refusal(app, client, make_open_campaign):
    campaign = make_open_campaign(title="Closing")
    secret = app.config["TOKEN_KEY_SECRET"]
    assert submit(client, campaign.slug, Signer(campaign, "anthropic", secret).body()).status_code == 201
    with write_intent():
        campaign.deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert submit(client, campaign.slug, {"token": "nonsense"}).status_code == 410
    assert submit(client, campaign.slug, Signer(campaign, "openai", secret).body()).status_code == 410


def test_unknown_campaigns_are_404_before_the_body_is_read(client):
    response = client.post("/api/campaigns/no-such-campaign/entries", data="not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 404
