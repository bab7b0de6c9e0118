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


def start(client, address, **environ):
    """``start`` for the address (from the network in ``environ``); the handle it returned."""
    response = client.post("/api/verify/start", data=json.dumps({"email": address}), headers=JSON,
                           environ_base=environ)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["handle"]


def check(client, address, code, handle, **environ):
    return client.post("/api/verify/check", data=json.dumps({"email": address, "code": code, "handle": handle}),
                       headers=JSON, environ_base=environ)


def verified_ticket(client, sink, address):
    handle = start(client, address)
    response = check(client, address, code_for(sink, address), handle)
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


def test_new_capped_and_known_addresses_get_identical_answers_but_for_a_fresh_handle(client, sink, campaigns):
    handles = set()

    def start_answer(address):
        response = post(client, "/api/verify/start", {"email": address})
        body = response.get_json()
        handles.add(body.pop("handle"))
        return response.status_code, body, response.headers.get("Set-Cookie")

    new = start_answer("new@anthropic.com")
    # A known address: it verified and received tokens before.
    ticket = verified_ticket(client, sink, "known@anthropic.com")
    assert issue(client, ticket, blind_requests(client, ticket)).status_code == 200
    known = start_answer("known@anthropic.com")
    for _ in range(3):
        start_answer("capped@anthropic.com")
    capped = start_answer("capped@anthropic.com")
    assert new == known == capped
    assert new[0] == 200 and new[2] is None and set(new[1]) == {"status", "message"}
    # Every answer carries a handle of one form, never the same twice (the capped one included).
    assert len(handles) == 6 and all(re.fullmatch(r"[A-Za-z0-9_-]{43}", h) for h in handles)
    # The capped address was not sent a fourth code from this network.
    assert len(sink.messages("capped@anthropic.com")) == 3


def test_a_correct_code_gives_a_ticket_for_every_open_campaign_of_the_lab(client, sink, campaigns):
    ticket = verified_ticket(client, sink, "ada@anthropic.com")
    assert ticket["lab"] == {"slug": "anthropic", "name": "Anthropic"}
    assert sorted(c["title"] for c in ticket["campaigns"]) == ["Alpha", "Beta"]
    assert all(c["manifest_url"] == f"/api/campaigns/{c['slug']}/manifest" for c in ticket["campaigns"])


def test_codes_are_single_use_expire_and_allow_five_guesses(app, client, sink, campaigns):
    handle = start(client, "ada@anthropic.com")
    code = code_for(sink, "ada@anthropic.com")
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for _ in range(5):
        assert check(client, "ada@anthropic.com", wrong, handle).get_json()["error"] == "wrong_code"
    # Out of attempts: even the right code is refused now.
    assert check(client, "ada@anthropic.com", code, handle).status_code == 400

    handle = start(client, "bo@anthropic.com")
    code = code_for(sink, "bo@anthropic.com")
    assert check(client, "bo@anthropic.com", code, handle).status_code == 200
    reused = check(client, "bo@anthropic.com", code, handle)
    assert reused.status_code == 400 and reused.get_json()["error"] == "wrong_code"

    handle = start(client, "cy@anthropic.com")
    code = code_for(sink, "cy@anthropic.com")
    db.session.execute(text("UPDATE verification_codes SET expires_at = '2000-01-01 00:00:00'"))
    db.session.commit()
    assert check(client, "cy@anthropic.com", code, handle).status_code == 400
    assert check(client, "cy@anthropic.com", "12", handle).get_json()["error"] == "invalid_code"


def test_a_code_is_checked_only_with_its_own_handle(client, sink, campaigns):
    handle = start(client, "ada@anthropic.com")
    code = code_for(sink, "ada@anthropic.com")
    other = start(client, "bo@anthropic.com")
    for bad in (None, "", "x" * 43 + "!", handle[:-1], 43, "A" * 43):
        answer = check(client, "ada@anthropic.com", code, bad)
        assert answer.status_code == 400
        assert answer.get_json()["error"] == ("wrong_code" if bad == "A" * 43 else "invalid_handle")
    # Another address's handle does not open this code, nor this handle another address's code.
    assert check(client, "ada@anthropic.com", code, other).get_json()["error"] == "wrong_code"
    assert check(client, "bo@anthropic.com", code_for(sink, "bo@anthropic.com"), handle).status_code == 400
    # None of that spent a guess of the code: it still verifies, with its handle, at once.
    row = db.session.scalar(select(VerificationCode).where(VerificationCode.handle_hash.is_not(None)).limit(1))
    assert row.attempts == 0
    assert check(client, "ada@anthropic.com", code, handle).status_code == 200


