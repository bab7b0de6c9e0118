"""The lifecycle in the log (docs/protocol.md §7, §8): which events each batch appends, read back
from the published log and replayed through :mod:`crypto.lifecycle` after every step, the head
timestamps, and the strict partials upload.

The campaign is the ``launched`` 2-of-3 one (real ceremony, real shares; the rule is 4
signatures; one batch an hour; the deadline 20 days out).
"""

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from crypto.formats import messages as trustee_messages
from crypto.formats import roundfile
from crypto.formats.files import SignedStatement, destroy_confirmation_doc
from crypto.hashing import canonical_json
from crypto.lifecycle import round_digest
from crypto.opening import Opening
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Entry, PendingEvent, RoundPartials, TokenIssuance, TreeHead, utcnow
from pledge.services import batches, expiry
from pledge.services import reveal as reveal_rounds
from pledge.services.mail import build_message
from pledge.services.reveal import RevealError
from tests.kit.decryption import partials_file
from tests.kit.events import event_names, events_by_batch, replayed, replayed_record
from tests.kit.forms import csrf_from
from tests.kit.ticks import tick_at
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}


def sign(app, client, campaign, labs) -> list[Signer]:
    signers = [Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"], name=f"Signer {n}") for n, lab in enumerate(labs)]
    for signer in signers:
        response = client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON)
        assert response.status_code == 201, response.get_json()
    return signers


def withdraw(client, campaign, signer):
    return client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(signer.withdrawal()), headers=JSON)


def reveal(app, campaign, people, seats, number, who=(0, 1)) -> None:
    with write_intent():
        for k in who:
            reveal_rounds.submit_partials(db.session, campaign, seats[k], number,
                                          partials_file(campaign, people[k], seats[k], number), utcnow())
        db.session.commit()


def rendered(app, message):
    """An outgoing message as the mail relay would receive it."""
    return build_message(app.config, to=message.to, subject=message.subject, template=message.template,
                         **message.context)


def lifecycle(campaign):
    """The published log through crypto.lifecycle (which raises if the server broke the lifecycle)."""
    return replayed(campaign.id, campaign.deadline, campaign.reveal_window_seconds)


def leaf_of(campaign, signer) -> int:
    db.session.rollback()
    return db.session.scalar(select(Entry.leaf_index).where(Entry.nullifier == signer.nullifier))


def destroy_file(campaign, person, seat) -> bytes:
    signature = trustee_messages.sign(person.seed, trustee_messages.destroy_message(campaign.ctx, seat))
    return canonical_json(destroy_confirmation_doc(SignedStatement(campaign.ctx, seat, signature)))


