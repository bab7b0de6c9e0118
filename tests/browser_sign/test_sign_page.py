"""The sign page's refusals and fallbacks: a forged ceremony board, no token, no JavaScript,
a closed campaign; at 375px wide, with no CSP violation and no request to another host."""

from __future__ import annotations

import secrets
from datetime import timedelta

from nacl.signing import SigningKey
from sqlalchemy import func, select

from crypto.formats import messages
from crypto.hashing import WIRE_VERSION
from pledge.extensions import db
from pledge.models import Entry, utcnow
from tests.browser import assert_clean, fill_signature, fits_width, open_sign_page, verify_in_browser, watch
from tests.browser_sign.kit import decrypt_entry

PHONE = {"width": 375, "height": 740}


FORGET_SIGNING = """async (campaign) => {
  await new Promise((done) => { const q = indexedDB.deleteDatabase('pledge-receipts'); q.onsuccess = done; q.onerror = done; });
  const db = await new Promise((done) => { const q = indexedDB.open('pledge'); q.onsuccess = () => done(q.result); });
  await new Promise((done) => {
    const tx = db.transaction('tokens', 'readwrite');
    const store = tx.objectStore('tokens');
    const get = store.get(campaign);
    get.onsuccess = () => { const token = get.result; delete token.used; store.put(token); };
    tx.oncomplete = done;
  });
  db.close();
}"""


def forge_first_transcript_signature(board: dict) -> dict:
    """Trustee 1's signature replaced by a valid Ed25519 signature from a key nobody registered,
    over the very message trustee 1 should have signed."""
    ctx, first = bytes.fromhex(board["ctx"]), board["transcript_signatures"][0]
    message = messages.transcript_message(ctx, first["index"], bytes.fromhex(first["transcript"]))
    first["signature"] = SigningKey(secrets.token_bytes(32)).sign(message).signature.hex()
    return board


def test_a_forged_transcript_signature_stops_sealing_and_says_why(browser, site, sink, launch):
    campaign = launch("Forged board").campaign
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    seen = watch(page, site.url)

    # Without a token the page says so and sends the signer to /verify.
    page.goto(f"{site.url}/campaigns/{campaign.slug}/sign")
    note = page.locator("#sign-no-token")
    note.wait_for()
    assert "This browser holds no token for this campaign." in note.inner_text()
    assert note.get_by_role("link", name="Verify your affiliation").get_attribute("href") == "/verify"
    assert page.locator("#sign-form").is_hidden()
    assert fits_width(page)

    # Given a token, and a server that serves a board whose first transcript signature is forged,
    verify_in_browser(page, site, sink)
    site.board.rewrite = forge_first_transcript_signature
    open_sign_page(page, site, campaign.slug)
    status = page.locator("#sign-status")
    assert "This page will not seal your signature" in status.inner_text()
    assert "the transcript signature of trustee 1 (Trustee 1) does not verify" in status.inner_text()
    assert fits_width(page)

    # when the signer fills the form and presses the button anyway,
    fill_signature(page, name="Ada Lovelace", role="Research scientist", statement="A" * 300)
    assert fits_width(page)
    page.evaluate("document.getElementById('sign-status').textContent = ''")
    page.get_by_role("button", name="Seal and sign").click()
    page.wait_for_function("() => document.getElementById('sign-status').classList.contains('is-error')"
                           " && document.getElementById('sign-status').textContent !== ''")

    # then nothing was sealed or sent, and the page says why.
    assert "does not verify under that trustee’s key in the manifest" in status.inner_text()
    assert "Nothing was sent" in status.inner_text()
    assert site.recorder.posts_to("/entries") == []
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 0
    assert page.locator("#sign-done").is_hidden()
    assert fits_width(page)
    assert_clean(page, seen)
    context.close()


