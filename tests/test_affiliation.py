"""Private affiliation over HTTP: codes, caps, tickets and blind tokens (docs/affiliation-api.md)."""

import json
import random
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, inspect, select, text

from crypto import blindrsa
from pledge.database import compact_database
from pledge.extensions import db
from pledge.models import CampaignState, IssuanceCount, Role, TokenIssuance, VerificationCode
from pledge.services.affiliation import InvalidAddress, normalize_address
from tests import dbkit
from tests.kit.forms import csrf_from
from tests.mailsink import MailSink

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def sink(app, tmp_path):
    server = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = server.port
    yield server
    server.stop()


@pytest.fixture
def campaigns(make_open_campaign, make_campaign):
    """Two open campaigns that accept Anthropic, one that does not, and a draft that does."""
    a = make_open_campaign(title="Alpha", lab_slugs=("anthropic", "openai"))
    b = make_open_campaign(title="Beta", lab_slugs=("anthropic", "meta"))
    make_open_campaign(title="Gamma", lab_slugs=("openai", "meta"))
    make_campaign(title="Draft", state=CampaignState.DRAFT, lab_slugs=("anthropic",))
    return a, b


def post(client, path, body):
    return client.post(path, data=json.dumps(body), headers=JSON)


def code_for(sink, address):
    message = sink.wait_for(normalize_address(address), "verification code")
    return re.search(r"\b(\d{8})\b", message.body).group(1)