def test_a_met_campaign_logs_round_one_the_deadline_round_both_reveals_closed_and_destroyed_shares(
        app, client, launched):
    campaign, people, seats = launched
    now = utcnow()
    first = sign(app, client, campaign, ["anthropic", "anthropic", "openai", "openai"])
    tick_at(app, now + timedelta(hours=1))
    # Batch 1: the four entries, then round 1 listing them.
    assert event_names(campaign.id) == [["round-frozen 1"]]
    assert events_by_batch(campaign.id)[0][0]["leaves"] == [0, 1, 2, 3]
    assert lifecycle(campaign).threshold_met

    later = sign(app, client, campaign, ["openai", "anthropic"])
    assert withdraw(client, campaign, first[0]).status_code == 409  # round 1 lists it
    assert withdraw(client, campaign, later[1]).status_code == 202  # in no round yet
    tick_at(app, now + timedelta(hours=2))
    reveal(app, campaign, people, seats, 1)
    assert db.session.scalar(select(func.count()).select_from(PendingEvent)) == 1  # the reveal waits for a batch
    tick_at(app, now + timedelta(hours=3))
    # Batch 2: two entries and a withdrawal, no event; batch 3: only the reveal.
    assert event_names(campaign.id) == [["round-frozen 1"], [], ["round-revealed 1"]]
    stored = reveal_rounds.partials_by_seat(db.session.scalars(select(RoundPartials).where(RoundPartials.round_number == 1)))
    opened = {leaf_of(campaign, signer): signer.opening for signer in first}
    digest = round_digest((i, opened[i], {seat: partials[i] for seat, partials in stored.items()}) for i in range(4))
    assert events_by_batch(campaign.id)[2][0]["digest"] == digest.hex()
    assert lifecycle(campaign).outcome == "revealed"

    # A batch in the deadline's window but stamped before it is an ordinary batch;
    if int(campaign.deadline.timestamp()) % 3600:
        tick_at(app, campaign.deadline + timedelta(seconds=1))
        assert event_names(campaign.id)[-1] == []
    # the first batch stamped at or after the deadline: round 2 lists the one live entry no round lists.
    report = tick_at(app, campaign.deadline + timedelta(hours=1))
    assert any("reveal round 2 frozen" in action for action in report.actions)
    assert event_names(campaign.id)[-1] == ["round-frozen 2"]
    assert events_by_batch(campaign.id)[-1][0]["leaves"] == [leaf_of(campaign, later[0])]
    reveal(app, campaign, people, seats, 2, who=(1, 2))
    closing = tick_at(app, campaign.deadline + timedelta(hours=2))
    assert event_names(campaign.id)[-1] == ["round-revealed 2", "closed"]
    # The close asks every trustee to destroy their share (links from the configured public URL).
    assert sorted(m.to for m in closing.outgoing) == sorted(p.email for p in people)
    for message in closing.outgoing:
        body = " ".join(rendered(app, message).get_content().split())
        assert "is closed: every reveal round is revealed or abandoned" in body
        assert f"--package ceremony-{campaign.slug}.json" in body
        assert f"Your trustee page: {app.config['PUBLIC_URL']}/trustee/" in body
    db.session.refresh(campaign)
    assert campaign.state == CampaignState.CLOSED
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 0
    # At the close, the withdrawn entry (never revealed) loses its opening; the revealed keep theirs.
    kept = {e.nullifier: (e.ciphertext is not None, e.opening is not None) for e in db.session.scalars(select(Entry))}
    assert kept.pop(later[1].nullifier) == (False, False)
    assert set(kept.values()) == {(True, True)}
    heads = db.session.scalar(select(func.count()).select_from(TreeHead))
    assert tick_at(app, campaign.deadline + timedelta(hours=3)).published is False  # nothing waits
    assert db.session.scalar(select(func.count()).select_from(TreeHead)) == heads

    # Two trustees confirm destroying their shares; the next batch logs it.
    with write_intent():
        for k in (2, 0):
            expiry.confirm_destroyed(db.session, campaign, seats[k], destroy_file(campaign, people[k], seats[k].seat),
                                     utcnow())
        db.session.commit()
    tick_at(app, campaign.deadline + timedelta(hours=4))
    assert event_names(campaign.id)[-1] == ["share-destroyed", "share-destroyed"]
    assert [e["trustee"] for e in events_by_batch(campaign.id)[-1]] == [3, 1]

    replay = lifecycle(campaign)
    assert (replay.outcome, replay.threshold_met, sorted(replay.destroyed)) == ("closed", True, [1, 3])
    assert [(r.number, r.status, list(r.leaves)) for r in replay.rounds] == [
        (1, "revealed", [0, 1, 2, 3]), (2, "revealed", [leaf_of(campaign, later[0])])]

    # The export says what the log says.
    before = int(utcnow().timestamp())
    record = json.loads(client.get(f"/api/campaigns/{campaign.slug}/record").get_data())
    assert sorted(record) == ["counts", "ctx", "dkg", "exported_at", "kind", "log", "manifest", "outcome", "rounds", "v"]
    assert before <= record["exported_at"] <= int(utcnow().timestamp())
    assert sorted(record["log"]) == ["heads", "id", "leaves"]
    assert all(sorted(h) == ["batch", "cosignatures", "root", "signature", "size", "timestamp"] and h["cosignatures"] == {}
               for h in record["log"]["heads"])
    assert record["manifest"]["log_key"] == campaign.log_public_key.hex()
    assert record["outcome"] == {"state": "closed", "threshold_met": True}
    assert [(r["number"], r["status"], [e["leaf_index"] for e in r["entries"]]) for r in record["rounds"]] == [
        (1, "revealed", [0, 1, 2, 3]), (2, "revealed", [leaf_of(campaign, later[0])])]
    assert replayed_record(record).outcome == "closed"
    opening_at = {leaf_of(campaign, signer): signer.opening for signer in first + later}
    for rnd, event in zip(record["rounds"], ("round-revealed 1", "round-revealed 2"), strict=True):
        published = next(e for batch in events_by_batch(campaign.id) for e in batch
                         if f"{e['event']} {e.get('round')}" == event)
        assert published["digest"] == round_digest(
            (e["leaf_index"], opening_at[e["leaf_index"]], {int(j): bytes.fromhex(p) for j, p in e["partials"].items()})
            for e in rnd["entries"]).hex()


