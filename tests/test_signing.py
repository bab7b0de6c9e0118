"""Submitting sealed signatures, batches, receipts, withdrawal and threshold detection."""

import copy
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from crypto import merkle
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Entry, LogLeaf, RevealRound, SpentToken, TreeHead, utcnow
from tests import dbkit
from tests.kit.ticks import publish_due
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def campaign(make_open_campaign):
    return make_open_campaign(title="Alpha", lab_slugs=("anthropic", "openai", "meta"), min_total=30, min_per_lab=8,
                              min_labs=3, batch_interval_seconds=3600)


def signer(app, campaign, lab="anthropic", **kw):
    return Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"], **kw)


def submit(client, campaign, body):
    return client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(body), headers=JSON)


def counts(client, campaign):
    """The public total and, per lab, only whether it reached the per-lab minimum."""
    data = client.get(f"/api/campaigns/{campaign.slug}").get_json()
    assert all(set(lab) == {"slug", "name", "reached"} for lab in data["labs"])  # no per-lab number
    return data["total"], {lab["slug"]: lab["reached"] for lab in data["labs"]}


def receipt_of(client, campaign, leaf_hash: bytes) -> dict:
    return client.get(f"/api/campaigns/{campaign.slug}/receipts/{leaf_hash.hex()}").get_json()


def stored():
    return (db.session.scalar(select(func.count()).select_from(Entry)),
            db.session.scalar(select(func.count()).select_from(SpentToken)))


def test_a_valid_signature_is_stored_pending_and_returns_a_receipt(app, client, campaign):
    alice = signer(app, campaign)
    response = submit(client, campaign, alice.body())
    assert response.status_code == 201, response.get_json()
    receipt = response.get_json()["receipt"]
    assert receipt["nullifier"] == alice.nullifier.hex() and receipt["campaign"] == campaign.public_id
    assert "Set-Cookie" not in response.headers
    status = client.get(f"/api/campaigns/{campaign.slug}/receipts/{receipt['leaf_hash']}").get_json()
    assert status == {"status": "pending"}
    assert stored() == (1, 1)
    # The server logs the leaf the signer's client computed, and keeps the opening like the ciphertext.
    entry = db.session.scalar(select(Entry))
    assert entry.leaf == alice.leaf(entry.ciphertext) and receipt["leaf_hash"] == merkle.leaf_hash(entry.leaf).hex()
    assert json.loads(entry.opening) == alice.opening_body()
    assert b"anthropic" not in entry.leaf and alice.prepared.hex().encode() not in entry.leaf


def test_an_opening_that_names_another_lab_than_its_token_is_refused(app, client, campaign):
    alice = signer(app, campaign)  # an anthropic token
    body = alice.body()
    body["opening"]["slug"] = "openai"
    response = submit(client, campaign, body)
    assert response.status_code == 400 and response.get_json()["error"] == "bad_opening"
    assert "lab other than its token" in response.get_json()["message"]
    # A token of another lab in an opening that names this one: the token's lab decides, and differs.
    bob = signer(app, campaign, "meta")
    body = bob.body()
    body["opening"]["slug"] = "anthropic"
    assert submit(client, campaign, body).get_json()["error"] == "bad_opening"
    assert stored() == (0, 0)


def test_refused_submissions_are_counted_nowhere(app, client, campaign, make_open_campaign):
    alice = signer(app, campaign)
    assert submit(client, campaign, alice.body()).status_code == 201
    before = stored()

    replay = submit(client, campaign, alice.body())
    assert replay.status_code == 409 and replay.get_json()["error"] == "token_used"

    forged = signer(app, campaign, "openai")
    body = forged.body()
    signature = body["opening"]["token_signature"]
    body["opening"]["token_signature"] = ("00" if signature[:2] != "00" else "01") + signature[2:]
    assert submit(client, campaign, body).get_json()["error"] == "token_refused"

    flipped = signer(app, campaign, "meta")
    ciphertext = bytearray(flipped.ciphertext())
    ciphertext[500] ^= 0x01
    response = submit(client, campaign, flipped.body(bytes(ciphertext)))
    assert response.status_code == 422 and response.get_json()["error"] == "bad_ciphertext"

    # Someone who knows alice's r seals a new payload under the same R for their own token.
    bob = signer(app, campaign, "openai")
    alice_r = b"\x05" + bytes(31)
    carol = signer(app, campaign, "openai")
    assert submit(client, campaign, carol.body(carol.ciphertext(r=alice_r))).status_code == 201
    before = stored()
    reused = submit(client, campaign, bob.body(bob.ciphertext(r=alice_r)))
    assert reused.status_code == 409 and reused.get_json()["error"] == "duplicate_ciphertext"

    other = make_open_campaign(title="Other", lab_slugs=("anthropic",))
    stranger = Signer(other, "anthropic", app.config["TOKEN_KEY_SECRET"])
    response = submit(client, campaign, stranger.body(stranger.ciphertext()))
    assert response.status_code == 403 and "another campaign" in response.get_json()["message"]

    assert stored() == before
    publish_due(app)
    assert counts(client, campaign)[0] == 2


