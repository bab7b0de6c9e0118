"""Every absolute address the site sends out comes from PLEDGE_PUBLIC_URL, never from a request.

An attacker who can make a request (a trustee, an organizer, a signer, anyone) sets ``Host`` and
``X-Forwarded-Host`` to their own server. Here every person's requests carry forged headers: a
``Host`` the site answers to but that is not the public one, and ``X-Forwarded-Host`` /
``Forwarded: host=`` naming the attacker's server, with no proxy configured and with one hop.
The organizer runs the ceremony through the pages, the trustees with ``pledge-trustee``, signers
ask for codes and sign, a round freezes and two trustees reveal it; every mail (caught by the real
SMTP sink), the Atom feed, the record and the pages must hold links under the public URL only, and
the forged host nowhere. A request whose ``Host`` is the attacker's gets 400 and changes nothing.
In production the app does not start without PLEDGE_PUBLIC_URL.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from pledge import create_app
from pledge.config import SECRET_NAMES, ConfigurationError
from pledge.database import write_intent
from pledge.extensions import db
from pledge.instance import init_instance
from pledge.models import Campaign, Role, utcnow
from pledge.services.accounts import PasswordCost, create_user
from pledge.services.demo import seed_labs
from pledge.services.notify import send_all
from tests.kit.config import make_config
from tests.kit.forms import csrf_from
from tests.kit.ticks import tick_at
from tests.lifecycle.kit import PASSPHRASE, WebUser, create_draft, decrypt_round, redirected, run_ceremony
from tests.mailsink import MailSink
from tests.signing_kit import Signer

PUBLIC = "https://pledge.example.org"
EVIL = "pledge.example.evil.test"
URL = re.compile(r"https?://[^\s\"'<>)]+")
TRUSTEES = [("Uma Trustee", "uma@trustees.example"), ("Vic Trustee", "vic@trustees.example"),
            ("Wen Trustee", "wen@trustees.example")]
ORGANIZER = "org@organizers.example"
JSON = {"Content-Type": "application/json"}


def forged(host: str) -> dict[str, str]:
    """What an attacker puts in a request's headers (as WSGI environ keys)."""
    return {"HTTP_HOST": host, "HTTP_X_FORWARDED_HOST": EVIL, "HTTP_FORWARDED": f"host={EVIL};proto=https",
            "HTTP_X_FORWARDED_SERVER": EVIL, "HTTP_X_HOST": EVIL, "HTTP_X_ORIGINAL_HOST": EVIL}


class ForgingClient(FlaskClient):
    """A test client whose every request carries forged host headers."""

    host = "localhost"

    def open(self, *args, **kwargs):
        overrides = dict(kwargs.pop("environ_overrides", None) or {})
        overrides.update(forged(self.host))
        return super().open(*args, environ_overrides=overrides, **kwargs)


def assert_clean(text: str, where: str) -> None:
    """Every absolute URL in ``text`` is under the public URL; the forged hosts appear nowhere."""
    links = URL.findall(text)
    outside = [link for link in links if not (link == PUBLIC or link.startswith((PUBLIC + "/", PUBLIC + "#")))
               and not link.startswith(("http://www.w3.org/",))]
    assert outside == [], (where, outside)
    assert EVIL not in text and "localhost" not in text and "127.0.0.1" not in text, (where, text[:2000])