def test_the_form_checks_its_room_seals_no_name_when_anonymous_and_shows_server_refusals(browser, site, sink, launch):
    launched = launch("Room left")
    campaign = launched.campaign
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    seen = watch(page, site.url)
    verify_in_browser(page, site, sink)
    open_sign_page(page, site, campaign.slug)
    assert "Checked in this browser" in page.locator("#sign-status").inner_text()

    # An empty form is refused field by field, with the focus on what is missing.
    page.get_by_role("button", name="Seal and sign").click()
    assert page.locator("#sign-status").inner_text() == "Choose whether to show your name at the reveal."
    page.get_by_label("Show my name at the reveal").check()
    page.get_by_role("button", name="Seal and sign").click()
    assert page.evaluate("document.activeElement.id") == "sign-name"

    # The room left counts the whole payload; too long a statement is refused before sealing.
    room = page.locator("#sign-room")
    fill_signature(page, name="Ada", role="RS", statement="")
    empty = int(room.inner_text().split()[0])
    page.get_by_label("Statement (optional)").fill("é" * 10)
    assert int(room.inner_text().split()[0]) == empty - 20
    page.get_by_label("Statement (optional)").fill("é" * 600)  # 600 characters, but 1200 bytes
    assert "too long" in room.inner_text()
    page.get_by_role("button", name="Seal and sign").click()
    assert "too long" in page.locator("#sign-status").inner_text()

    # A text-direction override, which could disguise a name at the reveal, is refused too.
    page.get_by_label("Statement (optional)").fill("")
    page.get_by_label("Your name").fill("Ada \u202eecalevoL")
    page.get_by_role("button", name="Seal and sign").click()
    assert "text-direction override" in page.locator("#sign-status").inner_text()
    assert page.evaluate("document.activeElement.id") == "sign-name"
    assert site.recorder.posts_to("/entries") == []

    # Choosing to be counted anonymously removes the name field and, unless "Include my role" is
    # ticked, the role field: no name and no role are sealed at all.
    page.get_by_label("Count me as a verified anonymous researcher at my lab").check()
    assert page.get_by_label("Your name").is_hidden()
    assert page.get_by_label("Your role").is_hidden()
    include = page.get_by_label("Include my role")
    assert include.is_visible() and not include.is_checked()
    include.check()
    assert page.get_by_label("Your role").is_visible()
    page.get_by_label("Your role").fill("")
    page.get_by_role("button", name="Seal and sign").click()
    assert page.locator("#sign-status").inner_text() == "Enter your role, or untick “Include my role”."
    page.get_by_label("Your role").fill("RS")
    include.uncheck()
    page.get_by_label("Statement (optional)").fill("Count me\nin.")
    page.get_by_role("button", name="Seal and sign").click()
    page.get_by_role("heading", name="Signed. Keep your receipt.").wait_for()
    assert fits_width(page)
    assert decrypt_entry(launched) == {"v": WIRE_VERSION, "display": "anonymous", "name": "", "role": "",
                                       "statement": "Count me in."}

    # A browser that forgot it signed tries again: the server refuses, and its message shows.
    page.goto(f"{site.url}/about")
    page.evaluate(FORGET_SIGNING, campaign.public_id)
    open_sign_page(page, site, campaign.slug)
    fill_signature(page, name="Ada", role="RS", statement="")
    with page.expect_response(lambda r: r.url.endswith("/entries")) as answer:
        page.get_by_role("button", name="Seal and sign").click()
    assert answer.value.status == 409
    page.wait_for_function("() => document.getElementById('sign-status').classList.contains('is-error')")
    assert page.locator("#sign-status").inner_text() == answer.value.json()["message"]
    assert page.locator("#sign-done").is_hidden()
    assert_clean(page, seen)
    context.close()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_without_javascript_the_page_points_to_pledge_sign(browser, site, launch):
    campaign = launch("No script").campaign
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{site.url}/campaigns/{campaign.slug}/sign")
    # (Playwright's text selectors skip <noscript>, so the notice is found by its class.)
    notice = page.locator(".signing-noscript")
    assert notice.is_visible()
    assert "Signing needs JavaScript." in notice.inner_text()
    assert f"pledge-sign sign --server {site.url} --campaign {campaign.slug}" in notice.inner_text()
    assert page.locator("#sign-app").is_hidden()
    assert "Who can see your signature, and when" in page.locator("main").inner_text()
    assert fits_width(page)
    page.goto(f"{site.url}/campaigns/{campaign.slug}/receipt")
    assert "pledge-sign check RECEIPT" in page.locator(".signing-noscript").inner_text()
    context.close()


