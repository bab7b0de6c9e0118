"""After the reveal: signed statements of revealed signers ("I am withholding my work") and the
organizer's dated condition judgements, both published as log leaves with the next batch and
shown from published leaves only; the refusals change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, ConditionJudgement, Role, Statement, utcnow
from pledge.services.outcome_feed import condition_feed_entries, withholding_feed_entries
from pledge_tools.sign.cli import main as pledge_sign
from pledge_tools.verify.cli import main as pledge_verify
from tests.after_reveal_kit import Person, export, post_statement, reveal, sign_up, stance_of, withholding_from_record
from tests.browser import live_server
from tests.kit.forms import post_form
from tests.kit.ticks import publish_due
from tests.signing_kit import Signer

LABS = ["anthropic", "anthropic", "anthropic", "openai", "openai", "openai"]


def statements_stored() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Statement))


def page_text(client, campaign) -> str:
    return " ".join(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True).split())


@pytest.fixture
def organizer(app, make_user, login, launched):
    """The launched campaign's organizer, logged in with ``client``."""
    campaign = launched[0]
    user, password = make_user(Role.ORGANIZER, email="org@staff.example")
    db.session.rollback()
    with write_intent():
        db.session.merge(campaign).organizer_id = user.id
        db.session.commit()
    login("org@staff.example", password)
    return user


