"""The canary: a signer's name and statement, typed into the sign page in real Chromium, reach
the server in no form it could read. Before any reveal they appear in no raw request body the
server received (recorded by our own WSGI middleware), not in the database file or its WAL, and
not in the logs; yet the sealed entry does open to them with the trustees' shares, so a search
that finds nothing means the server never had them, not that we searched for the wrong thing."""

from __future__ import annotations

import base64
import json
import logging
import secrets
from urllib.parse import quote, quote_plus

from sqlalchemy import select

from crypto.hashing import WIRE_VERSION
from pledge.database import purge_deleted_rows
from pledge.extensions import db
from pledge.models import Entry
from tests import dbkit
from tests.browser import assert_clean, fill_signature, open_sign_page, verify_in_browser, watch
from tests.browser_sign.kit import decrypt_entry
from tests.kit.ticks import publish_due


def forms_of(value: str) -> list[bytes]:
    """The ways a server could hold ``value`` without decrypting anything: UTF-8, UTF-16, hex,
    base64, JSON-escaped, and URL-encoded (a query string or form field)."""
    raw = value.encode("utf-8")
    return [raw, value.encode("utf-16-le"), raw.hex().encode(), raw.hex().upper().encode(),
            base64.b64encode(raw), json.dumps(value).encode(), quote(value).encode(), quote_plus(value).encode()]


def entry_ciphertext_hex(campaign) -> str:
    db.session.rollback()
    return db.session.scalar(select(Entry.ciphertext).where(Entry.campaign_id == campaign.id)).hex()


def hits(haystack: bytes, secrets_: list[str]) -> list[str]:
    return [s for s in secrets_ for form in forms_of(s) if form in haystack]


def test_the_server_never_receives_the_name_or_the_statement(browser, site, sink, launch, caplog):
    caplog.set_level(logging.DEBUG)
    launched = launch("Canary campaign")
    campaign = launched.campaign
    name = f"Canary Signer {secrets.token_hex(6)}"
    statement = f"Canary statement {secrets.token_hex(8)}: I will not work on this."

    # Given a signer who verifies and signs with a unique name and statement,
    context = browser.new_context()
    page = context.new_page()
    seen = watch(page, site.url)
    verify_in_browser(page, site, sink)
    open_sign_page(page, site, campaign.slug)
    fill_signature(page, name=name, role="Research scientist", statement=statement)
    page.get_by_role("button", name="Seal and sign").click()
    page.get_by_role("heading", name="Signed. Keep your receipt.").wait_for()
    assert_clean(page, seen)
    context.close()
    publish_due(site.app, hours=1)  # the entry is in the log too, and still long before any reveal

    # then no raw request the server received holds them, in any of the usual encodings,
    [submission] = site.recorder.posts_to("/entries")
    assert entry_ciphertext_hex(campaign) in submission.body.decode(), "the recorder does not see the bodies"
    for request in site.recorder.requests:
        assert hits(request.everything(), [name, statement]) == [], request.path

    # nor the database file, nor its write-ahead log,
    db.session.rollback()
    before_checkpoint = dbkit.stored_bytes(site.app)
    purge_deleted_rows()
    files = [before_checkpoint, dbkit.stored_bytes(site.app)]
    assert any(hits(content, [campaign.title]) for content in files), "the search does not see the database's text"
    for content in files:
        assert hits(content, [name, statement]) == []

    # nor any log record (the SMTP sink's own "mail.log" aside: it is the mailbox, not the server).
    logged = [r for r in caplog.records if r.name != "mail.log"]
    assert any("/entries" in r.getMessage() for r in logged), "the server's request log was not captured"
    for record in logged:
        line = f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        assert hits(line.encode("utf-8", "replace"), [name, statement]) == [], record.name

    # Yet the sealed entry opens to exactly what was typed with two trustees' shares.
    payload = decrypt_entry(launched)
    assert payload == {"v": WIRE_VERSION, "display": "name", "name": name, "role": "Research scientist", "statement": statement}