def test_a_closed_campaign_says_signing_is_closed(client, make_open_campaign):
    campaign = make_open_campaign(title="Over", deadline=utcnow() - timedelta(hours=1))
    page = client.get(f"/campaigns/{campaign.slug}/sign").get_data(as_text=True)
    assert "Signing is closed." in page
    assert "sign.js" not in page and 'id="sign-form"' not in page
    assert f'href="/campaigns/{campaign.slug}/receipt"' in page


STORED = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  const count = async (name, store) => {
    if (!names.includes(name)) return 0;
    const db = await new Promise((done) => { const q = indexedDB.open(name); q.onsuccess = () => done(q.result); });
    try {
      if (!db.objectStoreNames.contains(store)) return 0;
      return await new Promise((done) => {
        const q = db.transaction(store).objectStore(store).count();
        q.onsuccess = () => done(q.result);
      });
    } finally { db.close(); }
  };
  return { names, tokens: await count('pledge', 'tokens'), receipts: await count('pledge-receipts', 'receipts') };
}"""


def test_before_you_sign_states_the_k_rule_and_the_clear_button_empties_this_browser(browser, site, sink, launch):
    campaign = launch("Clear the browser", suppress_below=3).campaign
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    seen = watch(page, site.url)
    verify_in_browser(page, site, sink)
    open_sign_page(page, site, campaign.slug)

    # Before anyone signs, the page states the k rule and the before-you-sign panel.
    assert "You are revealed only together with at least 2 others from your lab." in page.locator("#k-rule").inner_text()
    panel = page.locator("section.signing-before")
    assert "Use your own device and your own network, not your employer’s." in panel.inner_text()
    assert "What stays in this browser." in panel.inner_text()
    assert fits_width(page)

    # Given a signature made here, a token and a receipt are kept in this browser;
    fill_signature(page, name="Ada", role="RS", statement="")
    page.get_by_role("button", name="Seal and sign").click()
    page.get_by_role("heading", name="Signed. Keep your receipt.").wait_for()
    stored = page.evaluate(STORED)
    assert stored["tokens"] >= 1 and stored["receipts"] == 1

    # asking to clear takes a confirmation, and "no" removes nothing;
    page.get_by_role("button", name="Clear this browser’s Pledge data").click()
    assert "Download or copy your receipt first" in page.locator("#clear-confirm").inner_text()
    page.get_by_role("button", name="No, keep it").click()
    assert page.locator("#clear-status").inner_text() == "Nothing was removed."
    assert page.evaluate(STORED)["receipts"] == 1

    # "yes" deletes both databases, and the page says what it did and what it could not.
    page.get_by_role("button", name="Clear this browser’s Pledge data").click()
    page.get_by_role("button", name="Yes, clear this browser’s Pledge data").click()
    page.wait_for_function("() => document.getElementById('clear-status').classList.contains('is-ok')")
    assert page.locator("#clear-status").inner_text().startswith(
        "Cleared: this browser now keeps no Pledge tokens and no receipts for this site.")
    assert page.evaluate(STORED) == {"names": [], "tokens": 0, "receipts": 0}

    # Back on the sign page, this browser holds no token; the receipt page lists no receipt.
    page.goto(f"{site.url}/campaigns/{campaign.slug}/sign")
    page.locator("#sign-no-token").wait_for()
    page.goto(f"{site.url}/campaigns/{campaign.slug}/receipt")
    page.locator("#browser-data").wait_for()
    assert page.locator("#stored-receipts").is_hidden()
    assert_clean(page, seen)
    context.close()


def test_after_round_one_the_sign_page_says_what_a_new_signature_will_do(client, make_open_campaign):
    campaign = make_open_campaign(title="Met", suppress_below=4)
    before = " ".join(client.get(f"/campaigns/{campaign.slug}/sign").get_data(as_text=True).split())
    assert "You are revealed only together with at least 3 others from your lab." in before
    assert 'id="after-round-one"' not in before
    campaign.threshold_met_at = utcnow()
    db.session.commit()
    after = " ".join(client.get(f"/campaigns/{campaign.slug}/sign").get_data(as_text=True).split())
    assert "the first round is frozen, and a signature made now is not in it." in after
    assert "revealed together if there are at least 4 of them, yours included" in after
