"""One format for every value a person compares: the fingerprints ``pledge-trustee`` prints are the
ones the campaign page, the trustee and organizer pages and the e-mails show, and no page asks
anyone to compare a raw hex string. A real ceremony over HTTP with the real trustee tool; every
e-mail read from the SMTP sink."""

from __future__ import annotations

import json
import re

import pytest

from crypto.formats import messages
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import CampaignState, Role
from pledge_tools.witness.cli import main as pledge_witness
from tests.ceremony_cli_kit import PASSPHRASE, World, client_of, page, tool
from tests.kit.forms import post_form

FINGERPRINT = re.compile(r"\b[0-9a-f]{4}(?:-[0-9a-f]{4}){4}\b")
LONG_HEX = re.compile(r"\b[0-9a-f]{64,}\b")


@pytest.fixture
def world(app, sink, make_user, make_campaign, tmp_path, monkeypatch):
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    app.config["MAIL_PORT"] = sink.port
    organizer, password = make_user(Role.ORGANIZER, email="org@staff.example")
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_quorum=3, trustee_count=3,
                             title="Fingerprints everywhere")
    client = client_of(app)
    assert post_form(client, "/login", {"email": "org@staff.example", "password": password}).status_code == 302
    return World(app, sink, campaign, client, "org@staff.example", tmp_path)


def printed(capsys, label: str) -> str:
    """The fingerprint the tool printed on the line with ``label`` (each such line must agree)."""
    out = capsys.readouterr().out
    found = {FINGERPRINT.search(line).group(0) for line in out.splitlines() if label in line and FINGERPRINT.search(line)}
    assert len(found) == 1, (label, out)
    return found.pop()


def visible(html: str) -> str:
    """What a reader is shown first: the page without its <details> (full values kept for copying)
    and without tag attributes."""
    html = re.sub(r"<details\b.*?</details>", "", html, flags=re.S)
    return re.sub(r"<[^>]*>", " ", html)


def assert_no_hex_to_compare(html: str) -> None:
    """No 64-plus hex characters outside a <details> holding the full value for copying."""
    assert not LONG_HEX.search(visible(html)), LONG_HEX.search(visible(html)).group(0)


def test_the_tool_the_pages_and_the_emails_show_the_same_fingerprints(world: World, capsys):
    capsys.readouterr()
    people = []
    signing = {}
    for name in ("Ada Trustee", "Bo Trustee", "Cy Trustee"):
        person = world.seat(name, f"{name.split()[0].lower()}@trustees.example")
        signing[person.seat] = printed(capsys, "signing key fingerprint")
        people.append(person)
    # The keys page shows each trustee the fingerprint their own init printed.
    for person in people:
        keys_page = page(person.client, f"/trustee/campaigns/{world.cid}/keys")
        assert signing[person.seat] in keys_page
        assert_no_hex_to_compare(keys_page)

    # An extra witness, listed by the organizer with the key pledge-witness init printed.
    witness_fp, witness_hex = witness_init(world.tmp / "witness.key", capsys)
    with write_intent():
        draft = world.fresh()
        draft.extra_witnesses = json.dumps([{"name": "Wendy Witness", "ed25519": witness_hex}])
        draft.witness_quorum = 3  # a majority of the 4 witnesses, at most t
        db.session.commit()

    world.freeze()
    ctx_printed = set()
    for person in people:
        deal = world.make_deal(person)
        ctx_printed.add(printed(capsys, "ctx fingerprint"))
        assert world.post_deal(person, deal.read_bytes()).status_code == 302
    (ctx_fp,) = ctx_printed
    finished = []
    for person in people:
        code, result = world.finish(person)
        assert code == 0
        out = capsys.readouterr().out
        finished.append(out)
        assert world.post_result(person, result.read_bytes()).status_code == 302
    transcripts = {FINGERPRINT.search(line).group(0) for out in finished for line in out.splitlines()
                   if "transcript fingerprint" in line}
    keys_y = {FINGERPRINT.search(line).group(0) for out in finished for line in out.splitlines()
              if "Y (campaign key) fingerprint" in line}
    assert len(transcripts) == 1 and len(keys_y) == 1, finished
    (transcript_fp,), (y_fp,) = transcripts, keys_y

    campaign = world.fresh()
    assert ctx_fp == messages.fingerprint(campaign.ctx)

    # Before launch: the organizer's page and the trustees' pages.
    organizer_page = world.organizer_page()
    assert ctx_fp in organizer_page and transcript_fp in organizer_page
    assert_no_hex_to_compare(organizer_page)
    assert "pledge-trustee finish" in visible(organizer_page)
    for person in people:
        dashboard = page(person.client, "/trustee/")
        assert ctx_fp in dashboard
        assert_no_hex_to_compare(dashboard)

    # The e-mails: the deal request names the ctx fingerprint; "ready to launch" the transcript's.
    for person in people:
        deal_mail = world.sink.wait_for(person.email, "please post your deal").body
        assert ctx_fp in deal_mail and not LONG_HEX.search(deal_mail)
    ready = world.sink.wait_for(world.organizer_email, "ready to launch").body
    assert transcript_fp in ready and ctx_fp in ready and not LONG_HEX.search(ready)

    assert world.organizer_post(f"/organize/campaigns/{world.cid}/launch").status_code == 302
    campaign = world.fresh()
    assert campaign.state == CampaignState.OPEN
    assert y_fp == messages.fingerprint(campaign.group_key)

    # After launch: the public page, the trustee dashboard and the launch e-mail.
    public = page(client_of(world.app), f"/campaigns/{campaign.slug}")
    for value in (ctx_fp, y_fp, witness_fp, *signing.values()):
        assert value in visible(public), value
    assert_no_hex_to_compare(public)
    text = " ".join(visible(public).split())
    assert "pledge-trustee finish" in text and "pledge-trustee deal" in text
    # The full values stay available for copying, never as the thing to compare.
    assert campaign.ctx.hex() in public and campaign.group_key.hex() in public
    for person in people:
        dashboard = page(person.client, "/trustee/")
        assert y_fp in dashboard
        assert_no_hex_to_compare(dashboard)
        launched = world.sink.wait_for(person.email, "campaign launched").body
        assert y_fp in launched and ctx_fp in launched and not LONG_HEX.search(launched)


def witness_init(key, capsys) -> tuple[str, str]:
    """``pledge-witness init``: the fingerprint it printed, and the full key it printed for the organizer."""
    capsys.readouterr()
    assert pledge_witness(["init", "--name", "Wendy Witness", "--key", str(key), "--kdf", "interactive"]) == 0
    out = capsys.readouterr().out
    full = LONG_HEX.search(out).group(0)
    fingerprint = FINGERPRINT.search(out).group(0)
    assert fingerprint == messages.fingerprint(bytes.fromhex(full))
    return fingerprint, full


def test_pledge_witness_init_prints_the_fingerprint_next_to_the_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    witness_init(tmp_path / "witness.key", capsys)  # the fingerprint printed is that of the key printed


def test_tool_init_prints_its_signing_key_fingerprint(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    key = tmp_path / "trustee.key"
    assert tool("init", "--name", "Ada", "--out", key, "--kdf", "interactive") == 0
    out = capsys.readouterr().out
    public = json.loads((tmp_path / "trustee.key.pub.json").read_text())
    assert f"signing key fingerprint: {messages.fingerprint(bytes.fromhex(public['ed25519']))}" in out