def test_signing_ends_without_a_deadline_round_and_nothing_is_withdrawn_after_it(app, client, launched):
    campaign, people, seats = launched
    with write_intent():
        campaign.deadline = utcnow() + timedelta(days=2)  # within round 1's reveal window
        db.session.commit()
    signers = sign(app, client, campaign, ["anthropic", "anthropic", "openai", "openai", "openai"])
    assert withdraw(client, campaign, signers[4]).status_code == 202
    tick_at(app, utcnow() + timedelta(hours=1))
    # The withdrawal is out before the event, which lists the four live entries only.
    assert events_by_batch(campaign.id)[0][0]["leaves"] == sorted(leaf_of(campaign, s) for s in signers[:4])
    withdrawn = db.session.scalar(select(Entry).where(Entry.nullifier == signers[4].nullifier))
    assert withdrawn.ciphertext is None and withdrawn.opening is not None  # kept, sealed, until the campaign ends
    tick_at(app, campaign.deadline + timedelta(hours=1))
    assert event_names(campaign.id)[-1] == ["signing-ended"]
    assert lifecycle(campaign).signing_ended
    # After the deadline event the log takes no withdrawal, and a batch comes only for an event.
    refused = withdraw(client, campaign, signers[0])
    assert refused.status_code == 410 and "deadline event" in refused.get_json()["message"]
    assert tick_at(app, campaign.deadline + timedelta(hours=2)).published is False
    reveal(app, campaign, people, seats, 1)
    # The next tick publishes the waiting event at once, in the window the last tick already saw.
    tick_at(app, campaign.deadline + timedelta(hours=2, seconds=30))
    assert event_names(campaign.id)[-1] == ["round-revealed 1", "closed"]
    assert lifecycle(campaign).outcome == "closed"
    db.session.rollback()
    assert db.session.scalar(select(Entry.opening).where(Entry.nullifier == signers[4].nullifier)) is None


def test_a_round_not_revealed_in_its_window_is_abandoned_and_its_ciphertexts_deleted(app, client, launched):
    campaign, people, seats = launched
    with write_intent():
        campaign.reveal_window_seconds = 3 * 3600
        db.session.commit()
    now = utcnow()
    sign(app, client, campaign, ["anthropic", "anthropic", "openai", "openai"])
    tick_at(app, now + timedelta(hours=1))
    frozen_at = db.session.scalar(select(TreeHead.timestamp).where(TreeHead.batch == 1))
    tick_at(app, now + timedelta(hours=2))
    assert event_names(campaign.id) == [["round-frozen 1"], []]
    report = tick_at(app, datetime.fromtimestamp(frozen_at + 3 * 3600, UTC))
    assert event_names(campaign.id)[-1] == ["round-abandoned 1"]
    assert any("not revealed in time" in action for action in report.actions) and report.deleted
    # Before the deadline: the trustees and the organizer learn the round is gone and signing goes on.
    assert sorted(m.to for m in report.outgoing) == sorted([campaign.organizer.email, *(p.email for p in people)])
    for message in report.outgoing:
        body = " ".join(rendered(app, message).get_content().split())
        assert "(frozen " in body and "4 sealed signatures) was not revealed within the campaign's reveal window of 3 hours" \
            in body
        assert "The campaign is not over. It takes signatures until its deadline" in body
        assert "destroy your share" not in body
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.ciphertext.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Entry).where(Entry.opening.is_not(None))) == 0
    page = " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())
    assert "not revealed within the reveal window; its sealed signatures are deleted" in page
    assert "Round 1 was abandoned unrevealed (its reveal window ended); a signature made now is not in it." in page
    with pytest.raises(RevealError, match="abandoned"):
        reveal_rounds.submit_partials(db.session, campaign, seats[0], 1, b"{}", utcnow())
    db.session.rollback()
    tick_at(app, campaign.deadline + timedelta(hours=1))
    assert event_names(campaign.id)[-1] == ["signing-ended", "closed"]
    replay = lifecycle(campaign)
    assert (replay.outcome, [r.status for r in replay.rounds]) == ("closed", ["abandoned"])
    record = json.loads(client.get(f"/api/campaigns/{campaign.slug}/record").get_data())
    assert record["rounds"] == [{"number": 1, "status": "abandoned", "entries": []}]


