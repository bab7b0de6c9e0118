"""The README walkthrough, run for real: the seeded practice campaign is signed three times with
``pledge-sign``, a batch published at once (in the window of the tick's last batch) meets the
threshold, two demo trustees decrypt with their demo key and share files through
``pledge-trustee``, the round opens, the next batch logs it, and ``pledge-verify`` accepts the
record."""

import json
from datetime import timedelta
from pathlib import Path

from flask import g
from sqlalchemy import select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, TreeHead, utcnow
from pledge.services.accounts import PasswordCost
from pledge.services.demo import DEMO_SLUG, PRACTICE_SLUG, seed_demo
from pledge.services.demo_ceremony import read_passphrases
from pledge.services.record import campaign_record
from pledge_tools.trustee.cli import main as pledge_trustee
from pledge_tools.verify.cli import main as pledge_verify
from tests.browser import live_server
from tests.kit.events import replayed_record
from tests.kit.forms import csrf_from
from tests.kit.ticks import tick_at
from tests.signer.sign_kit import CodeKeyboard, sign, verify


def test_the_readme_walkthrough_reaches_a_verified_reveal(app, tmp_path, monkeypatch):
    from tests.mailsink import MailSink

    folder = Path(app.instance_path) / "demo-trustees"  # where make run keeps the demo trustees' files
    with write_intent():
        seed = seed_demo(db.session, PasswordCost(opslimit=1, memlimit=8192), utcnow(), trustee_folder=folder,
                         token_key_secret=app.config["TOKEN_KEY_SECRET"], log_key_secret=app.config["LOG_KEY_SECRET"])
        db.session.commit()
    # The practice campaign is marked practice, with k = 1, in its manifest; the realistic one is not.
    for slug, k, practice in ((PRACTICE_SLUG, 1, True), (DEMO_SLUG, 5, False)):
        manifest = json.loads(db.session.scalar(select(Campaign.manifest).where(Campaign.slug == slug)))
        assert (manifest["k"], manifest["practice"], manifest["witnesses"], manifest["w"]) == (k, practice, [], 2)
    # make run has been serving a while: its tick published the practice campaign's batch of this window.
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == PRACTICE_SLUG))
    with write_intent():
        campaign.launched_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    assert any(f"{PRACTICE_SLUG}: batch 1 published" in action for action in tick_at(app, utcnow()).actions)
    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    keyboard = CodeKeyboard(sink)
    monkeypatch.setattr("builtins.input", keyboard)
    monkeypatch.delenv("PLEDGE_SIGN_CODE", raising=False)
    try:
        with live_server(app) as url:
            # Steps 1-2: three signers (the browser path is tested elsewhere; here all use pledge-sign).
            for n, address in enumerate(("ada@anthropic.com", "bo@openai.com", "cy@meta.com")):
                keyboard.address = address
                tokens = tmp_path / f"tokens-{n}.json"
                assert verify(url, address, tokens) == 0
                assert sign(url, PRACTICE_SLUG, tokens, tmp_path / f"receipt-{n}.json",
                            name=f"Signer {n}", role="Researcher") == 0
    finally:
        sink.stop()

    # Step 3: publish now (in the same window as the tick's batch); the practice rule (3 signatures)
    # is met and round 1 freezes: three entries, then its event.
    published = publish_now(app)
    assert "batch 2 published (3 new, 0 withdrawn); reveal round 1 frozen; events: round-frozen" in published
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == PRACTICE_SLUG))
    first, second = db.session.scalars(select(TreeHead.timestamp).where(TreeHead.campaign_id == campaign.id)
                                       .order_by(TreeHead.batch))
    assert second > first

    # Step 4: two demo trustees log in, download round 1, decrypt with their files, upload.
    passphrases = read_passphrases(folder)
    for seat, trustee in ((1, seed.trustees[0]), (2, seed.trustees[1])):
        for cached in ("_login_user", "csrf_token"):
            g.pop(cached, None)  # the test's app context (and its g) is shared by its requests
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        login = client.post("/login", data={"email": trustee.email, "password": trustee.password, "csrf_token": csrf_from(page)})
        assert login.status_code == 302, login.get_data(as_text=True)[-600:]
        dashboard = client.get("/trustee/").get_data(as_text=True)
        assert "Reveal round 1" in dashboard
        package = tmp_path / f"round-{seat}.json"
        package.write_bytes(client.get(f"/trustee/campaigns/{campaign.id}/rounds/1/round.json").get_data())
        monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", passphrases[f"trustee-{seat}.key"])
        partials = tmp_path / f"partials-{seat}.json"
        assert pledge_trustee(["decrypt", "--key", str(folder / f"trustee-{seat}.key"),
                               "--share", str(folder / f"{PRACTICE_SLUG}-trustee-{seat}.share.json"),
                               "--package", str(package), "--out", str(partials)]) == 0
        with partials.open("rb") as handle:
            response = client.post(f"/trustee/campaigns/{campaign.id}/rounds/1/partials",
                                   data={"file": (handle, "partials.json"), "csrf_token": csrf_from(dashboard)},
                                   content_type="multipart/form-data")
        assert response.status_code == 302

    page = app.test_client().get(f"/campaigns/{PRACTICE_SLUG}").get_data(as_text=True)
    assert all(f"<strong>Signer {n}</strong>" in page for n in range(3))

    # Step 5: the next batch (here: publish now once more) logs the reveal; the exported record says
    # what the log says, and verifies.
    assert "batch 3 published (0 new, 0 withdrawn); events: round-revealed" in publish_now(app)
    record = tmp_path / "record.json"
    db.session.rollback()
    record.write_bytes(campaign_record(db.session, campaign))
    exported = json.loads(record.read_bytes())
    assert exported["outcome"] == {"state": "revealed", "threshold_met": True}
    assert replayed_record(exported).rounds[0].status == "revealed"
    assert pledge_verify([str(record)]) == 0


def publish_now(app) -> str:
    """``flask --app pledge dev publish-now practice-run``, as the README says; its output."""
    db.session.rollback()
    previous, app.config["PLEDGE_ENV"] = app.config["PLEDGE_ENV"], "development"
    try:
        result = app.test_cli_runner().invoke(args=["dev", "publish-now", PRACTICE_SLUG])
    finally:
        app.config["PLEDGE_ENV"] = previous
    assert result.exit_code == 0, result.output
    return result.output