@pytest.mark.parametrize("mutate, error", [
    (lambda b: b.pop("withdrawal_key"), "bad_request"),
    (lambda b: b.update(ciphertext="zz"), "bad_request"),
    (lambda b: b.update(ciphertext=b["ciphertext"][:-2]), "bad_request"),
    (lambda b: b.update(withdrawal_key="00" * 32), "bad_request"),
    (lambda b: b["opening"].update(prepared_message="00" * 40), "token_refused"),
    (lambda b: b.update(token={}), "bad_request"),
    (lambda b: b.pop("opening"), "bad_request"),
    (lambda b: b["opening"].pop("nonce"), "bad_request"),
    (lambda b: b["opening"].update(extra="00"), "bad_request"),
    (lambda b: b["opening"].update(nonce="00" * 31), "bad_request"),
    (lambda b: b["opening"].update(slug=7), "bad_request"),
    (lambda b: b["opening"].update(slug="Not A Slug"), "bad_opening"),
    (lambda b: b["opening"].update(token_signature=""), "bad_request"),
])


def test_malformed_submissions_get_clear_errors(app, client, campaign, mutate, error):
    body = signer(app, campaign).body()
    mutate(body)
    response = submit(client, campaign, body)
    assert response.get_json()["error"] == error and response.status_code in (400, 403)
    assert stored() == (0, 0)


def _spaced_upper(hex_text: str) -> str:
    """The same bytes written as ``"AB cd…"``: upper case and a space, which bytes.fromhex takes."""
    return hex_text[:2].upper() + " " + hex_text[2:]


def _spaced_lower(hex_text: str) -> str:
    """Lowercase hex with a space between two bytes and one at the end: still not plain hex."""
    return hex_text[:2] + " " + hex_text[2:] + " "


@pytest.mark.parametrize("field", ["ciphertext", "withdrawal_key", "opening.prepared_message", "opening.token_signature",
                                   "opening.nonce"])
def test_hex_fields_refuse_anything_but_plain_lowercase_hex(app, client, campaign, field):
    body = signer(app, campaign).body()
    for loosen in (_spaced_upper, str.upper, _spaced_lower):
        loose = copy.deepcopy(body)
        holder = loose["opening"] if field.startswith("opening.") else loose
        key = field.removeprefix("opening.")
        holder[key] = loosen(holder[key])
        response = submit(client, campaign, loose)
        assert response.status_code == 400
        assert response.get_json() == {"error": "bad_request", "message": f"{field} is not hex."}
    assert stored() == (0, 0)
    assert submit(client, campaign, body).status_code == 201  # the same body in lowercase is taken


def test_a_withdrawal_refuses_loose_hex(app, client, campaign):
    person = signer(app, campaign)
    submit(client, campaign, person.body())
    withdrawal = person.withdrawal()
    loose = dict(withdrawal, nullifier=_spaced_upper(withdrawal["nullifier"]))
    response = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(loose), headers=JSON)
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "message": "nullifier is not hex."}
    assert db.session.scalar(select(Entry.ciphertext).where(Entry.nullifier == person.nullifier)) is not None