@pytest.mark.parametrize("hops", [0, 1])
def test_forged_hosts_reach_no_mail_feed_record_or_page(app_factory, tmp_path: Path, monkeypatch, hops: int) -> None:
    sink = MailSink(tmp_path / "sink")
    app = app_factory(PUBLIC_URL=PUBLIC + "/", PROXY_HOPS=hops, MAIL_PORT=sink.port)
    app.test_client_class = ForgingClient
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    assert app.config["PUBLIC_URL"] == PUBLIC  # normalized
    assert app.config["TRUSTED_HOSTS"] == ["pledge.example.org", "127.0.0.1", "localhost"]
    try:
        with app.app_context():
            with write_intent():
                labs = {lab.slug: lab for lab in seed_labs(db.session)}
                create_user(db.session, email=ORGANIZER, name="Org", password="organizer password 1",
                            roles=[Role.ORGANIZER], cost=PasswordCost(opslimit=1, memlimit=8192))
                db.session.commit()
            organizer = WebUser(app)
            assert isinstance(organizer.client, ForgingClient)
            organizer.login(ORGANIZER, "organizer password 1")
            campaign_id = create_draft(
                organizer, title="Links from configuration", lab_ids=[labs["anthropic"].id, labs["openai"].id],
                min_total=5, min_per_lab=5, min_labs=1, t=2, n=3, deadline=utcnow() + timedelta(days=30),
                conditions=["Publish the evaluations."])
            # Invitation, deal requests, board, ready, launch: organizer and trustee actions, forged.
            desks = run_ceremony(app, sink, organizer, campaign_id, TRUSTEES, tmp_path)
            db.session.rollback()
            campaign = db.session.get(Campaign, campaign_id)
            slug = campaign.slug

            # Signers: a code by mail (its request forged as well), then five entries.
            signer_client = app.test_client()
            for n in range(2):
                response = signer_client.post("/api/verify/start", data=json.dumps({"email": f"s{n}@anthropic.com"}),
                                              headers=JSON)
                assert response.status_code == 200, response.get_data(as_text=True)
                sink.wait_for(f"s{n}@anthropic.com", "verification code")
            signers = [Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"], name=f"Signer {n}") for n in range(5)]
            for signer in signers:
                response = signer_client.post(f"/api/campaigns/{slug}/entries", data=json.dumps(signer.body()),
                                              headers=JSON)
                assert response.status_code == 201, response.get_json()
            # The tick (no request at all) freezes round 1 and asks the trustees for partials.
            report = tick_at(app, utcnow() + timedelta(hours=1))
            assert report.outgoing and send_all(report.outgoing) == []
            # Two trustees reveal it with the tool: the round-revealed mail goes to all and the organizer.
            for desk in desks[:2]:
                redirected(decrypt_round(desk, campaign_id, 1), "/trustee/")
            sink.wait_for(ORGANIZER, "round 1 is revealed")
            # An update for the feed.
            redirected(organizer.post_form(f"/organize/campaigns/{campaign_id}/outcomes", {
                "update-title": "First update", "update-body": "Round 1 is out.", "update-submit": "Post update"}))

            # Every mail: links under the public URL only, the forged host nowhere.
            messages = sink.messages()
            subjects = {m.subject for m in messages}
            for expected in ("You are invited to be a Pledge trustee", "Pledge ceremony: please post your deal",
                             "Pledge ceremony: the board is complete", "Pledge ceremony complete: ready to launch",
                             "Pledge campaign launched", "Pledge: a reveal round is ready for you",
                             "Pledge: round 1 is revealed", "Your verification code"):
                assert expected in subjects, subjects
            linked = 0
            for message in messages:
                assert_clean(message.body, message.subject)
                linked += bool(URL.search(message.body))
            assert linked >= 3 * 6 + 2  # every trustee mail and the organizer's carry a link
            invitation = next(m for m in messages if "invited" in m.subject)
            assert re.search(rf"{re.escape(PUBLIC)}/trustee/invitations/\S+", invitation.body)

            # The feed, the record and the pages, asked for with forged headers too.
            feed = signer_client.get(f"/campaigns/{slug}/updates.atom")
            assert feed.status_code == 200
            feed_text = feed.get_data(as_text=True)
            assert f"<id>{PUBLIC}/campaigns/{slug}</id>" in feed_text
            assert f'<link rel="self" href="{PUBLIC}/campaigns/{slug}/updates.atom"/>' in feed_text
            assert_clean(feed_text, "feed")
            record = signer_client.get(f"/api/campaigns/{slug}/record")
            assert record.status_code == 200
            assert EVIL not in record.get_data(as_text=True) and "localhost" not in record.get_data(as_text=True)
            for path in (f"/campaigns/{slug}/sign", "/verify"):
                page = signer_client.get(path).get_data(as_text=True)
                assert f"--server {PUBLIC} " in page and EVIL not in page, path

            # A request whose Host is the attacker's is refused before anything runs.
            before = len(sink.messages())
            evil = app.test_client()
            evil.host = EVIL
            assert evil.get("/").status_code == 400
            assert evil.post("/api/verify/start", data=json.dumps({"email": "x@anthropic.com"}),
                             headers=JSON).status_code == 400
            token = csrf_from(organizer.get(f"/organize/campaigns/{campaign_id}/trustees").get_data(as_text=True))
            organizer.client.host = EVIL
            refused = organizer.client.post(f"/organize/campaigns/{campaign_id}/trustees",
                                            data={"name": "Eve", "email": "eve@trustees.example", "csrf_token": token})
            assert refused.status_code == 400
            assert len(sink.messages()) == before
            db.session.rollback()
            assert db.session.scalar(select(Campaign.trustee_count).where(Campaign.id == campaign_id)) == 3
    finally:
        sink.stop()


def test_production_refuses_to_start_without_a_public_url(tmp_path, monkeypatch) -> None:
    # From the environment, as a deployment starts it.
    folder = tmp_path / "instance"
    init_instance(folder)
    monkeypatch.setenv("PLEDGE_INSTANCE_PATH", str(folder))
    monkeypatch.setenv("PLEDGE_ENV", "production")
    monkeypatch.delenv("PLEDGE_PUBLIC_URL", raising=False)
    with pytest.raises(ConfigurationError, match="PLEDGE_PUBLIC_URL is required in production"):
        create_app()
    monkeypatch.setenv("PLEDGE_PUBLIC_URL", "https://pledge.example/")
    app = create_app()
    assert app.config["PUBLIC_URL"] == "https://pledge.example"
    # Production trusts the public host alone.
    assert app.config["TRUSTED_HOSTS"] == ["pledge.example"]
    # And from a configuration, with each kind of unusable address.
    for value, message in (("", "is required"), ("http://pledge.example", "https:// address in production"),
                           ("pledge.example", "http:// or https:// address"), ("ftp://pledge.example", "http://"),
                           ("https://user:pw@pledge.example", "user name"), ("https://pledge.example/?a=b", "query"),
                           ("https://pledge.example/#x", "fragment"), ("https://pledge.example:port", "port"),
                           ("https://pledge.example/a b", "spaces")):
        config = make_config(tmp_path / "other", PLEDGE_ENV="production", PUBLIC_URL=value)
        with pytest.raises(ConfigurationError, match=message):
            create_app(config)
    # Loopback may be plain http in production (a local run); development and tests default to it.
    assert create_app(make_config(tmp_path / "loop", PLEDGE_ENV="production", PUBLIC_URL="http://127.0.0.1:8000"))
    config = make_config(tmp_path / "dev", PLEDGE_ENV="development")
    del config["PUBLIC_URL"], config["TRUSTED_HOSTS"]
    development = create_app(config)
    assert development.config["PUBLIC_URL"] == "http://127.0.0.1:5000"
    assert development.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert set(SECRET_NAMES) <= set(development.config)


def test_production_answers_only_its_public_host_and_never_takes_forwarded_hosts(app_factory) -> None:
    app = app_factory(PLEDGE_ENV="production", PUBLIC_URL="https://pledge.example", TRUSTED_HOSTS=None, PROXY_HOPS=1)
    assert app.config["TRUSTED_HOSTS"] == ["pledge.example"]
    client = app.test_client()
    assert client.get("/about", base_url="https://pledge.example").status_code == 200
    for host in ("localhost", "127.0.0.1", EVIL, "pledge.example.evil.test:443", "evil.test"):
        assert client.get("/about", base_url=f"https://{host}").status_code == 400, host
    # Behind the proxy, X-Forwarded-Host does not replace the pinned Host (else this would be 400).
    answer = client.get("/about", base_url="https://pledge.example", headers={"X-Forwarded-Host": EVIL})
    assert answer.status_code == 200 and EVIL not in answer.get_data(as_text=True)
