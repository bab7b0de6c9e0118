"""The /verify page in real Chromium: address, emailed code, blind tokens kept in IndexedDB, each
verified here in Python under its campaign's key; export, import, refusals and repeat visits."""

from __future__ import annotations

import json
import re

from crypto import blindrsa
from crypto.hashing import WIRE_VERSION
from pledge.extensions import db
from pledge.models import Campaign
from tests.browser import assert_clean, code_from, fits_width, watch

ADDRESS = "ada.lovelace@anthropic.com"
TOKEN_FIELDS = {"campaign", "slug", "title", "lab", "token_key", "prepared", "signature"}

READ_TOKENS = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('pledge');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const all = db.transaction('tokens').objectStore('tokens').getAll();
    all.onsuccess = () => { db.close(); resolve(all.result); };
    all.onerror = () => reject(all.error);
  };
})"""


def open_page(browser, site, **context_options):
    """A fresh context (empty IndexedDB) on /verify, watched for violations."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    seen = watch(page, site.url)
    page.goto(f"{site.url}/verify")
    page.get_by_label("Work email address").wait_for()
    return page, seen


def ask_for_code(page, sink, address: str) -> str:
    """Step 1: send the address; return the code the SMTP sink received."""
    before = len(sink.messages(address))
    page.get_by_label("Work email address").fill(address)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("8-digit code").wait_for()
    return code_from(sink, address, before)


def enter_code(page, code: str):
    """Step 2: type the code; return the JSON the page received from ``issue`` (or ``check``)."""
    page.get_by_label("8-digit code").fill(code)
    with page.expect_response(lambda r: r.url.endswith(("/api/verify/issue", "/api/verify/check"))
                              and (r.url.endswith("/issue") or r.status != 200)) as info:
        page.get_by_role("button", name="Get my tokens").click()
    return info.value


def stored_tokens(page) -> dict[str, dict]:
    return {token["campaign"]: token for token in page.evaluate(READ_TOKENS)}


def assert_token_verifies(token: dict, campaign: Campaign, lab: str = "anthropic") -> None:
    """The token is a valid RSA-PSS signature under the key this campaign's lab holds, over a
    token message that names this campaign and lab."""
    link = next(link for link in campaign.lab_links if link.lab.slug == lab)
    assert bytes.fromhex(token["token_key"]) == link.token_public_key
    key = blindrsa.load_public_key(link.token_public_key)
    message = blindrsa.verify_token(key, bytes.fromhex(token["prepared"]), bytes.fromhex(token["signature"]))
    assert message.campaign_id == campaign.public_id.encode("ascii")
    assert message.lab_slug == lab
    assert (token["slug"], token["title"], token["lab"]) == (campaign.slug, campaign.title, lab)


def test_tokens_are_issued_stored_and_verify_under_each_campaign_key(browser, site, sink, launch):
    # Given two open campaigns that accept Anthropic and one that does not,
    first = launch("Evaluations first")
    second = launch("Publish the framework")
    other = launch("Only for others", lab_slugs=("openai", "meta"))
    page, seen = open_page(browser, site, viewport={"width": 375, "height": 740})
    assert fits_width(page)

    # when Ada types her address, reads the code from her mailbox and types it,
    code = ask_for_code(page, sink, ADDRESS)
    assert page.evaluate("document.activeElement.id") == "verify-code"
    assert page.get_by_label("8-digit code").get_attribute("inputmode") == "numeric"
    assert fits_width(page)
    enter_code(page, code)
    result = page.get_by_role("heading", name="Step 3 of 3: your tokens")
    result.wait_for()
    assert page.evaluate("document.activeElement.id") == "step-result-heading"

    # then her browser holds exactly one token per accepting campaign, each valid in Python.
    tokens = stored_tokens(page)
    assert set(tokens) == {first.public_id, second.public_id}
    db.session.rollback()
    for campaign in (first, second):
        assert set(tokens[campaign.public_id]) == TOKEN_FIELDS
        assert_token_verifies(tokens[campaign.public_id], db.session.get(Campaign, campaign.id))
    issued = page.locator("#result-issued-list")
    assert sorted(issued.locator("li").all_inner_texts()) == ["Evaluations first", "Publish the framework"]
    assert other.title not in page.locator("#verify-app").inner_text()
    assert page.locator("#stored-list li").count() == 2
    assert "2 new tokens" in page.locator("#verify-status").inner_text()
    assert fits_width(page)
    assert_clean(page, seen)