def test_batches_publish_shuffled_leaves_a_signed_head_and_counts(app, client, campaign):
    people = [signer(app, campaign, lab) for lab in ("anthropic", "anthropic", "openai", "meta", "meta", "meta")]
    receipts = [submit(client, campaign, p.body()).get_json()["receipt"] for p in people]
    assert counts(client, campaign)[0] == 0  # nothing counts until the batch
    published = publish_due(app)
    assert [(p.batch, p.entries) for p in published] == [(1, 6)]
    assert publish_due(app) == []  # idempotent within the same interval
    head = client.get(f"/api/campaigns/{campaign.slug}/log/head").get_json()
    assert head["size"] == 6 and head["timestamp"] % 3600 == 0
    merkle.verify_tree_head(bytes.fromhex(head["log_public_key"]), bytes.fromhex(head["log_id"]), head["size"],
                            head["timestamp"], bytes.fromhex(head["root"]), bytes.fromhex(head["signature"]))
    for receipt in receipts:
        status = client.get(f"/api/campaigns/{campaign.slug}/receipts/{receipt['leaf_hash']}").get_json()
        assert status["status"] == "published"
        merkle.verify_inclusion(bytes.fromhex(receipt["leaf_hash"]), status["index"], status["head"]["size"],
                                [bytes.fromhex(p) for p in status["proof"]], bytes.fromhex(status["head"]["root"]))
    total, labs = counts(client, campaign)
    assert total == 6 and labs == {"anthropic": False, "openai": False, "meta": False}  # all below 8
    assert db.session.scalar(select(func.count()).select_from(LogLeaf)) == 6


def test_withdrawal_deletes_the_ciphertext_and_the_count_drops_next_batch(app, client, campaign):
    people = [signer(app, campaign, "anthropic") for _ in range(8)]
    for person in people:
        submit(client, campaign, person.body())
    publish_due(app)
    assert counts(client, campaign) == (8, {"anthropic": True, "openai": False, "meta": False})
    entry = db.session.scalar(select(Entry).where(Entry.nullifier == people[0].nullifier))
    leaf_hash = entry.leaf_hash
    published = receipt_of(client, campaign, leaf_hash)
    assert published["status"] == "published"
    response = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(people[0].withdrawal()), headers=JSON)
    assert response.status_code == 202
    db.session.refresh(entry)
    assert entry.ciphertext is None and entry.opening is not None  # the opening stays until the campaign ends
    # Polled between the withdrawal and its batch, the receipt says exactly what it said before.
    assert receipt_of(client, campaign, leaf_hash) == published
    again = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(people[0].withdrawal()), headers=JSON)
    assert again.status_code == 409
    assert receipt_of(client, campaign, leaf_hash) == published
    forged = dict(people[1].withdrawal(), signature=people[2].withdrawal()["signature"])
    assert client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(forged), headers=JSON).status_code == 403
    assert counts(client, campaign) == (8, {"anthropic": True, "openai": False, "meta": False})  # until the next batch
    publish_due(app, hours=2)
    assert counts(client, campaign) == (7, {"anthropic": False, "openai": False, "meta": False})
    status = receipt_of(client, campaign, leaf_hash)
    assert status["status"] == "withdrawn" and status["withdrawal_index"] == 8
    assert set(status) == {"status", "index", "head", "proof", "withdrawal_index"}


def test_a_pending_entry_withdrawn_before_its_batch_reads_pending_until_the_batch(app, client, campaign):
    person = signer(app, campaign, "anthropic")
    leaf_hash = bytes.fromhex(submit(client, campaign, person.body()).get_json()["receipt"]["leaf_hash"])
    response = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(person.withdrawal()), headers=JSON)
    assert response.status_code == 202
    assert receipt_of(client, campaign, leaf_hash) == {"status": "pending"}
    publish_due(app)
    status = receipt_of(client, campaign, leaf_hash)
    assert (status["status"], status["index"], status["withdrawal_index"]) == ("withdrawn", 0, 1)


