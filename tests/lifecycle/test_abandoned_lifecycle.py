"""A campaign whose trustees never reveal: both rounds run out their reveal window.

The organizer drafts a 2-of-3 campaign (the rule: 5 signatures, 5 at one lab; k = 5; the default
reveal window of 14 days) and three trustees run the ceremony with ``pledge-trustee`` through the
trustee pages. Five researchers at one lab sign with ``pledge-sign`` against a live server; the
next batch freezes round 1. Five at another lab sign after the freeze; the batch at the deadline
freezes the deadline round (round 2) for them. Nobody posts a partial. The first tick after
round 1's window abandons it, and the one after round 2's window abandons it and closes the
campaign. After each: no ciphertext or opening of the round is left, the ``round-abandoned`` event
is in the log, every trustee and the organizer got a mail saying which round, why, what was
deleted and what comes next (every link in it under PLEDGE_PUBLIC_URL), and the pages say so.
The trustees then destroy their shares with ``pledge-trustee destroy`` and confirm; the next batch
logs the confirmations, and ticks 30 and 365 days later publish nothing. The trustees witness the
last head and the exported record verifies with ``pledge-verify``.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, RevealRound, Role, TokenIssuance, TreeHead, utcnow
from pledge.services.notify import send_all
from pledge_tools.verify.cli import main as pledge_verify
from tests.browser import live_server
from tests.kit.events import event_names, replayed, replayed_record
from tests.kit.ticks import publish_due, tick_at
from tests.lifecycle.kit import PASSPHRASE, WebUser, create_draft, flashes, redirected, run_ceremony, tool, witness_latest
from tests.mailsink import MailSink
from tests.signer.sign_kit import CodeKeyboard, sign, verify

TRUSTEES = [("Lia Trustee", "lia@trustees.example"), ("Mo Trustee", "mo@trustees.example"),
            ("Noa Trustee", "noa@trustees.example")]
ORGANIZER = "org@organizers.example"
FIRST = [(f"r{i}@anthropic.com", f"Early Signer {i}") for i in range(5)]
LATE = [(f"r{i}@openai.com", f"Late Signer {i}") for i in range(5)]
URL = re.compile(r"https?://[^\s\"'<>]+")


def page_text(web: WebUser, path: str) -> str:
    return " ".join(web.get(path).get_data(as_text=True).split())


def count(query) -> int:
    db.session.rollback()
    return db.session.scalar(query) or 0


def sealed(campaign_id: int, round_number: int | None = None) -> tuple[int, int]:
    """How many entries (of one round) still hold a ciphertext, and how many an opening."""
    where = [Entry.campaign_id == campaign_id]
    if round_number is not None:
        where.append(Entry.frozen_round == round_number)
    ciphertexts = count(select(func.count()).select_from(Entry).where(*where, Entry.ciphertext.is_not(None)))
    openings = count(select(func.count()).select_from(Entry).where(*where, Entry.opening.is_not(None)))
    return ciphertexts, openings


def links_of(body: str) -> list[str]:
    return URL.findall(body)


def test_rounds_never_revealed_are_abandoned_mailed_and_the_campaign_closes_for_good(
    app, labs, make_user, tmp_path: Path, monkeypatch, capsys
) -> None:
    public = app.config["PUBLIC_URL"]
    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PLEDGE_SIGN_CODE", raising=False)
    keyboard = CodeKeyboard(sink)
    monkeypatch.setattr("builtins.input", keyboard)
    try:
        _, password = make_user(Role.ORGANIZER, email=ORGANIZER)
        organizer = WebUser(app)
        organizer.login(ORGANIZER, password)
        campaign_id = create_draft(
            organizer, title="A pledge nobody opens", lab_ids=[labs["anthropic"].id, labs["openai"].id], min_total=5,
            min_per_lab=5, min_labs=1, t=2, n=3, deadline=utcnow() + timedelta(days=10),
            conditions=["Publish the evaluations."])
        desks = run_ceremony(app, sink, organizer, campaign_id, TRUSTEES, tmp_path)
        db.session.rollback()
        campaign = db.session.get(Campaign, campaign_id)
        slug, window = campaign.slug, campaign.reveal_window_seconds
        assert window == 14 * 86400
        # The window is stated before anything freezes: on the public page and the organizer's.
        assert "A round the trustees do not reveal within 14 days of its freeze is abandoned unread." \
            in page_text(WebUser(app), f"/campaigns/{slug}")
        assert "Reveal window: 14 days after a round freezes" in page_text(organizer, "/organize/")

        def sign_all(people, first: int) -> None:
            with live_server(app) as url:
                for n, (email, name) in enumerate(people, start=first):
                    keyboard.address = email
                    assert verify(url, email, tmp_path / f"tokens-{n}.json") == 0
                    assert sign(url, slug, tmp_path / f"tokens-{n}.json", tmp_path / f"receipt-{n}.json",
                                name=name, role="Researcher", statement="Never opened.") == 0

        # Five at one lab: the next batch freezes round 1 for them.
        sign_all(FIRST, 0)
        [first] = publish_due(app, hours=1)
        assert first.round_frozen is not None and first.round_frozen.number == 1
        db.session.rollback()
        frozen_one = db.session.scalar(select(TreeHead.timestamp).where(TreeHead.campaign_id == campaign_id,
                                                                         TreeHead.batch == first.batch))
        # Five at another lab after the freeze: they wait for the deadline round.
        sign_all(LATE, 5)
        second = tick_at(app, datetime.fromtimestamp(frozen_one, UTC) + timedelta(hours=1))
        assert second.published and second.outgoing == []
        assert sealed(campaign_id) == (10, 10)

        # The deadline: the deadline round (2) freezes for the five late entries; nobody reveals either.
        deadline_tick = tick_at(app, campaign.deadline + timedelta(hours=1))
        assert send_all(deadline_tick.outgoing) == []
        assert event_names(campaign_id)[-1] == ["round-frozen 2"]
        for _, email in TRUSTEES:
            ready = sink.wait_for(email, "a reveal round is ready for you").body
            assert f"Your trustee page: {public}/trustee/" in ready
            assert "a round not revealed within the campaign's reveal window" in " ".join(ready.split())
        db.session.rollback()
        frozen_two = db.session.scalar(select(TreeHead.timestamp).where(TreeHead.campaign_id == campaign_id)
                                       .order_by(TreeHead.batch.desc()).limit(1))
        trustee_page = page_text(desks[0].web, "/trustee/")
        assert "Next: check the round and post your partial decryptions" in trustee_page
        assert f"by {datetime.fromtimestamp(frozen_two + window, UTC):%Y-%m-%d %H:%M} UTC" in trustee_page
        # The last second of round 1's window: nothing is due.
        assert tick_at(app, datetime.fromtimestamp(frozen_one + window - 1, UTC)).published is False
        assert sealed(campaign_id, 1) == (5, 5)

        # Round 1's window ends: the next tick abandons it and deletes its sealed signatures unread.
        report = tick_at(app, datetime.fromtimestamp(frozen_one + window, UTC))
        assert event_names(campaign_id)[-1] == ["round-abandoned 1"]
        assert report.deleted and any("not revealed in time" in action for action in report.actions)
        assert sealed(campaign_id, 1) == (0, 0)
        assert sealed(campaign_id, 2) == (5, 5)  # the deadline round still waits
        assert send_all(report.outgoing) == []
        assert sorted(m.to for m in report.outgoing) == sorted([ORGANIZER, *(e for _, e in TRUSTEES)])
        for who in [email for _, email in TRUSTEES] + [ORGANIZER]:
            body = " ".join(sink.wait_for(who, "round 1 was not revealed in time").body.split())
            assert 'Reveal round 1 of "A pledge nobody opens"' in body
            assert "5 sealed signatures) was not revealed within the campaign's reveal window of 14 days" in body
            assert "fewer than 2 of the 3 trustees posted their partial decryptions in time" in body
            assert "deleted, unread, the sealed signature of every entry listed and its opening" in body
            assert "The campaign is not over. Round 2 waits for the trustees until" in body
            assert "destroy your share" not in body
            assert all(link.startswith(public + "/") for link in links_of(body)), body
            assert f"Campaign page: {public}/campaigns/{slug}" in body
        assert f"{public}/trustee/" in sink.wait_for(TRUSTEES[0][1], "round 1 was not revealed").body
        assert f"{public}/organize/" in sink.wait_for(ORGANIZER, "round 1 was not revealed").body
        public_page = page_text(WebUser(app), f"/campaigns/{slug}")
        assert "Round 1</strong>: the log at" in public_page
        assert "not revealed within the reveal window; its sealed signatures are deleted." in public_page
        assert "Round 1 has frozen; a signature made now is not in it" not in public_page
        assert "Abandoned on" in page_text(desks[0].web, "/trustee/")
        assert "Round 1: abandoned" in page_text(organizer, "/organize/")
        assert db.session.get(Campaign, campaign_id).state not in (CampaignState.CLOSED, CampaignState.EXPIRED)

        # Round 2's window ends: abandoned too, and with every round ended the campaign closes.
        report = tick_at(app, datetime.fromtimestamp(frozen_two + window, UTC))
        assert event_names(campaign_id)[-1] == ["round-abandoned 2", "closed"]
        assert sealed(campaign_id) == (0, 0)
        assert count(select(func.count()).select_from(TokenIssuance).where(TokenIssuance.campaign_id == campaign_id)) == 0
        db.session.rollback()
        assert db.session.get(Campaign, campaign_id).state == CampaignState.CLOSED
        assert all(r.abandoned_at is not None for r in db.session.scalars(
            select(RevealRound).where(RevealRound.campaign_id == campaign_id)))
        assert send_all(report.outgoing) == []
        for _, email in TRUSTEES:
            body = " ".join(sink.wait_for(email, "round 2 was not revealed in time").body.split())
            assert "The campaign is now closed" in body
            assert (f"pledge-trustee destroy --share share.json --key trustee.key --package ceremony-{slug}.json "
                    "--out destroyed.json") in body
            assert all(link.startswith(public + "/") for link in links_of(body)), body
        organizer_mail = " ".join(sink.wait_for(ORGANIZER, "round 2 was not revealed in time").body.split())
        assert "Each trustee is asked to destroy their share and confirm it" in organizer_mail
        # The closing batch's mail already asks for the shares: no second "closed" mail.
        assert not any("campaign is closed" in m.subject for m in sink.messages())
        trustee_page = page_text(desks[0].web, "/trustee/")
        assert "The campaign is closed: every round is revealed or abandoned." in trustee_page
        assert "Next: check the round" not in trustee_page
        public_page = page_text(WebUser(app), f"/campaigns/{slug}")
        assert "Waiting for 2 trustees" not in public_page and public_page.count("Abandoned ") == 2

        # Each trustee destroys their share with the tool and uploads the signed confirmation.
        for desk in desks:
            package = desk.download(f"/trustee/campaigns/{campaign_id}/ceremony.json", f"ceremony-{slug}.json")
            confirmation = desk.folder / "destroyed.json"
            assert tool("destroy", "--share", desk.share, "--key", desk.key, "--package", package,
                        "--out", confirmation) == 0
            assert not desk.share.exists()
            redirected(desk.web.upload(f"/trustee/campaigns/{campaign_id}/destroyed", confirmation), "/trustee/")
            assert "Your confirmation is recorded" in flashes(desk.web)
        report = tick_at(app, datetime.fromtimestamp(frozen_two + window, UTC) + timedelta(hours=1))
        assert event_names(campaign_id)[-1] == ["share-destroyed"] * 3
        assert report.outgoing == []

        # Nothing waits any more: no head is ever published again.
        db.session.rollback()
        heads = count(select(func.count()).select_from(TreeHead).where(TreeHead.campaign_id == campaign_id))
        last = datetime.fromtimestamp(frozen_two + window, UTC) + timedelta(hours=1)
        for later in (timedelta(hours=2), timedelta(days=30), timedelta(days=365)):
            report = tick_at(app, last + later)
            assert report.published is False and report.outgoing == [], report.actions
        assert count(select(func.count()).select_from(TreeHead).where(TreeHead.campaign_id == campaign_id)) == heads
        assert event_names(campaign_id) == [["round-frozen 1"], [], ["round-frozen 2"], ["round-abandoned 1"],
                                            ["round-abandoned 2", "closed"], ["share-destroyed"] * 3]
        lifecycle = replayed(campaign_id, campaign.deadline, window)
        assert (lifecycle.outcome, [r.status for r in lifecycle.rounds]) == ("closed", ["abandoned", "abandoned"])
        assert sorted(lifecycle.destroyed) == [1, 2, 3]

        # The trustees witness the last head; the exported record verifies.
        db.session.rollback()
        head = db.session.scalar(select(TreeHead).where(TreeHead.campaign_id == campaign_id)
                                 .order_by(TreeHead.batch.desc()))
        witnessed = witness_latest(app, desks, slug, db.session.get(Campaign, campaign_id).ctx, head.timestamp + 5)
        assert all(f"Cosigned the head of size {head.size}" in line for line in witnessed), witnessed
        db.session.rollback()
        exported = tmp_path / "record.json"
        monkeypatch.setattr("pledge.services.record.utcnow", lambda: datetime.fromtimestamp(head.timestamp + 10, tz=UTC))
        result = app.test_cli_runner().invoke(args=["campaign", "export", slug, "-o", str(exported)])
        assert result.exit_code == 0, result.output
        record = json.loads(exported.read_bytes())
        assert record["rounds"] == [{"number": 1, "status": "abandoned", "entries": []},
                                    {"number": 2, "status": "abandoned", "entries": []}]
        assert record["outcome"]["state"] == "closed"
        assert sorted(replayed_record(record).destroyed) == [1, 2, 3]
        capsys.readouterr()
        assert pledge_verify([str(exported)]) == 0
        out = capsys.readouterr().out
        assert "round 1, 2 abandoned (not revealed within the reveal window)" in out
        assert not any(name in exported.read_text() for _, name in FIRST + LATE)
        # Every mail of the story: every link under the public URL.
        for message in sink.messages():
            assert all(link.startswith(public + "/") for link in links_of(message.body)), (message.subject, message.body)
    finally:
        sink.stop()