def test_codes_live_side_by_side_each_with_its_own_handle_and_guesses(client, sink, campaigns):
    first = start(client, "ada@anthropic.com")
    first_code = code_for(sink, "ada@anthropic.com")
    second = start(client, "ada@anthropic.com")
    second_code = code_for(sink, "ada@anthropic.com")
    assert len(sink.messages("ada@anthropic.com")) == 2
    # Five wrong guesses on the second code leave the first untouched.
    wrong = f"{(int(second_code) + 1) % 10**8:08d}"
    for _ in range(5):
        assert check(client, "ada@anthropic.com", wrong, second).status_code == 400
    assert check(client, "ada@anthropic.com", second_code, second).status_code == 400
    if first_code != second_code:
        assert check(client, "ada@anthropic.com", second_code, first).status_code == 400  # its guess 1 of 5
    assert check(client, "ada@anthropic.com", first_code, first).status_code == 200


def test_a_thousand_concurrent_wrong_guesses_evaluate_at_most_five(app, sink, campaigns):
    import urllib.error
    import urllib.request

    from tests.browser import live_server

    client = app.test_client()
    handle = start(client, "target@anthropic.com")
    code = code_for(sink, "target@anthropic.com")
    guesses = [f"{(int(code) + 1 + i) % 10**8:08d}" for i in range(1000)]

    with live_server(app) as url:
        def guess(value):
            body = {"email": "target@anthropic.com", "code": value, "handle": handle}
            request = urllib.request.Request(f"{url}/api/verify/check", method="POST", headers=JSON,
                                             data=json.dumps(body).encode())
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
    assert check(client, "target@anthropic.com", code, handle).status_code == 400


def test_a_stranger_on_fifty_networks_cannot_stop_a_signer_from_verifying(client, sink, campaigns):
    """Docs/rate-limits.md: sends are capped per (address, network), and a code is checkable only
    with its own handle, so requests from other networks neither use up the signer's sends nor
    burn the signer's code."""
    victim, home = "victim@anthropic.com", {"REMOTE_ADDR": "198.51.100.7"}
    # The signer asks for a code first; the stranger then floods from 50 networks (IPv4 and
    # IPv6 /64s), asking for codes and guessing against every code they can name.
    early = start(client, victim, **home)
    early_code = code_for(sink, victim)
    networks = [{"REMOTE_ADDR": f"203.0.113.{n}"} for n in range(1, 26)]
    networks += [{"REMOTE_ADDR": f"2001:db8:{n:x}::1"} for n in range(1, 26)]
    stranger_handles = []
    for network in networks:
        for _ in range(4):  # one more than the cap, from each network
            stranger_handles.append(start(client, victim, **network))
        for guess in ("00000000", "11111111", "22222222", "33333333", "44444444", "55555555"):
            answer = check(client, victim, guess, stranger_handles[-1], **network)
            assert answer.status_code == 400 and answer.get_json()["error"] == "wrong_code"
            # The stranger has no handle for the signer's code; a made-up one opens nothing.
            made_up = check(client, victim, guess, "A" * 43, **network)
            assert made_up.get_json()["error"] == "wrong_code"
    # What the stranger could still do: have mail sent to the address, 3 codes per network.
    assert len(sink.messages(victim)) == 1 + 3 * len(networks)
    # None of it touched the signer: their early code still verifies from home ...
    assert check(client, victim, early_code, early, **home).status_code == 200
    # ... and a new request from home is still sent and verifies, and tokens are issued.
    handle = start(client, victim, **home)
    assert len(sink.messages(victim)) == 2 + 3 * len(networks)
    response = check(client, victim, code_for(sink, victim), handle, **home)
    assert response.status_code == 200, response.get_json()
    ticket = response.get_json()
    issued = issue(client, ticket, blind_requests(client, ticket))
    assert issued.status_code == 200 and len(issued.get_json()["signatures"]) == 2