def test_threshold_freezes_exactly_one_round(app, client, campaign):
    labs = ["anthropic"] * 12 + ["openai"] * 10 + ["meta"] * 8
    for lab in labs[:-1]:
        submit(client, campaign, signer(app, campaign, lab).body())
    assert publish_due(app)[0].round_frozen is None  # 29 < 30
    submit(client, campaign, signer(app, campaign, labs[-1]).body())
    published = publish_due(app, hours=2)
    assert published[0].round_frozen is not None
    round_ = db.session.scalar(select(RevealRound))
    # The head of the freezing batch holds the 30 entries and, after them, the round-frozen event.
    assert (round_.number, round_.size) == (1, 31)
    event = json.loads(db.session.scalar(select(LogLeaf.leaf).where(LogLeaf.leaf_index == 30)))
    assert (event["event"], event["round"], event["leaves"]) == ("round-frozen", 1, list(range(30)))
    submit(client, campaign, signer(app, campaign, "meta").body())
    publish_due(app, hours=3)
    assert db.session.scalar(select(func.count()).select_from(RevealRound)) == 1
    assert db.session.scalar(select(TreeHead.size).order_by(TreeHead.batch.desc()).limit(1)) == 32


def test_closed_campaigns_refuse_signatures(app, client, make_open_campaign):
    campaign = make_open_campaign(title="Past")
    person = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"])
    campaign.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert submit(client, campaign, person.body()).status_code == 410


def test_withdrawal_is_refused_once_its_round_is_revealed(app, client, campaign):
    people = [signer(app, campaign, "anthropic") for _ in range(2)]
    for person in people:
        submit(client, campaign, person.body())
    publish_due(app)
    with write_intent():
        # As a round-frozen event listing both entries leaves the database.
        db.session.add(RevealRound(campaign_id=campaign.id, number=1, batch=1, size=2, frozen_at=utcnow(),
                                   revealed_at=utcnow()))
        db.session.execute(update(Entry).where(Entry.campaign_id == campaign.id).values(frozen_round=1))
        db.session.commit()
    response = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(people[0].withdrawal()), headers=JSON)
    assert response.status_code == 409 and response.get_json()["error"] == "revealed"
    assert "cannot be withdrawn" in response.get_json()["message"]
    db.session.rollback()
    assert db.session.scalar(select(Entry).where(Entry.nullifier == people[0].nullifier)).ciphertext is not None


@dbkit.sqlite_only
def test_a_withdrawn_ciphertext_is_gone_from_the_database_files_at_once(app, client, campaign):
    person = signer(app, campaign, "anthropic")
    ciphertext = person.ciphertext()
    submit(client, campaign, person.body(ciphertext))
    assert ciphertext[200:264] in dbkit.stored_bytes(app)  # the search can find it
    db.session.rollback()  # the test holds no read snapshot that would pin the WAL
    response = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(person.withdrawal()), headers=JSON)
    assert response.status_code == 202
    db.session.rollback()
    stored = dbkit.stored_bytes(app)
    for start in range(96, len(ciphertext) - 64, 64):
        assert ciphertext[start:start + 64] not in stored


@dbkit.postgresql_only
def test_a_withdrawn_ciphertext_leaves_the_table_files_at_the_next_compaction(app, client, campaign):
    # PostgreSQL has no secure_delete: the dead row stays in the table's pages until tick rewrites
    # the table (CLUSTER); the write-ahead log keeps it until its segments are recycled
    # (docs/threat-model.md).
    person = signer(app, campaign, "anthropic")
    ciphertext = person.ciphertext()
    submit(client, campaign, person.body(ciphertext))
    assert ciphertext[200:264] in dbkit.stored_bytes(app, wal=False)  # the search can find it
    db.session.rollback()
    response = client.post(f"/api/campaigns/{campaign.slug}/withdrawals", data=json.dumps(person.withdrawal()), headers=JSON)
    assert response.status_code == 202
    db.session.remove()
    from pledge.database import compact_database

    compact_database()
    stored = dbkit.stored_bytes(app, wal=False)
    for start in range(96, len(ciphertext) - 64, 64):
        assert ciphertext[start:start + 64] not in stored


def test_resending_the_same_submission_returns_the_same_receipt_and_adds_nothing(app, client, campaign):
    person = signer(app, campaign, "anthropic")
    body = person.body()
    first = submit(client, campaign, body)
    again = submit(client, campaign, body)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert stored() == (1, 1)
    resealed = submit(client, campaign, person.body())
    assert resealed.status_code == 409 and resealed.get_json()["error"] == "token_used"