def test_statements_before_the_reveal_are_refused_then_published_in_order(app, client, launched, tmp_path):
    campaign, trustees, seats = launched
    people = sign_up(app, client, campaign, LABS)
    # Not yet in a round: not revealed (and the signature still verifies: the check comes first).
    refused = post_statement(client, campaign, people[0].statement(0, "withholding"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_revealed"
    publish_due(app, 1)  # round 1 freezes
    assert stance_of(client, campaign, people[0]) == {
        "nullifier": people[0].nullifier, "revealed": False, "stance": None, "next_seq": 0, "pending": False,
        "frozen": True, "signing_ended": False}
    reveal(campaign, trustees, seats)
    # Revealed on the server, but its round-revealed event is not in the log yet: still refused
    # (a statement leaf must follow the reveal in the log).
    refused = post_statement(client, campaign, people[0].statement(0, "withholding"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "not_revealed"
    assert "This signature is not revealed yet" in refused.get_json()["message"]
    publish_due(app, 2)
    assert stance_of(client, campaign, people[0])["revealed"] is True

    # Another entry's key: 400 bad_signature, nothing stored.
    forged = post_statement(client, campaign, people[0].statement(0, "withholding", seed=people[1].signer.withdrawal_seed))
    assert forged.status_code == 400 and forged.get_json()["error"] == "bad_signature"
    # The first statement cannot be "stopped".
    same = post_statement(client, campaign, people[0].statement(0, "stopped"))
    assert same.status_code == 409 and same.get_json()["error"] == "same_stance"
    # A wrong seq.
    ahead = post_statement(client, campaign, people[0].statement(1, "withholding"))
    assert ahead.status_code == 409 and ahead.get_json()["error"] == "stale_seq"
    # Malformed, and unknown.
    assert post_statement(client, campaign, {"nullifier": people[0].nullifier}).status_code == 400
    unknown = dict(people[0].statement(0, "withholding"), nullifier="ab" * 32)
    assert post_statement(client, campaign, unknown).status_code == 404
    assert client.get(f"/api/campaigns/{campaign.slug}/statements/{'ab' * 32}").status_code == 404
    assert statements_stored() == 0

    for person in (people[0], people[1], people[3]):
        accepted = post_statement(client, campaign, person.statement(0, "withholding"))
        assert accepted.status_code == 202, accepted.get_json()
        assert accepted.get_json() == {"accepted": True, "stance": "withholding", "seq": 0, "published": False}
    # A replayed statement is stale; a second "withholding" does not change the stance.
    stale = post_statement(client, campaign, people[0].statement(0, "withholding"))
    assert stale.status_code == 409 and stale.get_json()["error"] == "stale_seq"
    same = post_statement(client, campaign, people[0].statement(1, "withholding"))
    assert same.status_code == 409 and same.get_json()["error"] == "same_stance"
    assert statements_stored() == 3
    assert stance_of(client, campaign, people[0]) | {"frozen": True} == {
        "nullifier": people[0].nullifier, "revealed": True, "stance": "withholding", "next_seq": 1, "pending": True,
        "frozen": True, "signing_ended": False}
    # Pending statements count nowhere public yet.
    assert "Anthropic</strong>: 0 revealed signers withholding" in page_text(client, campaign)

    publish_due(app, 3)
    text = page_text(client, campaign)
    assert "Anthropic</strong>: 2 revealed signers withholding" in text
    assert "OpenAI</strong>: 1 revealed signer withholding" in text
    assert "signed statements by revealed signers: anyone can check each one in the campaign's record" in text.replace("’", "'")
    assert stance_of(client, campaign, people[0])["pending"] is False

    stop = post_statement(client, campaign, people[1].statement(1, "stopped"))
    assert stop.status_code == 202
    publish_due(app, 4)
    text = page_text(client, campaign)
    assert "Anthropic</strong>: 1 revealed signer withholding" in text and "OpenAI</strong>: 1 revealed signer" in text
    feed = withholding_feed_entries(db.session, campaign)
    assert [entry.title for entry in feed] == ["Withholding now: Anthropic 2, OpenAI 1", "Withholding now: Anthropic 1, OpenAI 1"]

    record = export(campaign, trustees, tmp_path / "record.json", hours=5)
    assert pledge_verify([str(record)]) == 0
    assert withholding_from_record(record) == {"anthropic": 1, "openai": 1}


def test_pledge_sign_withhold_and_stop(app, client, launched, tmp_path, capsys):
    campaign, trustees, seats = launched
    people = sign_up(app, client, campaign, LABS)
    publish_due(app, 1)
    with live_server(app) as url:
        receipt = people[2].receipt_file(url, tmp_path)
        assert pledge_sign(["withhold", str(receipt)]) == 4
        assert "not revealed yet" in capsys.readouterr().err
        reveal(campaign, trustees, seats)
        publish_due(app, 2)
        assert pledge_sign(["withhold", str(receipt)]) == 0
        assert capsys.readouterr().out.strip() == (
            "Your signed statement \u201cI am withholding my work\u201d is accepted and is published in the "
            "campaign's log with the next batch.")
        assert pledge_sign(["withhold", str(receipt)]) == 4
        assert "you are already withholding your work" in capsys.readouterr().err
        # A receipt whose signature this campaign never received.
        unsent = Signer(campaign, "openai", app.config["TOKEN_KEY_SECRET"])
        stranger = Person(unsent, unsent.ciphertext()).receipt_file(url, tmp_path)
        assert pledge_sign(["stop-withholding", str(stranger)]) == 4
        assert "has no signature with this receipt's key: is it the right receipt?" in capsys.readouterr().err
        publish_due(app, 3)
        assert pledge_sign(["stop-withholding", str(receipt)]) == 0
        assert "I have stopped withholding my work" in capsys.readouterr().out
    assert statements_stored() == 2


def judgement(campaign, lab, **overrides) -> dict:
    data = {"status-condition_id": str(campaign.conditions[0].id), "status-lab_id": str(lab.id),
            "status-status": "met", "status-decided_on": "2026-11-20", "status-evidence_url": "https://lab.example/a",
            "status-note": "", "status-submit": "1"}
    data.update(overrides)
    return data


def test_condition_judgements_keep_a_dated_history(app, client, launched, organizer, labs):
    campaign, trustees, seats = launched
    url = f"/organize/campaigns/{campaign.id}/outcomes"
    sign_up(app, client, campaign, LABS)
    publish_due(app, 1)
    before = post_form(client, url, judgement(campaign, labs["anthropic"]))
    assert before.status_code == 400 and "once the signatures are revealed" in before.get_data(as_text=True)
    reveal(campaign, trustees, seats)
    publish_due(app, 2)

    first = post_form(client, url, judgement(campaign, labs["anthropic"], **{
        "status-status": "not-met", "status-decided_on": "2026-11-01", "status-note": "No framework yet."}))
    assert first.status_code == 302
    bad = post_form(client, url, judgement(campaign, labs["anthropic"], **{"status-evidence_url": "javascript:alert(1)"}))
    assert bad.status_code == 400 and "Give the evidence as a full http(s) link" in bad.get_data(as_text=True)
    future = post_form(client, url, judgement(campaign, labs["anthropic"], **{"status-decided_on": "2999-01-01"}))
    assert future.status_code == 400 and "cannot be in the future" in future.get_data(as_text=True)
    second = post_form(client, url, judgement(campaign, labs["anthropic"], **{
        "status-status": "partly", "status-decided_on": "2026-12-01", "status-evidence_url": ""}))
    assert second.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(ConditionJudgement)) == 2

    organizer_page = " ".join(client.get(url).get_data(as_text=True).split())
    assert organizer_page.count("<em>published with the next batch</em>") == 2
    assert organizer_page.index("2026-11-01") < organizer_page.index("2026-12-01")
    # Nothing public until the batch.
    assert "No framework yet." not in page_text(client, campaign)

    publish_due(app, 3)
    text = page_text(client, campaign)
    assert "<strong>Partly met</strong>" in text and "2026-12-01" in text
    history = text[text.index("History (2 judgements)"):]
    assert history.index("2026-11-01</time>: Not met") < history.index("2026-12-01</time>: Partly met")
    assert "No framework yet." in history and "Not yet assessed" in text
    assert [entry.title for entry in condition_feed_entries(db.session, campaign)] == [
        "Anthropic: condition 1 not met (2026-11-01)", "Anthropic: condition 1 partly met (2026-12-01)"]
    assert "<em>published with the next batch</em>" not in client.get(url).get_data(as_text=True)


def test_a_taken_down_campaign_takes_no_statement(app, client, launched):
    campaign, _trustees, _seats = launched
    [person] = sign_up(app, client, campaign, ["anthropic"])
    with write_intent():
        row = db.session.merge(campaign)
        row.state, row.taken_down_at, row.takedown_notice = CampaignState.TAKEN_DOWN, utcnow(), "Taken down."
        db.session.commit()
    refused = post_statement(client, campaign, person.statement(0, "withholding"))
    assert refused.status_code == 409 and refused.get_json()["error"] == "ended"
    assert statements_stored() == 0