def test_each_network_gets_three_codes_an_hour_for_one_address(client, sink, campaigns):
    home, other = {"REMOTE_ADDR": "198.51.100.7"}, {"REMOTE_ADDR": "2001:db8:1:2::5"}
    for _ in range(5):
        start(client, "ada@anthropic.com", **home)
    assert len(sink.messages("ada@anthropic.com")) == 3
    # Another address from the same network, and the same address from another /64, count apart;
    # addresses inside one IPv6 /64 count as one network.
    start(client, "bo@anthropic.com", **home)
    for n in range(5):
        start(client, "ada@anthropic.com", REMOTE_ADDR=f"2001:db8:1:2::{n + 10}")
    assert len(sink.messages("bo@anthropic.com")) == 1
    assert len(sink.messages("ada@anthropic.com")) == 6
    start(client, "ada@anthropic.com", **other)
    assert len(sink.messages("ada@anthropic.com")) == 6


def test_one_person_at_a_two_domain_lab_is_issued_once(app, client, sink, labs, make_open_campaign):
    from pledge.database import write_intent
    from pledge.services.labs import upsert_lab

    with write_intent():
        labs["twin"] = upsert_lab(db.session, slug="twin", name="Twin Lab", domains=("twin.example", "twin-old.example"))
        db.session.commit()
    make_open_campaign(title="Twin", lab_slugs=("twin", "anthropic"))
    first = verified_ticket(client, sink, "zed@twin.example")
    assert issue(client, first, blind_requests(client, first)).status_code == 200
    # The same local part at the lab's other domain is the same person: no new token.
    second = verified_ticket(client, sink, "Zed+again@TWIN-OLD.example")
    refused = issue(client, second, blind_requests(client, second))
    assert refused.status_code == 409 and refused.get_json()["error"] == "already_issued"
    # Another local part is another person, and the same local part at another lab too.
    other = verified_ticket(client, sink, "amy@twin-old.example")
    assert issue(client, other, blind_requests(client, other)).status_code == 200
    elsewhere = verified_ticket(client, sink, "zed@anthropic.com")
    assert issue(client, elsewhere, blind_requests(client, elsewhere)).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 3
    # The records hold keyed identities only: no address, local part or domain.
    every = b"".join(db.session.scalars(select(TokenIssuance.tag)))
    for word in (b"zed", b"amy", b"twin"):
        assert word not in every


def test_zed_at_meta_then_at_fb_gets_no_second_token(app, client, sink, labs, make_open_campaign):
    """The seeded Meta lab has two domains, meta.com and fb.com: one person, one token."""
    assert {d.domain for d in labs["meta"].domains} == {"meta.com", "fb.com"}
    make_open_campaign(title="Meta", lab_slugs=("meta",))
    first = verified_ticket(client, sink, "zed@meta.com")
    assert issue(client, first, blind_requests(client, first)).status_code == 200
    second = verified_ticket(client, sink, "zed@fb.com")
    refused = issue(client, second, blind_requests(client, second))
    assert refused.status_code == 409 and refused.get_json()["error"] == "already_issued"
    assert db.session.scalar(select(func.count()).select_from(TokenIssuance)) == 1


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


def test_check_answers_no_sooner_than_the_configured_minimum(app, client, sink, campaigns):
    import time

    handle = start(client, "pad@anthropic.com")
    code = code_for(sink, "pad@anthropic.com")
    app.config["VERIFY_MIN_RESPONSE_SECONDS"] = 0.3
    for address, guess, with_handle in (("pad@anthropic.com", "00000000", "A" * 43), ("none@anthropic.com", "00000000", handle),
                                        ("pad@anthropic.com", "1", handle), ("pad@anthropic.com", code, handle)):
        started = time.monotonic()
        check(client, address, guess, with_handle)
        assert time.monotonic() - started >= 0.3  # wrong, malformed and right alike