def test_a_wrong_code_shows_the_servers_message_and_the_right_one_still_works(browser, site, sink, launch):
    campaign = launch("Evaluations first")
    page, seen = open_page(browser, site)
    code = ask_for_code(page, sink, ADDRESS)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    response = enter_code(page, wrong)
    assert response.status == 400 and response.json()["error"] == "wrong_code"
    status = page.locator("#verify-status")
    assert status.inner_text() == response.json()["message"]
    assert page.get_by_label("8-digit code").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "verify-code"
    assert stored_tokens(page) == {}

    enter_code(page, code)
    page.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()
    assert set(stored_tokens(page)) == {campaign.public_id}
    assert_clean(page, seen)


def test_an_address_of_no_eligible_lab_shows_the_servers_message(browser, site, sink, launch):
    launch("Evaluations first")
    page, seen = open_page(browser, site)
    page.get_by_label("Work email address").fill("someone@example.org")
    with page.expect_response("**/api/verify/start") as info:
        page.get_by_role("button", name="Send me a code").click()
    assert info.value.status == 422
    status = page.locator("#verify-status")
    status.filter(has_text=info.value.json()["message"]).wait_for()
    assert page.get_by_label("8-digit code").is_hidden()
    assert sink.messages() == []
    assert_clean(page, seen)


def test_export_writes_the_token_file_and_import_checks_it(browser, site, sink, launch, tmp_path):
    first = launch("Evaluations first")
    second = launch("Publish the framework")
    page, seen = open_page(browser, site, accept_downloads=True)
    enter_code(page, ask_for_code(page, sink, ADDRESS))
    page.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()

    # Export: the §5 file, whose tokens verify here.
    with page.expect_download() as info:
        page.get_by_role("button", name="Export my tokens").click()
    exported = tmp_path / "tokens.json"
    info.value.save_as(str(exported))
    assert info.value.suggested_filename == "pledge-tokens.json"
    document = json.loads(exported.read_text())
    assert set(document) == {"v", "kind", "tokens"}
    assert (document["v"], document["kind"]) == (WIRE_VERSION, "pledge-tokens")
    assert all(set(token) == TOKEN_FIELDS for token in document["tokens"])
    db.session.rollback()
    by_id = {token["campaign"]: token for token in document["tokens"]}
    assert set(by_id) == {first.public_id, second.public_id}
    for campaign in (first, second):
        assert_token_verifies(by_id[campaign.public_id], db.session.get(Campaign, campaign.id))
    assert by_id == stored_tokens(page)
    assert_clean(page, seen)

    # Import into another browser: refused when malformed or tampered, stored when sound.
    other, other_seen = open_page(browser, site)
    status = other.locator("#verify-status")
    chooser = other.get_by_label("Import tokens from a file")
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not json")
    chooser.set_input_files(str(garbage))
    status.filter(has_text="Nothing was imported").wait_for()
    tampered = json.loads(exported.read_text())
    signature = bytearray.fromhex(tampered["tokens"][1]["signature"])
    signature[-1] ^= 1
    tampered["tokens"][1]["signature"] = signature.hex()
    (tmp_path / "tampered.json").write_text(json.dumps(tampered))
    chooser.set_input_files(str(tmp_path / "tampered.json"))
    status.filter(has_text="Token 2 in that file is malformed or does not verify").wait_for()
    assert stored_tokens(other) == {}

    chooser.set_input_files(str(exported))
    status.filter(has_text="Imported 2 tokens.").wait_for()
    assert stored_tokens(other) == by_id
    assert other.locator("#stored-list li").count() == 2
    # A token carries only its lab's slug; the list shows the lab's name.
    assert all(text.endswith("(Anthropic)") for text in other.locator("#stored-list li").all_inner_texts())
    # Importing again keeps what is there.
    chooser.set_input_files(str(exported))
    status.filter(has_text="2 were already in this browser").wait_for()
    assert_clean(other, other_seen)


