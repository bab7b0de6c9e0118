"""First movers with k = 3 (docs/protocol.md §7, §8): every round reveals, per lab, none or at
least k; waiting entries stay withdrawable until the deadline event; what is never revealed is
destroyed when the campaign ends.

The campaign: four of the demo's labs, a 2-of-3 real ceremony, k = 3, and a rule of 11 signatures
with at least 3 at each of 2 labs. When the rule is first met the labs hold 5, 3, 2 and 1 live
entries. Signers act through the signing API with the Python signer (tests/signing_kit.py); the
trustees' partials come from their real shares.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest
from nacl.signing import SigningKey
from sqlalchemy import select

from crypto import merkle
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignLab, CampaignState, Entry, TokenIssuance, utcnow
from pledge.services import record as record_service
from pledge.services import reveal as reveal_rounds
from pledge.services import witnessing
from pledge.services.log import latest_head
from pledge_tools.verify.cli import main as pledge_verify
from tests.ceremony_kit import launch_through_ceremony
from tests.kit.decryption import partials_file
from tests.kit.events import event_names, events_by_batch, replayed
from tests.kit.ticks import tick_at
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}
FIVE, THREE, TWO, ONE = "anthropic", "openai", "google-deepmind", "meta"
LAB_NAMES = {FIVE: "Anthropic", THREE: "OpenAI", TWO: "Google DeepMind"}


@pytest.fixture
def story(app, make_campaign):
    """``(campaign, people, seats)``: the k = 3 campaign, launched through a real ceremony."""
    campaign = make_campaign(state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3, min_total=11, min_per_lab=3,
                             min_labs=2, suppress_below=3, lab_slugs=(FIVE, THREE, TWO, ONE, "xai"))
    people, seats = launch_through_ceremony(app, campaign)
    return campaign, people, seats


def sign(app, client, campaign, lab: str, count: int) -> list[Signer]:
    signers = [Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"], name=f"{lab} signer {n}") for n in range(count)]
    for signer in signers:
        response = client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON)
        assert response.status_code == 201, response.get_json()
    return signers


def withdraw(client, campaign, signer):
    return client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(signer.withdrawal()), headers=JSON)


def receipt(client, campaign, signer) -> dict:
    db.session.rollback()
    leaf_hash = db.session.scalar(select(Entry.leaf_hash).where(Entry.nullifier == signer.nullifier))
    return client.get(f"/api/campaigns/{campaign.slug}/receipts/{leaf_hash.hex()}").get_json()


def leaves(signers) -> list[int]:
    db.session.rollback()
    return sorted(db.session.scalar(select(Entry.leaf_index).where(Entry.nullifier == s.nullifier)) for s in signers)


def entry(signer) -> Entry:
    db.session.rollback()
    return db.session.scalar(select(Entry).where(Entry.nullifier == signer.nullifier))


def reveal(campaign, people, seats, number) -> None:
    with write_intent():
        for k in (0, 1):
            reveal_rounds.submit_partials(db.session, campaign, seats[k], number,
                                          partials_file(campaign, people[k], seats[k], number), utcnow())
        db.session.commit()


def public_labs(client, campaign) -> tuple[int, dict[str, bool]]:
    data = client.get(f"/api/campaigns/{campaign.slug}").get_json()
    assert all(set(lab) == {"slug", "name", "reached"} for lab in data["labs"])  # no per-lab number
    return data["total"], {lab["slug"]: lab["reached"] for lab in data["labs"]}


def revealed_by_lab(campaign) -> dict[str, int]:
    db.session.rollback()
    return {lab: len(items) for lab, items in reveal_rounds.revealed_signatures(db.session, campaign).items()}


def cosign_latest(campaign, people) -> None:
    """Every trustee cosigns the latest head, as a witness would after its checks."""
    head = latest_head(db.session, campaign)
    manifest = witnessing.parsed_manifest(campaign)
    with write_intent():
        for person in people:
            key = SigningKey(person.seed)
            message = merkle.cosign_message(campaign.public_id.encode("ascii"), head.size, head.timestamp, head.root)
            witnessing.store_cosignature(db.session, campaign, manifest, head.size, head.timestamp, head.root,
                                         bytes(key.verify_key), key.sign(message).signature)
        db.session.commit()


def test_each_round_reveals_per_lab_none_or_at_least_k_and_the_rest_is_destroyed(app, client, story, tmp_path, capsys,
                                                                                 monkeypatch):
    campaign, people, seats = story
    now = utcnow()

    # Given labs at 5, 3, 2 and 1 live entries: the rule (11, and 3 at each of 2 labs) is met.
    at_five, at_three, at_two, at_one = (sign(app, client, campaign, lab, n)
                                         for lab, n in ((FIVE, 5), (THREE, 3), (TWO, 2), (ONE, 1)))
    tick_at(app, now + timedelta(hours=1))
    # Round 1 lists the labs at 5 and 3, in full; the labs at 2 and 1 wait.
    assert event_names(campaign.id) == [["round-frozen 1"]]
    assert events_by_batch(campaign.id)[0][0]["leaves"] == leaves(at_five + at_three)
    assert public_labs(client, campaign) == (11, {FIVE: True, THREE: True, TWO: False, ONE: False, "xai": False})
    frozen_counts = {link.lab.slug: link.published_count for link in db.session.scalars(select(CampaignLab).where(
        CampaignLab.campaign_id == campaign.id))}

    # Before the deadline: a listed entry cannot be withdrawn, a waiting one can. Its receipt says
    # "published" until the batch that logs the withdrawal, "withdrawn" after.
    assert withdraw(client, campaign, at_five[0]).get_json()["error"] == "revealed"
    before = receipt(client, campaign, at_two[0])
    assert before["status"] == "published"
    assert withdraw(client, campaign, at_two[0]).status_code == 202
    assert receipt(client, campaign, at_two[0]) == before
    more_at_two = sign(app, client, campaign, TWO, 2)
    late_at_five = sign(app, client, campaign, FIVE, 1)
    late_at_three = sign(app, client, campaign, THREE, 3)
    reveal(campaign, people, seats, 1)
    assert receipt(client, campaign, at_two[0]) == before
    tick_at(app, now + timedelta(hours=2))
    assert receipt(client, campaign, at_two[0])["status"] == "withdrawn"
    assert event_names(campaign.id)[-1] == ["round-revealed 1"]
    # The labs round 1 revealed, read from the openings published with the payloads.
    assert revealed_by_lab(campaign) == {LAB_NAMES[FIVE]: 5, LAB_NAMES[THREE]: 3}
    # After round 1 froze, the per-lab counts stay as of the freeze; the total moves on (11 - 1 + 6).
    db.session.rollback()
    assert db.session.get(type(campaign), campaign.id).published_total == 16
    assert {link.lab.slug: link.published_count for link in db.session.scalars(select(CampaignLab).where(
        CampaignLab.campaign_id == campaign.id))} == frozen_counts

    # The deadline round: the lab at 2 (now 3 waiting) and the 3 new at the lab at 3; not the lone
    # late signer at the lab at 5, nor the lab at 1.
    report = tick_at(app, campaign.deadline + timedelta(hours=1))
    assert any("reveal round 2 frozen" in action for action in report.actions)
    assert event_names(campaign.id)[-1] == ["round-frozen 2"]
    assert events_by_batch(campaign.id)[-1][0]["leaves"] == leaves(at_two[1:] + more_at_two + late_at_three)
    assert withdraw(client, campaign, late_at_five[0]).status_code == 410  # nothing is withdrawn after the deadline event
    # Until the campaign ends, the entries never revealed keep their sealed opening.
    assert all(entry(s).opening is not None and entry(s).ciphertext is not None for s in late_at_five + at_one)
    reveal(campaign, people, seats, 2)
    tick_at(app, campaign.deadline + timedelta(hours=2))
    assert event_names(campaign.id)[-1] == ["round-revealed 2", "closed"]
    assert revealed_by_lab(campaign) == {LAB_NAMES[FIVE]: 5, LAB_NAMES[THREE]: 6, LAB_NAMES[TWO]: 3}

    # Closed: what was never revealed is destroyed, ciphertext and opening.
    db.session.refresh(campaign)
    assert campaign.state == CampaignState.CLOSED
    for never in late_at_five + at_one + at_two[:1]:
        assert (entry(never).ciphertext, entry(never).opening, entry(never).revealed_payload) == (None, None, None)
    revealed = at_five + at_three + at_two[1:] + more_at_two + late_at_three
    assert all(entry(s).opening is not None and entry(s).revealed_payload is not None for s in revealed)
    assert json.loads(entry(more_at_two[0]).opening)["slug"] == TWO
    assert db.session.scalar(select(TokenIssuance.campaign_id).where(TokenIssuance.campaign_id == campaign.id)) is None

    # The published log replays through the lifecycle rules, and the record says the same.
    replay = replayed(campaign.id, campaign.deadline, campaign.reveal_window_seconds)
    assert replay.outcome == "closed"
    assert [(r.number, r.status, sorted(r.leaves)) for r in replay.rounds] == [
        (1, "revealed", leaves(at_five + at_three)),
        (2, "revealed", leaves(at_two[1:] + more_at_two + late_at_three))]
    record = json.loads(client.get(f"/api/campaigns/{campaign.slug}/record").get_data())
    assert record["outcome"] == {"state": "closed", "threshold_met": True}
    assert [(r["number"], r["status"], sorted(e["leaf_index"] for e in r["entries"])) for r in record["rounds"]] == [
        (r.number, r.status, sorted(r.leaves)) for r in replay.rounds]
    for leaf in record["log"]["leaves"]:
        assert all(slug not in json.dumps(leaf) for slug in (FIVE, THREE, TWO, ONE))  # no leaf names a lab

    # Once the witnesses have cosigned the final head, anyone can check the record: each round
    # reveals per lab none or at least k, from the published openings.
    cosign_latest(campaign, people)
    # The record is exported in story time, just after the final head.
    story_now = datetime.fromtimestamp(latest_head(db.session, campaign).timestamp + 60, UTC)
    monkeypatch.setattr(record_service, "utcnow", lambda: story_now)
    path = tmp_path / "record.json"
    path.write_bytes(client.get(f"/api/campaigns/{campaign.slug}/record").get_data())
    capsys.readouterr()
    assert pledge_verify([str(path)]) == 0, capsys.readouterr()
    summary = capsys.readouterr().out
    assert "pledge-verify: OK" in summary, summary
