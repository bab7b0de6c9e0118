"""Issue 7, expiry: a 2-of-3 campaign whose deadline passes below its threshold.

The organizer drafts it and three trustees run the ceremony with ``pledge-trustee`` through the
trustee pages; three researchers sign with ``pledge-sign`` (a fourth only verifies); a batch
publishes them, below the rule. A tick after the deadline expires the campaign: afterwards the
database holds no ciphertext of it (neither in the ``entries`` table nor anywhere in the SQLite
file or its write-ahead log after a checkpoint) and no issuance record; each trustee runs
``pledge-trustee destroy`` and uploads the signed confirmation; the public page shows every
confirmation; the next batch publishes them as ``share-destroyed`` events; the published log
replays through the lifecycle (entries, then ``expired`` in the batch that covers the deadline,
then the three confirmations); the exported record verifies with ``pledge-verify``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from pledge.database import compact_database
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, Role, TokenIssuance, TreeHead, utcnow
from pledge.services.notify import send_all
from pledge_tools.verify.cli import main as pledge_verify
from tests import dbkit
from tests.browser import live_server
from tests.kit.events import event_names, events_by_batch, replayed, replayed_record
from tests.kit.ticks import publish_due, tick_at
from tests.lifecycle.kit import PASSPHRASE, WebUser, create_draft, flashes, redirected, run_ceremony, tool, witness_latest
from tests.mailsink import MailSink
from tests.signer.sign_kit import CodeKeyboard, sign, verify

TRUSTEES = [("Ines Trustee", "ines@trustees.example"), ("Jon Trustee", "jon@trustees.example"),
            ("Kai Trustee", "kai@trustees.example")]
SIGNERS = [("ana@anthropic.com", "Ana Expired"), ("ben@anthropic.com", "Ben Expired"), ("cleo@openai.com", "Cleo Expired")]


def pieces(ciphertext: bytes) -> list[bytes]:
    """The ciphertext after its ``R`` (kept as the entry's public ``r_point``), in 64-byte pieces:
    none of them may survive anywhere in the database files."""
    body = ciphertext[32:]
    return [body[i:i + 64] for i in range(0, len(body), 64)]


def stored_bytes(app) -> bytes:
    """What a thief with the database files would have, after a checkpoint.

    SQLite: the file and its write-ahead log. PostgreSQL: the database's files (its write-ahead
    log keeps deleted rows until its segments are recycled: docs/threat-model.md).
    """
    if dbkit.BACKEND == "sqlite":
        database = Path(db.engine.url.database)
        with sqlite3.connect(database) as raw:
            busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        raw.close()
        assert busy == 0
    return dbkit.stored_bytes(app, wal=dbkit.BACKEND == "sqlite")


def test_a_campaign_below_its_threshold_expires_and_nothing_of_its_ciphertexts_remains(
    app, labs, make_user, tmp_path: Path, monkeypatch, capsys
) -> None:
    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("PLEDGE_SIGN_CODE", raising=False)
    keyboard = CodeKeyboard(sink)
    monkeypatch.setattr("builtins.input", keyboard)
    try:
        _, password = make_user(Role.ORGANIZER, email="org@organizers.example")
        organizer = WebUser(app)
        organizer.login("org@organizers.example", password)
        campaign_id = create_draft(
            organizer, title="A pledge that expires", lab_ids=[labs["anthropic"].id, labs["openai"].id], min_total=10,
            min_per_lab=5, min_labs=2, t=2, n=3, deadline=utcnow() + timedelta(days=10),
            conditions=["Publish the safety framework."])
        desks = run_ceremony(app, sink, organizer, campaign_id, TRUSTEES, tmp_path)
        db.session.rollback()
        campaign = db.session.get(Campaign, campaign_id)
        slug = campaign.slug

        # Three researchers sign with pledge-sign; a fourth only receives a token.
        with live_server(app) as url:
            for n, (email, name) in enumerate(SIGNERS):
                keyboard.address = email
                assert verify(url, email, tmp_path / f"tokens-{n}.json") == 0
                assert sign(url, slug, tmp_path / f"tokens-{n}.json", tmp_path / f"receipt-{n}.json",
                            name=name, role="Researcher", statement="Sealed for ever.") == 0
            keyboard.address = "dan@openai.com"
            assert verify(url, "dan@openai.com", tmp_path / "tokens-dan.json") == 0
        [published] = publish_due(app, hours=1)
        assert published.entries == 3 and published.round_frozen is None
        ciphertexts = [e.ciphertext for e in db.session.scalars(select(Entry).where(Entry.campaign_id == campaign_id))]
        assert len(ciphertexts) == 3 and all(c is not None and len(c) == 1160 for c in ciphertexts)
        issued = select(func.count()).select_from(TokenIssuance).where(TokenIssuance.campaign_id == campaign_id)
        assert db.session.scalar(issued) == 4
        # While stored, every piece of every ciphertext is found in the database file.
        db.session.rollback()
        stored = stored_bytes(app)
        assert all(piece in stored for c in ciphertexts for piece in pieces(c))

        # The deadline passes below the threshold: tick expires the campaign and asks trustees to destroy.
        report = tick_at(app, campaign.deadline + timedelta(hours=2))
        assert report.deleted
        assert event_names(campaign_id) == [[], ["expired"]]
        compact_database()  # as the tick command does after deleting ciphertexts
        assert (f"{slug}: expired below its threshold; ciphertexts and issuance records deleted "
                "(openings kept until the trustees have checked the expiry)") in report.actions
        assert send_all(report.outgoing) == []
        for _, email in TRUSTEES:
            assert "pledge-trustee destroy" in sink.wait_for(email, "please destroy your share").body
        db.session.rollback()
        assert db.session.get(Campaign, campaign_id).state == CampaignState.EXPIRED

        # No ciphertext of it in the entries table, no issuance record,
        assert db.session.scalar(text("SELECT count(*) FROM entries WHERE campaign_id = :c AND ciphertext IS NOT NULL"),
                                 {"c": campaign_id}) == 0
        assert db.session.scalar(text("SELECT count(*) FROM entries WHERE campaign_id = :c"), {"c": campaign_id}) == 3
        assert db.session.scalar(text("SELECT count(*) FROM token_issuances WHERE campaign_id = :c"), {"c": campaign_id}) == 0
        # and, after a checkpoint, not one piece of any ciphertext in the database file or its WAL.
        db.session.rollback()
        stored = stored_bytes(app)
        assert len(stored) > 100_000
        for ciphertext in ciphertexts:
            assert not any(piece in stored for piece in pieces(ciphertext))
        # The openings stay, sealed, until the trustees have checked the expiry against them.
        assert db.session.scalar(text("SELECT count(*) FROM entries WHERE campaign_id = :c AND opening IS NOT NULL"),
                                 {"c": campaign_id}) == 3

        # Each trustee destroys their share with pledge-trustee and uploads the signed confirmation.
        for desk in desks:
            confirmation = desk.folder / "destroyed.json"
            assert tool("destroy", "--share", desk.share, "--key", desk.key, "--package", desk.folder / "ceremony.json",
                        "--out", confirmation) == 0
            assert not desk.share.exists()
            assert json.loads(confirmation.read_text())["index"] == desk.seat
            redirected(desk.web.upload(f"/trustee/campaigns/{campaign_id}/destroyed", confirmation), "/trustee/")
            assert "Your confirmation is recorded and shown on the campaign page." in flashes(desk.web)

        # The public page shows the final count only, and every confirmation.
        page = " ".join(WebUser(app).get(f"/campaigns/{slug}").get_data(as_text=True).split())
        assert "Expired: nothing was revealed" in page
        for name, _ in TRUSTEES:
            assert f"{name} (confirmed " in page
        assert "not yet" not in page
        assert not any(name in page for _, name in SIGNERS)

        # The next batch publishes the three confirmations as share-destroyed events; then nothing
        # waits for a batch, and no batch comes.
        report = tick_at(app, campaign.deadline + timedelta(hours=3))
        assert f"{slug}: batch 3 published (0 new, 0 withdrawn); events: " + ", ".join(["share-destroyed"] * 3) \
            in report.actions
        assert tick_at(app, campaign.deadline + timedelta(hours=4)).published is False
        # Every trustee confirmed: the openings are gone too.
        db.session.rollback()
        assert db.session.scalar(text("SELECT count(*) FROM entries WHERE campaign_id = :c AND opening IS NOT NULL"),
                                 {"c": campaign_id}) == 0
        assert event_names(campaign_id) == [[], ["expired"], ["share-destroyed"] * 3]
        destroyed = events_by_batch(campaign_id)[2]
        assert sorted(e["trustee"] for e in destroyed) == [1, 2, 3]
        lifecycle = replayed(campaign_id, campaign.deadline, campaign.reveal_window_seconds)
        assert (lifecycle.outcome, lifecycle.threshold_met, sorted(lifecycle.destroyed)) == ("expired", False, [1, 2, 3])

        # The trustees witness the last head (its events, and through it the expiry's).
        db.session.rollback()
        head = db.session.scalar(select(TreeHead).where(TreeHead.campaign_id == campaign_id).order_by(TreeHead.batch.desc()))
        witnessed = witness_latest(app, desks, slug, db.session.get(Campaign, campaign_id).ctx, head.timestamp + 5)
        assert all(f"Cosigned the head of size {head.size}" in line for line in witnessed), witnessed

        # The exported record: expired, no round, the confirmations in the log, no ciphertext.
        db.session.rollback()
        exported = tmp_path / "record.json"
        # This story runs days ahead of the real clock: the export happens at the story's time.
        monkeypatch.setattr("pledge.services.record.utcnow", lambda: datetime.fromtimestamp(head.timestamp + 10, tz=UTC))
        result = app.test_cli_runner().invoke(args=["campaign", "export", slug, "-o", str(exported)])
        assert result.exit_code == 0, result.output
        record = json.loads(exported.read_bytes())
        assert record["rounds"] == []
        assert record["outcome"] == {"state": "expired", "threshold_met": False}
        assert "public_key" not in record["log"] and isinstance(record["exported_at"], int)
        assert sorted(replayed_record(record).destroyed) == [1, 2, 3]
        assert record["counts"]["labs_reached"] == []  # no per-lab number; no lab reached 5
        assert not any(ciphertext.hex() in exported.read_text() for ciphertext in ciphertexts)
        capsys.readouterr()
        assert pledge_verify([str(exported)]) == 0
        out = capsys.readouterr().out
        assert "outcome: expired; 3 of 3 trustees confirmed destroying their share" in out
        assert "rounds: none" in out
    finally:
        sink.stop()