def test_verifying_again_reports_tokens_already_issued(browser, site, sink, launch):
    first = launch("Evaluations first")
    page, seen = open_page(browser, site)
    enter_code(page, ask_for_code(page, sink, ADDRESS))
    page.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()
    kept = stored_tokens(page)
    assert set(kept) == {first.public_id}

    # A new campaign opens; the same address verifies again, from another browser.
    second = launch("Publish the framework")
    again, again_seen = open_page(browser, site)
    response = enter_code(again, ask_for_code(again, sink, ADDRESS))
    assert response.status == 200
    assert response.json()["already_issued"] == [first.public_id]
    again.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()
    assert again.locator("#result-issued-list").inner_text() == "Publish the framework"
    assert again.locator("#result-already-list").inner_text() == "Evaluations first"
    assert set(stored_tokens(again)) == {second.public_id}

    # And once more, in the first browser: every campaign is already issued (409).
    page.goto(f"{site.url}/verify")
    response = enter_code(page, ask_for_code(page, sink, ADDRESS))
    assert response.status == 409 and response.json()["error"] == "already_issued"
    page.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()
    assert page.locator("#verify-status").inner_text() == response.json()["message"]
    assert page.locator("#result-already-message").inner_text() == response.json()["message"]
    assert sorted(page.locator("#result-already-list li").all_inner_texts()) == ["Evaluations first", "Publish the framework"]
    assert page.locator("#result-issued").is_hidden()
    assert stored_tokens(page) == kept  # the token held before is untouched
    assert_clean(page, seen)
    assert_clean(again, again_seen)


def test_without_javascript_the_page_says_so_and_points_to_the_cli(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site.url}/verify")
    # (Playwright's text selectors skip <noscript>, so the notice is found by its class.)
    notice = page.locator(".verify-noscript")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "Verification and signing need JavaScript." in text
    assert "pledge-sign verify" in text
    assert page.locator("#verify-app").is_hidden()
    context.close()


def test_the_page_has_no_inline_script_style_or_event_attribute(site):
    response = site.app.test_client().get("/verify")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE)
    assert not re.search(r"\sstyle\s*=", html, re.IGNORECASE)
    assert not re.search(r"<style", html, re.IGNORECASE)
    assert not re.search(r'(src|href)="(https?:)?//', html)
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
    assert scripts == ["/static/vendor/pledge-crypto.js", "/static/js/token-store.js", "/static/js/signing-common.js",
                       "/static/js/verify.js"]
    assert 'autocomplete="one-time-code"' in html and 'inputmode="numeric"' in html


def test_a_manifest_that_does_not_match_its_ctx_is_refused_before_any_token_is_asked(browser, site, sink, launch):
    # Given a server (here, a network in between) that swaps the lab's token key in a manifest,
    launch("Evaluations first")
    other = launch("Publish the framework")
    substitute = next(link for link in other.lab_links if link.lab.slug == "anthropic").token_public_key.hex()
    page, seen = open_page(browser, site)

    def swap_key(route):
        body = route.fetch().json()
        for lab in body["manifest"]["labs"]:
            lab["token_public_key"] = substitute
        route.fulfill(json=body)

    page.route(f"{site.url}/api/campaigns/*/manifest", swap_key)
    code = ask_for_code(page, sink, ADDRESS)
    page.get_by_label("8-digit code").fill(code)
    page.get_by_role("button", name="Get my tokens").click()

    # the page refuses: it names the mismatch, asks for no signature and stores nothing.
    status = page.locator("#verify-status")
    status.filter(has_text="does not match its published hash").wait_for()
    assert "Start again with a new code." in status.inner_text()
    assert page.evaluate("document.activeElement.id") == "verify-email"
    assert not any(url.endswith("/api/verify/issue") for url in seen.requests)
    assert stored_tokens(page) == {}
    assert_clean(page, seen)
