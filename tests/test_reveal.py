"""Reveal rounds and expiry: verified partials open a round together; an expired campaign
deletes its ciphertexts and its trustees confirm destroying their shares."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from crypto.formats import messages as trustee_messages
from crypto.formats.files import SignedStatement, destroy_confirmation_doc
from crypto.hashing import WIRE_VERSION, canonical_json
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Entry, RevealRound, TokenIssuance, utcnow
from pledge.services import expiry
from pledge.services import reveal as reveal_rounds
from pledge.services.ceremony import CeremonyError
from tests import dbkit
from tests.kit.decryption import partials_file
from tests.kit.ticks import publish_due, tick_at
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}


def test_a_round_opens_with_t_verified_partials_and_shows_the_signatures(app, client, launched):
    campaign, people, seats = launched
    signers = [Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"], name="Ada Lovelace", role="Researcher",
                      statement="Evaluations first."),
               Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"], name="Hidden Name", role="",
                      display="anonymous"),
               Signer(campaign, "openai", app.config["TOKEN_KEY_SECRET"], name="Grace Hopper", role="Engineer"),
               Signer(campaign, "openai", app.config["TOKEN_KEY_SECRET"], name="Edsger D", role="Scientist")]
    for signer in signers:
        assert client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()),
                           headers=JSON).status_code == 201
    published = publish_due(app, 1)
    assert published[0].round_frozen is not None
    # Once frozen, an entry of the round can no longer be withdrawn.
    withdrawal = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(signers[3].withdrawal()),
                             headers=JSON)
    assert withdrawal.status_code == 409
    assert "Ada Lovelace" not in client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)

    with pytest.raises(CeremonyError, match=r"leaf \d+: the partial decryption's proof does not verify"):
        reveal_rounds.submit_partials(db.session, campaign, seats[0], 1, partials_file(campaign, people[0], seats[0], 1,
                                                                                       tamper_leaf=2), utcnow())
    db.session.rollback()
    with pytest.raises(CeremonyError, match="not yours"):
        reveal_rounds.submit_partials(db.session, campaign, seats[1], 1, partials_file(campaign, people[0], seats[0], 1),
                                      utcnow())
    db.session.rollback()
    with write_intent():
        assert reveal_rounds.submit_partials(db.session, campaign, seats[0], 1, partials_file(campaign, people[0], seats[0],
                                                                                              1), utcnow()) is False
        db.session.commit()
    waiting = " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())
    assert "Ada Lovelace" not in waiting  # one of two
    assert "Waiting for 2 trustees: if it is not revealed by " in waiting
    assert "the next batch abandons it and deletes its sealed signatures unread. <br>Partial decryptions posted by: " \
        "Trustee 1." in waiting
    with write_intent():
        assert reveal_rounds.submit_partials(db.session, campaign, seats[2], 1, partials_file(campaign, people[2], seats[2],
                                                                                              1), utcnow()) is True
        db.session.commit()

    page = " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())
    assert "<strong>Ada Lovelace</strong>, Researcher" in page and "Evaluations first." in page
    assert "<strong>Grace Hopper</strong>, Engineer" in page
    assert "Verified anonymous researcher at Anthropic" in page and "Hidden Name" not in page
    assert db.session.get(RevealRound, (campaign.id, 1)).revealed_at is not None
    assert campaign.state == CampaignState.REVEALED
    for entry in db.session.scalars(select(Entry)):
        assert json.loads(entry.revealed_payload)["v"] == WIRE_VERSION


def test_expiry_deletes_ciphertexts_and_tokens_and_collects_destroy_confirmations(app, client, launched):
    campaign, people, seats = launched
    for _ in range(2):
        signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"])
        client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON)
    db.session.add(TokenIssuance(campaign_id=campaign.id, tag=b"\x01" * 32))
    db.session.commit()
    later = campaign.deadline + timedelta(hours=2)
    report = tick_at(app, later)
    assert any("expired below its threshold" in action for action in report.actions)
    assert {m.to for m in report.outgoing} == {p.email for p in people}
    assert campaign.state == CampaignState.EXPIRED
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.ciphertext.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 0
    page = " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())
    assert "Expired: nothing was revealed" in page and "Trustee 1 (not yet)" in page

    signature = trustee_messages.sign(people[0].seed, trustee_messages.destroy_message(campaign.ctx, 1))
    good = canonical_json(destroy_confirmation_doc(SignedStatement(campaign.ctx, 1, signature)))
    forged = canonical_json(destroy_confirmation_doc(SignedStatement(campaign.ctx, 2, signature)))
    with pytest.raises(CeremonyError, match="does not verify"):
        expiry.confirm_destroyed(db.session, campaign, seats[1], forged, utcnow())
    expiry.confirm_destroyed(db.session, campaign, seats[0], good, utcnow())
    db.session.commit()
    page = " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())
    assert "Trustee 1 (confirmed" in page


def test_entries_after_round_one_are_revealed_in_a_final_round_then_the_campaign_closes(app, client, launched):
    campaign, people, seats = launched
    secret = app.config["TOKEN_KEY_SECRET"]
    for lab in ("anthropic", "anthropic", "openai", "openai"):
        client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(Signer(campaign, lab, secret).body()),
                    headers=JSON)
    publish_due(app, 1)
    with write_intent():
        for k in (0, 1):
            reveal_rounds.submit_partials(db.session, campaign, seats[k], 1, partials_file(campaign, people[k], seats[k], 1),
                                          utcnow())
        db.session.commit()
    late = Signer(campaign, "openai", secret, name="Late Signer")
    assert client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(late.body()), headers=JSON).status_code == 201
    after_deadline = campaign.deadline + timedelta(hours=1)
    report = tick_at(app, after_deadline)
    assert any("reveal round 2 frozen" in action for action in report.actions)
    assert campaign.state == CampaignState.REVEALED
    with write_intent():
        for k in (1, 2):
            reveal_rounds.submit_partials(db.session, campaign, seats[k], 2, partials_file(campaign, people[k], seats[k], 2),
                                          utcnow())
        db.session.commit()
    assert "Late Signer" in client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True)
    report = tick_at(app, after_deadline + timedelta(hours=1))
    assert any("closed" in action for action in report.actions)
    assert campaign.state == CampaignState.CLOSED


def test_the_tick_command_scrubs_expired_ciphertexts_from_the_database_files(app, client, launched, runner, monkeypatch):
    import pledge.cli.main as cli_main

    campaign, _, _ = launched
    signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"])
    ciphertext = signer.ciphertext()
    client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body(ciphertext)), headers=JSON)
    later = campaign.deadline + timedelta(hours=2)
    monkeypatch.setattr(cli_main, "utcnow", lambda: later)
    db.session.rollback()
    result = runner.invoke(args=["tick"])
    assert "expired below its threshold" in result.output
    db.session.rollback()
    # SQLite: the file and its -wal. PostgreSQL: the tables' files, rewritten by the tick; its
    # write-ahead log keeps deleted rows until recycled (docs/threat-model.md).
    on_disk = dbkit.stored_bytes(app, wal=dbkit.BACKEND == "sqlite")
    for start in range(96, len(ciphertext) - 64, 64):
        assert ciphertext[start:start + 64] not in on_disk
