"""The README walkthrough, run for real: the seeded practice campaign is signed three times with
``pledge-sign``, a batch meets the threshold, two demo trustees decrypt with their demo key and
share files through ``pledge-trustee``, the round opens, and ``pledge-verify`` accepts the record."""

from flask import g
from sqlalchemy import select

from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, utcnow
from pledge.services.accounts import PasswordCost
from pledge.services.batches import publish_batch
from pledge.services.demo import PRACTICE_SLUG, seed_demo
from pledge.services.demo_ceremony import read_passphrases
from pledge.services.record import campaign_record
from pledge_tools.trustee.cli import main as pledge_trustee
from pledge_tools.verify.cli import main as pledge_verify
from tests.browser import live_server
from tests.kit.forms import csrf_from
from tests.signer.sign_kit import CodeKeyboard, sign, verify


def test_the_readme_walkthrough_reaches_a_verified_reveal(app, tmp_path, monkeypatch):
    from tests.mailsink import MailSink

    folder = tmp_path / "demo-trustees"
    with write_intent():
        seed = seed_demo(db.session, PasswordCost(opslimit=1, memlimit=8192), utcnow(), trustee_folder=folder,
                         token_key_secret=app.config["TOKEN_KEY_SECRET"], log_key_secret=app.config["LOG_KEY_SECRET"])
        db.session.commit()
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

    # Step 3: publish now; the practice rule (3 signatures) is met and round 1 freezes.
    campaign = db.session.scalar(select(Campaign).where(Campaign.slug == PRACTICE_SLUG))
    db.session.rollback()
    with write_intent():
        published = publish_batch(db.session, campaign, utcnow(), app.config["LOG_KEY_SECRET"])
        db.session.commit()
    assert published.round_frozen is not None and published.round_frozen.size == 3

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

    # Step 5: the exported record verifies.
    record = tmp_path / "record.json"
    record.write_bytes(campaign_record(db.session, campaign))
    assert pledge_verify([str(record)]) == 0