def test_two_batches_in_one_window_get_strictly_increasing_timestamps(app, client, launched):
    campaign, _, _ = launched
    sign(app, client, campaign, ["anthropic"])
    at = utcnow() + timedelta(hours=1)
    tick_at(app, at)  # the tick's batch at the window's start,
    sign(app, client, campaign, ["openai"])
    with write_intent():  # then one at once (dev publish-now), in the same window
        second = batches.publish_batch(db.session, campaign, at + timedelta(seconds=5), app.config["LOG_KEY_SECRET"])
        third = batches.publish_batch(db.session, campaign, at + timedelta(seconds=6), app.config["LOG_KEY_SECRET"])
        db.session.commit()
    stamps = list(db.session.scalars(select(TreeHead.timestamp).order_by(TreeHead.batch)))
    window = int(at.timestamp()) - int(at.timestamp()) % 3600
    assert stamps == [window, window + 1, window + 2] == [stamps[0], second.timestamp, third.timestamp]
    assert lifecycle(campaign).batch == 3
    # The tick of the next window publishes as usual, later than all of them.
    tick_at(app, at + timedelta(hours=1))
    assert db.session.scalar(select(TreeHead.timestamp).where(TreeHead.batch == 4)) == window + 3600


def test_no_batch_signs_the_deadline_event_before_the_deadline(app, client, launched):
    campaign, _, _ = launched
    start = datetime.fromtimestamp((int(utcnow().timestamp()) // 3600 + 1) * 3600, UTC)  # a window's first second
    with write_intent():
        batches.publish_batch(db.session, campaign, start, app.config["LOG_KEY_SECRET"])
        campaign.deadline = start + timedelta(seconds=1)
        db.session.commit()
    # A second batch in this window would be stamped start + 1 = the deadline, while it is not yet the deadline.
    assert batches.publishable(db.session, campaign, start) is False
    assert batches.batch_due(db.session, campaign, start + timedelta(hours=1)) is True
    tick_at(app, start + timedelta(hours=1))
    assert event_names(campaign.id) == [[], ["expired"]]


def partials_with(campaign, person, seat, change) -> bytes:
    """A real partials file for round 1 with its list of records changed by ``change``."""
    doc = json.loads(partials_file(campaign, person, seat, 1))
    doc["partials"] = change(doc["partials"])
    return canonical_json(doc)


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda records: records + [records[1]], "lists leaf 1 twice"),
        # The duplicate carries another record, as an attacker would send: still refused.
        (lambda records: records + [{**records[2], "partial": records[3]["partial"]}], "lists leaf 2 twice"),
        (lambda records: records + [{**records[0], "leaf_index": 4}], "lists leaf 4, which is not an entry of round 1"),
        (lambda records: records[:-1], "leaf 3 is missing"),
    ],
)
def test_a_partials_upload_outside_the_round_is_refused_with_the_reason_and_nothing_is_stored(
        app, client, launched, change, reason):
    campaign, people, seats = launched
    sign(app, client, campaign, ["anthropic", "anthropic", "openai", "openai"])
    tick_at(app, utcnow() + timedelta(hours=1))  # round 1: leaves 0..3; leaf 4 is its event
    body = partials_with(campaign, people[0], seats[0], change)
    page = client.get("/login").get_data(as_text=True)
    assert client.post("/login", data={"email": people[0].email, "password": "long enough pw",
                                       "csrf_token": csrf_from(page)}).status_code == 302
    dashboard = client.get("/trustee/").get_data(as_text=True)
    response = client.post(f"/trustee/campaigns/{campaign.id}/rounds/1/partials",
                           data={"file": (io.BytesIO(body), "partials.json"), "csrf_token": csrf_from(dashboard)},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert reason in " ".join(response.get_data(as_text=True).split())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RoundPartials)) == 0
    # The same trustee's honest file is then accepted.
    with write_intent():
        assert reveal_rounds.submit_partials(db.session, campaign, seats[0], 1,
                                             partials_file(campaign, people[0], seats[0], 1), utcnow()) is False
        db.session.commit()