def verified_ticket(client, sink, address):
    assert post(client, "/api/verify/start", {"email": address}).status_code == 200
    response = post(client, "/api/verify/check", {"email": address, "code": code_for(sink, address)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def blind_requests(client, ticket):
    """Do the client's half: fetch manifests, check ctx, blind one message per campaign."""
    from crypto.hashing import H, canonical_json

    pending = {}
    for campaign in ticket["campaigns"]:
        doc = client.get(campaign["manifest_url"]).get_json()
        assert H("manifest", canonical_json(doc["manifest"]), n=32).hex() == doc["ctx"]
        lab = next(lab for lab in doc["manifest"]["labs"] if lab["slug"] == ticket["lab"]["slug"])
        key = blindrsa.load_public_key(bytes.fromhex(lab["token_public_key"]))
        prepared = blindrsa.prepare(blindrsa.token_message(campaign["id"].encode("ascii"), ticket["lab"]["slug"]))
        blinded, inv = blindrsa.blind(key, prepared)
        pending[campaign["id"]] = (key, prepared, blinded, inv)
    return pending


def issue(client, ticket, pending):
    return post(client, "/api/verify/issue", {
        "ticket": ticket["ticket"],
        "requests": [{"campaign": cid, "blinded": p[2].hex()} for cid, p in pending.items()],
    })


@pytest.mark.parametrize("raw, expected", [
    ("  Ada.Lovelace+pledge@Anthropic.COM ", "ada.lovelace@anthropic.com"),
    ("ada@bücher.example", "ada@xn--bcher-kva.example"),
    ("ada@anthropic.com.", "ada@anthropic.com"),
])
def test_addresses_are_normalised(raw, expected):
    assert normalize_address(raw) == expected


@pytest.mark.parametrize("raw", ["ada@anthropic.com\r\nBcc: x@y.z", "ada\n@anthropic.com", "ada@anthropic.com\0", "no-at-sign",
                                 "a b@anthropic.com", "@anthropic.com", "ada@", "ada@localhost", 42, None, "x" * 400])
def test_malformed_addresses_are_refused(raw):
    with pytest.raises(InvalidAddress):
        normalize_address(raw)


def test_start_refuses_other_domains_and_bad_input_with_clear_errors(client, campaigns):
    unknown = post(client, "/api/verify/start", {"email": "ada@example.org"})
    assert unknown.status_code == 422 and "not eligible" in unknown.get_json()["message"]
    assert post(client, "/api/verify/start", {"email": "ada@anthropic.com\r\nBcc: x@y"}).status_code == 400
    assert client.post("/api/verify/start", data={"email": "ada@anthropic.com"}).status_code == 415
    assert db.session.scalar(select(func.count()).select_from(VerificationCode)) == 0


def test_the_code_email_is_neutral(client, sink, campaigns):
    post(client, "/api/verify/start", {"email": "ada+x@anthropic.com"})
    message = sink.wait_for("ada@anthropic.com", "verification code")
    assert message.subject == "Your verification code"
    assert message.sender == "Pledge <no-reply@pledge.invalid>"
    for campaign in campaigns:
        assert campaign.title not in message.body and campaign.slug not in message.body
    assert "http" not in message.body
    assert re.search(r"\b\d{8}\b", message.body)


def test_new_capped_and_known_addresses_get_byte_identical_answers(client, sink, campaigns):
    def start(address):
        response = post(client, "/api/verify/start", {"email": address})
        return response.status_code, response.get_data(), response.headers.get("Set-Cookie")

    new = start("new@anthropic.com")
    # A known address: it verified and received tokens before.
    ticket = verified_ticket(client, sink, "known@anthropic.com")
    assert issue(client, ticket, blind_requests(client, ticket)).status_code == 200
    known = start("known@anthropic.com")
    for _ in range(3):
        start("capped@anthropic.com")
    capped = start("capped@anthropic.com")
    assert new == known == capped
    assert new[0] == 200 and new[2] is None
    # The capped address was not sent a fourth code.
    assert len(sink.messages("capped@anthropic.com")) == 3


def test_a_correct_code_gives_a_ticket_for_every_open_campaign_of_the_lab(client, sink, campaigns):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    assert ticket["lab"] == {"slug": "anthropic", "name": "Anthropic"}
    assert sorted(c["title"] for c in ticket["campaigns"]) == ["Alpha", "Beta"]
    assert all(c["manifest_url"] == f"/api/campaigns/{c['slug']}/manifest" for c in ticket["campaigns"])


def test_codes_are_single_use_expire_and_allow_five_guesses(app, client, sink, campaigns):
    post(client, "/api/verify/start", {"email": "ada@anthropic.com"})
    code = code_for(sink, "ada@anthropic.com")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(5):
        assert post(client, "/api/verify/check", {"email": "ada@anthropic.com",
                                                  "code": wrong}).get_json()["error"] == "wrong_code"
    # Out of attempts: even the right code is refused now.
    assert post(client, "/api/verify/check", {"email": "ada@anthropic.com", "code": code}).status_code == 400

    post(client, "/api/verify/start", {"email": "bo@anthropic.com"})
    code = code_for(sink, "bo@anthropic.com")
    assert post(client, "/api/verify/check", {"email": "bo@anthropic.com", "code": code}).status_code == 200
    reused = post(client, "/api/verify/check", {"email": "bo@anthropic.com", "code": code})
    assert reused.status_code == 400 and reused.get_json()["error"] == "wrong_code"

    post(client, "/api/verify/start", {"email": "cy@anthropic.com"})
    code = code_for(sink, "cy@anthropic.com")
    db.session.execute(text("UPDATE verification_codes SET expires_at = '2000-01-01 00:00:00'"))
    db.session.commit()
    assert post(client, "/api/verify/check", {"email": "cy@anthropic.com", "code": code}).status_code == 400
    assert post(client, "/api/verify/check", {"email": "cy@anthropic.com", "code": "12"}).get_json()["error"] == "invalid_code"


def test_a_new_code_replaces_the_previous_one(client, sink, campaigns):
    post(client, "/api/verify/start", {"email": "ada@anthropic.com"})
    first = code_for(sink, "ada@anthropic.com")
    post(client, "/api/verify/start", {"email": "ada@anthropic.com"})
    messages = sink.messages("ada@anthropic.com")
    second = re.search(r"\b(\d{8})\b", messages[-1].body).group(1)
    if first != second:
        assert post(client, "/api/verify/check", {"email": "ada@anthropic.com", "code": first}).status_code == 400
    assert post(client, "/api/verify/check", {"email": "ada@anthropic.com", "code": second}).status_code == 200


def test_a_thousand_concurrent_wrong_guesses_evaluate_at_most_five(app, sink, campaigns):
    import urllib.error
    import urllib.request

    from tests.browser import live_server

    client = app.test_client()
    post(client, "/api/verify/start", {"email": "target@anthropic.com"})
    code = code_for(sink, "target@anthropic.com")
    guesses = [f"{(int(code) + 1 + i) % 10**8:08d}" for i in range(1000)]

    with live_server(app) as url:
        def guess(value):
            request = urllib.request.Request(f"{url}/api/verify/check", method="POST", headers=JSON,
                                             data=json.dumps({"email": "target@anthropic.com", "code": value}).encode())
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        with ThreadPoolExecutor(max_workers=100) as pool:
            statuses = list(pool.map(guess, guesses))
    assert statuses.count(400) == 1000
    db.session.rollback()
    row = db.session.scalar(select(VerificationCode).where(VerificationCode.consumed.is_(False)))
    assert row.attempts == 5
    assert post(client, "/api/verify/check", {"email": "target@anthropic.com", "code": code}).status_code == 400


def test_tokens_are_issued_once_per_address_and_campaign_and_verify(client, sink, campaigns):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    pending = blind_requests(client, ticket)
    response = issue(client, ticket, pending)
    assert response.status_code == 200
    body = response.get_json()
    assert body["already_issued"] == []
    for item in body["signatures"]:
        key, prepared, _, inv = pending[item["campaign"]]
        signature = blindrsa.finalize(key, prepared, bytes.fromhex(item["blind_signature"]), inv)
        blindrsa.verify(key, prepared, signature)
    # The ticket is spent.
    assert issue(client, ticket, pending).get_json()["error"] == "ticket_invalid"
    # Verifying again works, but the tokens are not issued twice.
    again = verified_ticket(client, sink, "ada+again@anthropic.com")
    refused = issue(client, again, blind_requests(client, again))
    assert refused.status_code == 409
    assert "already received its tokens" in refused.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 2


def test_issuance_must_cover_exactly_the_listed_campaigns(client, sink, campaigns):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    pending = blind_requests(client, ticket)
    one = dict(list(pending.items())[:1])
    partial = issue(client, ticket, one)
    assert partial.status_code == 400 and "every listed campaign" in partial.get_json()["message"]
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 0


def test_a_blinded_message_in_loose_hex_is_refused(client, sink, campaigns):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    pending = blind_requests(client, ticket)
    loose = [{"campaign": cid, "blinded": p[2].hex()[:2].upper() + " " + p[2].hex()[2:]} for cid, p in pending.items()]
    response = post(client, "/api/verify/issue", {"ticket": ticket["ticket"], "requests": loose})
    assert response.status_code == 400
    assert response.get_json() == {"error": "bad_request", "message": "A blinded message is not hex."}
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 0
    assert issue(client, ticket, pending).status_code == 200  # the refusal left the ticket unspent


def test_a_new_campaign_for_an_address_that_verified_before_is_issued(client, sink, campaigns, make_open_campaign):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    issue(client, ticket, blind_requests(client, ticket))
    make_open_campaign(title="Delta", lab_slugs=("anthropic",))
    again = verified_ticket(client, sink, "ada@anthropic.com")
    body = issue(client, again, blind_requests(client, again)).get_json()
    assert len(body["signatures"]) == 1 and len(body["already_issued"]) == 2


def test_issuance_records_cannot_be_matched_to_redeemed_tokens(app, client, sink, campaigns):
    from pledge.services.tokens import TokenRefused, redeem_token

    alpha = campaigns[0]
    tokens = []
    for n in range(20):
        ticket = verified_ticket(client, sink, f"person{n}@anthropic.com")
        pending = blind_requests(client, ticket)
        body = issue(client, ticket, pending).get_json()
        for item in body["signatures"]:
            if item["campaign"] == alpha.public_id:
                key, prepared, _, inv = pending[item["campaign"]]
                tokens.append((prepared, blindrsa.finalize(key, prepared, bytes.fromhex(item["blind_signature"]), inv)))
    random.Random(7).shuffle(tokens)
    for prepared, signature in tokens:
        redeem_token(db.session, alpha, prepared, signature)
    db.session.commit()
    with pytest.raises(TokenRefused, match="already used"):
        redeem_token(db.session, alpha, *tokens[0])

    # The two tables share no column but the campaign, hold no time, and are stored in the order
    # of their random keys, not in the order they were written (SQLite: WITHOUT ROWID tables;
    # PostgreSQL: once tick has rewritten them, as it does after every published batch).
    inspector = inspect(db.engine)
    assert {c["name"] for c in inspector.get_columns("token_issuances")} == {"campaign_id", "tag"}
    assert {c["name"] for c in inspector.get_columns("spent_tokens")} == {"campaign_id", "nullifier"}
    if dbkit.BACKEND == "postgresql":
        db.session.remove()
        compact_database()
    issued = [row[0] for row in db.session.execute(text("SELECT tag FROM token_issuances WHERE campaign_id = :c"),
                                                   {"c": alpha.id})]
    spent = [row[0] for row in db.session.execute(text("SELECT nullifier FROM spent_tokens WHERE campaign_id = :c"),
                                                  {"c": alpha.id})]
    assert len(issued) == len(spent) == 20
    assert issued == sorted(issued) and spent == sorted(spent)
    everything = b"".join(prepared + signature for prepared, signature in tokens)
    for tag in issued:
        assert tag not in everything
    counts = db.session.scalars(select(IssuanceCount).where(IssuanceCount.campaign_id == alpha.id)).all()
    assert [c.issued for c in counts] == [20]


def test_a_burst_flags_the_campaign_and_emails_admins(app, client, sink, campaigns, make_user, login):
    app.config.update(ISSUANCE_ALARM_MINIMUM=3, ISSUANCE_ALARM_FACTOR=5.0)
    make_user(Role.ADMIN, email="admin@staff.example")
    for n in range(3):
        ticket = verified_ticket(client, sink, f"burst{n}@anthropic.com")
        issue(client, ticket, blind_requests(client, ticket))
    alarm = sink.wait_for("admin@staff.example", "unusual token issuance")
    assert "Anthropic" in alarm.body and "3 tokens today" in alarm.body
    db.session.rollback()
    assert campaigns[0].issuance_alarm_at is not None
    assert "Alpha" in alarm.body and "Beta" in alarm.body
    # Once a day: more issuance the same day raises no second alarm.
    ticket = verified_ticket(client, sink, "burst9@anthropic.com")
    issue(client, ticket, blind_requests(client, ticket))
    assert len(sink.messages("admin@staff.example")) == 1


def test_admins_see_issuance_counters(client, sink, campaigns, make_user, login):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    issue(client, ticket, blind_requests(client, ticket))
    _, password = make_user(Role.ORGANIZER, email="org@staff.example")
    login("org@staff.example", password)
    assert client.get("/admin/issuance").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/organize/").get_data(as_text=True))})
    _, password = make_user(Role.ADMIN, email="admin@staff.example")
    login("admin@staff.example", password)
    page = client.get("/admin/issuance").get_data(as_text=True)
    assert "Alpha" in page and "Anthropic" in page


def test_the_manifest_endpoint_serves_the_frozen_manifest(client, campaigns):
    alpha = campaigns[0]
    doc = client.get(f"/api/campaigns/{alpha.slug}/manifest").get_json()
    assert doc["ctx"] == alpha.ctx.hex() and doc["manifest"]["id"] == alpha.public_id


def test_tick_purges_codes_a_day_after_they_expire(app, client, sink, campaigns, runner):
    post(client, "/api/verify/start", {"email": "ada@anthropic.com"})
    post(client, "/api/verify/start", {"email": "bo@anthropic.com"})
    db.session.execute(text("UPDATE verification_codes SET expires_at = '2000-01-01 00:00:00'"
                            " WHERE id = (SELECT min(id) FROM verification_codes)"))
    db.session.commit()
    result = runner.invoke(args=["tick"])
    assert "purged 1 expired verification code" in result.output
    assert db.session.scalar(select(func.count()).select_from(VerificationCode)) == 1


def test_start_answers_no_sooner_than_the_configured_minimum(app, client, sink, campaigns):
    import time

    app.config["VERIFY_MIN_RESPONSE_SECONDS"] = 0.3
    for address in ("pad@anthropic.com", "pad@anthropic.com", "pad@anthropic.com", "pad@anthropic.com", "x@example.org"):
        started = time.monotonic()
        post(client, "/api/verify/start", {"email": address})
        assert time.monotonic() - started >= 0.3  # sent, capped (4th) and refused alike
