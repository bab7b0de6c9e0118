"""Takedown: a site admin takes a public campaign down with a public notice. The launched campaign
here has a frozen round pending, sealed signatures waiting, and one accepted but not yet published;
after the takedown it is gone from every listing, its page shows the notice, signing and withdrawal
are refused, the next tick publishes the signature accepted before it and then the ``taken-down``
event, the ciphertexts and openings are gone from the tables and the database file, the trustees
are mailed, a trustee's destroy confirmation is accepted, and the exported record replays to the
``taken-down`` outcome."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crypto import merkle
from crypto.formats import messages as trustee_messages
from crypto.formats.files import SignedStatement, destroy_confirmation_doc
from crypto.hashing import canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, PendingEvent, RevealRound, Role, TokenIssuance, TreeHead, utcnow
from pledge.services import expiry, takedown, witnessing
from pledge.services import reveal as reveal_rounds
from pledge.services.campaigns import public_campaigns
from pledge.services.record import campaign_record
from pledge_tools.verify.cli import main as pledge_verify
from tests import dbkit
from tests.kit.decryption import partials_file
from tests.kit.events import event_names, replayed, replayed_record
from tests.kit.forms import csrf_from
from tests.kit.ticks import cli_tick, publish_due, tick_at
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}
NOTICE = "This campaign impersonated a lab's staff.\n\nIt was taken down after reports & checks."


@pytest.fixture
def mail(app, sink):
    app.config["MAIL_PORT"] = sink.port
    return sink


def post_entry(client, campaign, signer, ciphertext=None):
    return client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body(ciphertext)), headers=JSON)


def cosign_every_head(campaign: Campaign, people) -> None:
    """The first w trustees cosign every published head, as witnesses do (through the same check
    a posted cosignature gets)."""
    manifest = witnessing.parsed_manifest(campaign)
    log_id = campaign.public_id.encode("ascii")
    with write_intent():
        for head in db.session.scalars(select(TreeHead).where(TreeHead.campaign_id == campaign.id)).all():
            for person in people[:campaign.effective_witness_quorum]:
                signature = merkle.sign_cosignature(person.seed, log_id, head.size, head.timestamp, head.root)
                witnessing.store_cosignature(db.session, campaign, manifest, head.size, head.timestamp, head.root,
                                             person.public.ed25519, signature)
        db.session.commit()


def refreshed(campaign: Campaign) -> Campaign:
    db.session.rollback()
    db.session.refresh(campaign)
    return campaign


def test_a_launched_campaign_taken_down_ends_for_good_and_its_log_says_so(
        app, client, launched, make_user, login, mail, monkeypatch, tmp_path):
    campaign, people, seats = launched
    secret = app.config["TOKEN_KEY_SECRET"]
    # Four signatures meet the rule: round 1 freezes and waits for the trustees.
    signers = [Signer(campaign, lab, secret, name="Hidden Signer") for lab in ("anthropic", "anthropic", "openai", "openai")]
    ciphertexts = [s.ciphertext() for s in signers]
    for signer, ciphertext in zip(signers, ciphertexts, strict=True):
        assert post_entry(client, campaign, signer, ciphertext).status_code == 201
    assert publish_due(app, 1)[0].round_frozen is not None
    # One trustee posts partials: the round is not revealed (2 of 3 are needed).
    with write_intent():
        reveal_rounds.submit_partials(db.session, campaign, seats[0], 1, partials_file(campaign, people[0], seats[0], 1),
                                      utcnow())
        db.session.commit()
    # A signature after round 1 (sealed, waiting), published; and one accepted, not yet published.
    waiting, late = Signer(campaign, "openai", secret), Signer(campaign, "anthropic", secret)
    ciphertexts += [waiting.ciphertext(), late.ciphertext()]
    assert post_entry(client, campaign, waiting, ciphertexts[4]).status_code == 201
    publish_due(app, 2)
    assert post_entry(client, campaign, late, ciphertexts[5]).status_code == 201
    with write_intent():
        db.session.add(TokenIssuance(campaign_id=campaign.id, tag=b"\x07" * 32))
        db.session.commit()
    assert campaign.title in client.get("/").get_data(as_text=True)

    admin, admin_pw = make_user(Role.ADMIN, email="admin@staff.example")
    login(admin.email, admin_pw)
    confirm = client.get(f"/admin/campaigns/{campaign.id}/takedown")
    page = " ".join(confirm.get_data(as_text=True).split())
    assert confirm.status_code == 200 and "A takedown is permanent." in page
    assert "every sealed signature never revealed is destroyed now" in page
    assert "any reveal round still pending is abandoned" in page
    token = csrf_from(confirm.get_data(as_text=True))
    too_long = client.post(f"/admin/campaigns/{campaign.id}/takedown", data={"csrf_token": token, "notice": "x" * 2001})
    assert too_long.status_code == 400 and "Keep the notice under 2,000 characters." in too_long.get_data(as_text=True)
    assert refreshed(campaign).state == CampaignState.OPEN
    response = client.post(f"/admin/campaigns/{campaign.id}/takedown", data={"csrf_token": token, "notice": NOTICE},
                           follow_redirects=True)
    assert response.status_code == 200 and "is taken down" in response.get_data(as_text=True)
    campaign = refreshed(campaign)
    assert campaign.state == CampaignState.TAKEN_DOWN and campaign.takedown_notice == NOTICE
    assert campaign.taken_down_at is not None
    again = client.post(f"/admin/campaigns/{campaign.id}/takedown", data={"csrf_token": token, "notice": NOTICE})
    assert again.status_code == 409

    # At once: destroyed, refused, unlisted; the round can no longer be revealed.
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.ciphertext.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.opening.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 0
    assert db.session.get(RevealRound, (campaign.id, 1)).abandoned_at is not None
    with pytest.raises(reveal_rounds.RevealError):
        reveal_rounds.submit_partials(db.session, campaign, seats[1], 1, partials_file(campaign, people[1], seats[1], 1),
                                      utcnow())
    db.session.rollback()
    anonymous = app.test_client()
    assert campaign.title not in anonymous.get("/").get_data(as_text=True)
    assert campaign.id not in [c.id for c in public_campaigns(db.session)]
    public_page = anonymous.get(f"/campaigns/{campaign.slug}")
    text = " ".join(public_page.get_data(as_text=True).split())
    assert public_page.status_code == 200 and "This campaign was taken down" in text
    assert "<p>This campaign impersonated a lab&#39;s staff.</p><p>It was taken down after reports &amp; checks.</p>" in text
    assert text.index("This campaign was taken down") < text.index("<h1>")
    sign_page = anonymous.get(f"/campaigns/{campaign.slug}/sign")
    assert sign_page.status_code == 409 and "taken down" in sign_page.get_data(as_text=True)
    refused = post_entry(anonymous, campaign, Signer(campaign, "openai", secret))
    assert refused.status_code == 409 and refused.get_json()["error"] == "taken_down"
    withdrawal = anonymous.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(waiting.withdrawal()),
                                headers=JSON)
    assert withdrawal.status_code == 409 and withdrawal.get_json()["error"] == "taken_down"
    api = anonymous.get(f"/api/campaigns/{campaign.slug}")
    assert api.status_code == 200

    # Mail: each trustee (destroy your share, how to confirm) and the organizer.
    for person in people:
        message = mail.wait_for(person.email, "please destroy your share")
        assert "pledge-trustee destroy" in message.body and "It was taken down after reports & checks." in message.body
    assert "This cannot be undone." in mail.wait_for(campaign.organizer.email, "was taken down").body

    # The next tick: the late signature, then the taken-down event; the files are scrubbed.
    output = cli_tick(app, monkeypatch, hours=1)
    assert "the taken-down event is published" in output
    campaign = refreshed(campaign)
    names = event_names(campaign.id)
    assert names[-1] == ["taken-down"]
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.leaf_index.is_(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(PendingEvent)) == 0
    lifecycle = replayed(campaign.id, campaign.deadline, campaign.reveal_window_seconds)
    assert lifecycle.outcome == "taken-down" and [r.status for r in lifecycle.rounds] == ["abandoned"]
    assert campaign.signing_ended_batch == len(names)
    on_disk = dbkit.stored_bytes(app, wal=dbkit.BACKEND == "sqlite")
    for ciphertext in ciphertexts:
        for start in range(96, len(ciphertext) - 64, 64):
            assert ciphertext[start:start + 64] not in on_disk
    # Nothing more is due.
    assert not tick_at(app, utcnow() + timedelta(hours=3)).published

    # A trustee's destroy confirmation is accepted and published after the event.
    signature = trustee_messages.sign(people[0].seed, trustee_messages.destroy_message(campaign.ctx, 1))
    with write_intent():
        expiry.confirm_destroyed(db.session, campaign, seats[0], canonical_json(destroy_confirmation_doc(
            SignedStatement(campaign.ctx, 1, signature))), utcnow())
        db.session.commit()
    assert tick_at(app, utcnow() + timedelta(hours=4)).published
    assert event_names(campaign.id)[-1] == ["share-destroyed"]

    # The record: the log replays to the taken-down outcome, round 1 abandoned.
    cosign_every_head(campaign, people)
    assert anonymous.get(f"/api/campaigns/{campaign.slug}/record").status_code == 200
    exported = campaign_record(db.session, campaign, utcnow() + timedelta(hours=5))  # after the last tick above
    (tmp_path / "record.json").write_bytes(exported)  # what pledge-verify reads (it accepts a taken-down outcome)
    record = json.loads(exported)
    assert record["outcome"] == {"state": "taken-down", "threshold_met": True}
    assert [(r["number"], r["status"]) for r in record["rounds"]] == [(1, "abandoned")]
    assert replayed_record(record).outcome == "taken-down"
    assert pledge_verify([str(tmp_path / "record.json")]) == 0


def test_a_campaign_in_its_ceremony_just_ends(app, client, make_campaign, make_user, mail):
    campaign = make_campaign(state=CampaignState.CEREMONY)
    admin, _ = make_user(Role.ADMIN)
    with write_intent():
        with app.test_request_context():
            messages = takedown.take_down(db.session, campaign, admin, "Withdrawn by the site.", utcnow())
        db.session.commit()
    assert campaign.state == CampaignState.TAKEN_DOWN
    assert db.session.scalar(select(func.count()).select_from(PendingEvent)) == 0
    assert [m.template for m in messages] == ["takedown_organizer"]  # no trustee seated in this one
    assert campaign.title not in client.get("/").get_data(as_text=True)
    assert "Withdrawn by the site." in client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)


def test_a_draft_cannot_be_taken_down_nor_an_empty_notice_given(app, make_campaign, make_user):
    admin, _ = make_user(Role.ADMIN)
    draft = make_campaign(state=CampaignState.DRAFT)
    with pytest.raises(takedown.TakedownError, match="a draft is not public"):
        takedown.take_down(db.session, draft, admin, "Notice.", utcnow())
    db.session.rollback()
    open_campaign = make_campaign(state=CampaignState.OPEN)
    with pytest.raises(takedown.TakedownError, match="Write the public notice"):
        takedown.take_down(db.session, open_campaign, admin, "  \n ", utcnow())
    db.session.rollback()
    assert refreshed(open_campaign).state == CampaignState.OPEN


def test_an_expired_campaign_taken_down_gets_no_event_but_its_trustees_still_confirm(app, client, launched, make_user):
    campaign, people, seats = launched
    signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"])
    assert post_entry(client, campaign, signer).status_code == 201
    tick_at(app, campaign.deadline + timedelta(hours=2))
    campaign = refreshed(campaign)
    assert campaign.state == CampaignState.EXPIRED
    # The expiry kept the openings for the trustees' check; a takedown deletes them at once.
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.opening.is_not(None))) == 1
    admin, _ = make_user(Role.ADMIN)
    with write_intent(), app.test_request_context():
        takedown.take_down(db.session, campaign, admin, "Taken down after it expired.", utcnow())
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.opening.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(PendingEvent)) == 0
    before = event_names(campaign.id)
    assert not tick_at(app, campaign.deadline + timedelta(hours=4)).published
    signature = trustee_messages.sign(people[1].seed, trustee_messages.destroy_message(campaign.ctx, 2))
    with write_intent():
        expiry.confirm_destroyed(db.session, campaign, seats[1], canonical_json(destroy_confirmation_doc(
            SignedStatement(campaign.ctx, 2, signature))), utcnow())
        db.session.commit()
    assert tick_at(app, campaign.deadline + timedelta(hours=5)).published
    assert event_names(campaign.id) == [*before, ["share-destroyed"]]
    campaign = refreshed(campaign)
    lifecycle = replayed(campaign.id, campaign.deadline, campaign.reveal_window_seconds)
    assert lifecycle.outcome == "expired" and list(lifecycle.destroyed) == [2]
    record = json.loads(client.get(f"/api/campaigns/{campaign.slug}/record").get_data())
    assert record["outcome"]["state"] == "expired"