def test_the_round_package_gives_ciphertexts_for_exactly_the_frozen_event_s_entries(app, client, launched):
    campaign, _, _ = launched
    signers = sign(app, client, campaign, ["anthropic", "anthropic", "openai", "openai"])
    tick_at(app, utcnow() + timedelta(hours=1))
    sign(app, client, campaign, ["openai"])
    tick_at(app, utcnow() + timedelta(hours=2))
    package = roundfile.parse_round(json_doc(reveal_rounds.round_package(db.session, campaign, 1)))
    listed = events_by_batch(campaign.id)[0][0]["leaves"]
    assert [leaf.index for leaf in package.leaves if leaf.ciphertext is not None] == listed
    assert package.head.size == 5 and len(package.leaves) == 5  # the round's head: its event included
    assert sorted(leaf_of(campaign, s) for s in signers) == listed


def json_doc(data: bytes):
    from crypto.formats.files import parse_document

    return parse_document(data, "round", {"round"})


def test_the_round_revealed_digest_covers_each_opening_whatever_the_order():
    """The round-revealed digest hashes each entry's leaf index, opening and partials; the order
    the entries and partials come in does not matter, and a changed opening changes it."""
    first = Opening("anthropic", b"\x01" * 40, b"\x02" * 256, b"\x03" * 32)
    second = Opening("openai", b"\x04" * 40, b"\x05" * 256, b"\x06" * 32)
    entries = [(10, second, {2: b"\x33" * 96}), (3, first, {2: b"\x22" * 96, 1: b"\x11" * 96})]
    digest = round_digest(entries)
    assert round_digest([(3, first, {1: b"\x11" * 96, 2: b"\x22" * 96}), (10, second, {2: b"\x33" * 96})]) == digest
    other_lab = Opening("meta", first.prepared_message, first.token_signature, first.nonce)
    assert round_digest([(10, second, {2: b"\x33" * 96}), (3, other_lab, {2: b"\x22" * 96, 1: b"\x11" * 96})]) != digest


def _kept(campaign) -> tuple[int, int]:
    db.session.rollback()
    rows = db.session.scalars(select(Entry).where(Entry.campaign_id == campaign.id)).all()
    return sum(e.ciphertext is not None for e in rows), sum(e.opening is not None for e in rows)


def test_an_expiry_keeps_the_openings_until_every_trustee_confirmed_destroying_their_share(app, client, launched):
    campaign, people, seats = launched
    signers = sign(app, client, campaign, ["anthropic", "openai", "openai"])  # the rule wants 4
    assert withdraw(client, campaign, signers[2]).status_code == 202
    tick_at(app, campaign.deadline + timedelta(hours=1))
    assert event_names(campaign.id)[-1] == ["expired"]
    # The ciphertexts go at once; the openings stay (sealed) for the trustees' check of the expiry,
    # the withdrawn entry's included.
    assert _kept(campaign) == (0, 3)
    with write_intent():
        for k in (0, 1):
            expiry.confirm_destroyed(db.session, campaign, seats[k], destroy_file(campaign, people[k], seats[k].seat),
                                     utcnow())
        db.session.commit()
    tick_at(app, campaign.deadline + timedelta(hours=2))
    assert _kept(campaign) == (0, 3)  # two of three trustees: not yet
    with write_intent():
        expiry.confirm_destroyed(db.session, campaign, seats[2], destroy_file(campaign, people[2], seats[2].seat),
                                 utcnow())
        db.session.commit()
    report = tick_at(app, campaign.deadline + timedelta(hours=3))
    assert any("openings kept for the trustees' check" in action for action in report.actions) and report.deleted
    assert _kept(campaign) == (0, 0)


def test_an_expiry_s_openings_go_after_the_reveal_window_whoever_confirmed(app, client, launched):
    campaign, _, _ = launched
    sign(app, client, campaign, ["anthropic", "openai"])
    tick_at(app, campaign.deadline + timedelta(hours=1))
    expired_at = db.session.scalar(select(TreeHead.timestamp).order_by(TreeHead.batch.desc()).limit(1))
    window = campaign.reveal_window_seconds
    assert tick_at(app, datetime.fromtimestamp(expired_at + window - 60, UTC)).deleted is False
    assert _kept(campaign) == (0, 2)
    assert tick_at(app, datetime.fromtimestamp(expired_at + window, UTC)).deleted is True
    assert _kept(campaign) == (0, 0)
