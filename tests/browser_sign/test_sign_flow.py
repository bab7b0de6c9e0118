"""Issue 6, done when: in real Chromium, verify → sign → receipt saved → tick → the inclusion
proof shown and verified in the page → withdraw → the public count drops at the next batch."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from crypto.hashing import WIRE_VERSION
from crypto.opening import parse_opening
from pledge.extensions import db
from pledge.models import Entry
from tests.browser import assert_clean, fill_signature, open_sign_page, verify_in_browser, watch
from tests.browser_sign.kit import public_total
from tests.kit.ticks import publish_due

RECEIPT_FIELDS = {"v", "kind", "server", "campaign", "slug", "ctx", "leaf_hash", "nullifier", "opening", "withdrawal_secret"}


def entries(campaign) -> list[Entry]:
    db.session.rollback()
    return list(db.session.scalars(select(Entry).where(Entry.campaign_id == campaign.id)))


def result_text(page) -> str:
    return page.locator("#result-state").inner_text()


def open_receipt_file(page, path) -> None:
    """Open the saved file on the receipt page and wait for the new answer."""
    page.evaluate("document.getElementById('result-state').textContent = ''")
    page.locator("#receipt-file").set_input_files(str(path))
    page.wait_for_function("() => document.getElementById('result-state').textContent !== ''")


def test_verify_sign_receipt_tick_proof_withdraw_and_the_count_drops(browser, site, sink, launch, client, tmp_path):
    # Given a launched campaign whose counts are shown exactly (k = 1),
    launched = launch("Evaluations before deployment", suppress_below=1, practice=True, min_total=50, min_per_lab=10, min_labs=2)
    campaign = launched.campaign
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    seen = watch(page, site.url)

    # when Grace verifies her address with the emailed code and opens the sign page,
    verify_in_browser(page, site, sink)
    open_sign_page(page, site, campaign.slug)
    status = page.locator("#sign-status")
    assert "Checked in this browser" in status.inner_text()
    assert "all 3 trustees" in status.inner_text()
    assert "Anthropic" in page.locator("#sign-lab").inner_text()

    # and signs: the receipt downloads, and the same text is offered to copy,
    fill_signature(page, name="Grace Hopper", role="Research engineer", statement="Evaluations come first.")
    with page.expect_download() as info:
        page.get_by_role("button", name="Seal and sign").click()
    # (a file name that names no campaign),
    name = info.value.suggested_filename
    assert re.fullmatch(r"pledge-receipt-[0-9a-f]{8}\.json", name)
    assert campaign.slug not in name and campaign.public_id[:8] not in name
    assert page.locator("#receipt-file-name").inner_text() == name
    saved = tmp_path / name
    info.value.save_as(saved)
    receipt = json.loads(saved.read_text())
    assert set(receipt) == RECEIPT_FIELDS
    # The receipt keeps the entry's opening: this browser's token for its lab, and a fresh nonce.
    opening = parse_opening(receipt["opening"])
    assert opening.slug == "anthropic" and opening.nullifier.hex() == receipt["nullifier"]
    assert receipt["kind"] == "pledge-receipt" and receipt["v"] == WIRE_VERSION and receipt["server"] == site.url
    assert (receipt["campaign"], receipt["slug"]) == (campaign.public_id, campaign.slug)
    assert json.loads(page.locator("#receipt-text").input_value()) == receipt
    page.get_by_role("heading", name="Signed. Keep your receipt.").wait_for()

    # then the server holds one pending entry under that leaf hash and nullifier, with no count yet;
    [entry] = entries(campaign)
    assert entry.leaf_hash.hex() == receipt["leaf_hash"] and entry.nullifier.hex() == receipt["nullifier"]
    assert entry.leaf_index is None and entry.ciphertext is not None
    # whose leaf (the one this browser computed before sending) commits to the lab and names none;
    assert json.loads(entry.leaf)["lab_commitment"] == opening.commitment.hex() and b"anthropic" not in entry.leaf
    assert public_total(client, campaign.slug) == 0
    [post] = site.recorder.posts_to(f"/api/campaigns/{campaign.slug}/entries")
    assert b"Cookie" not in post.headers and b"COOKIE" not in post.headers
    body = json.loads(post.body)
    assert set(body) == {"ciphertext", "opening", "withdrawal_key"} and body["opening"] == receipt["opening"]

    # coming back to the sign page, this browser knows it signed, and links to the receipt page.
    page.goto(f"{site.url}/campaigns/{campaign.slug}/sign")
    page.locator("#sign-used").wait_for()
    assert page.locator("#sign-form").is_hidden()
    page.locator("#sign-used").get_by_role("link", name="Check your receipt, or withdraw").click()
    page.wait_for_url(f"{site.url}/campaigns/{campaign.slug}/receipt")

    # Before the batch the receipt page says it is pending, with the commitment computed from the opening;
    open_receipt_file(page, saved)
    assert result_text(page).startswith("Pending")
    assert page.locator("#result-commitment").inner_text() == opening.commitment.hex()
    assert page.locator("#result-lab").inner_text().startswith("Your entry commits to Anthropic: the commitment above")

    # after the count is 1 and the page checks the proof itself: a doctored proof fails,
    publish_due(site.app, hours=1)
    assert public_total(client, campaign.slug) == 1

    def doctored(route):
        body = route.fetch().json()
        body["proof"] = body["proof"] + ["00" * 32]
        route.fulfill(json=body)

    page.route("**/api/campaigns/*/receipts/*", doctored)
    open_receipt_file(page, saved)
    assert "does not verify" in result_text(page)
    assert "inclusion proof" in result_text(page)
    page.unroute("**/api/campaigns/*/receipts/*")

    # and the real one verifies at index 0 of 1, and the published leaf's commitment is checked in the page.
    open_receipt_file(page, saved)
    assert result_text(page).startswith("Included and verified at index 0 of 1 (batch time ")
    assert page.locator("#result-commitment").inner_text() == opening.commitment.hex()
    lab_line = page.locator("#result-lab")
    assert lab_line.inner_text().startswith("Your entry commits to Anthropic; the log shows only the commitment.")
    assert "is-ok" in lab_line.get_attribute("class")

    # The receipt kept in this browser now keeps that signed head too.
    assert "This browser now keeps that head with your receipt" in result_text(page)

    # A receipt whose opening was changed (another nonce) does not open the published commitment.
    doctored_receipt = {**receipt, "opening": {**receipt["opening"], "nonce": "ab" * 32}}
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(doctored_receipt))
    open_receipt_file(page, edited)
    assert "does not commit to the lab and token your receipt keeps" in result_text(page)
    open_receipt_file(page, saved)
    assert result_text(page).startswith("Included and verified at index 0 of 1")

    # Withdrawing takes a confirmation step, then the server's message shows;
    page.get_by_role("button", name="Withdraw my signature").click()
    page.get_by_role("button", name="No, keep my signature").click()
    assert page.locator("#withdraw-confirm").is_hidden()
    page.get_by_role("button", name="Withdraw my signature").click()
    with page.expect_response(lambda r: r.url.endswith("/withdrawals")) as answer:
        page.get_by_role("button", name="Yes, withdraw my signature").click()
    assert answer.value.status == 202
    page.wait_for_function("() => document.getElementById('receipt-status').classList.contains('is-ok')")
    assert page.locator("#receipt-status").inner_text() == answer.value.json()["message"]
    [entry] = entries(campaign)
    assert entry.ciphertext is None and entry.withdrawal_signature is not None
    # The server answers "withdrawn" only with the next batch; this page knows it sent the withdrawal.
    assert result_text(page).startswith("Withdrawal sent from this browser")
    assert "appears in the public log with the next batch" in result_text(page)
    page.reload()
    page.locator("#stored-receipts").wait_for()
    page.evaluate("document.getElementById('result-state').textContent = ''")
    page.get_by_role("button", name="Check this receipt").click()
    page.wait_for_function("() => document.getElementById('result-state').textContent !== ''")
    assert result_text(page).startswith("Withdrawal sent from this browser")
    assert page.locator("#withdraw-area").is_hidden()

    # the count holds until the next batch, then drops.
    assert public_total(client, campaign.slug) == 1
    publish_due(site.app, hours=2)
    assert public_total(client, campaign.slug) == 0

    # The receipt kept in this browser now shows the withdrawal, with the entry's proof still checked.
    page.reload()
    page.locator("#stored-receipts").wait_for()
    page.get_by_role("button", name="Check this receipt").click()
    page.wait_for_function("() => document.getElementById('result-state').textContent.startsWith('Withdrawn')")
    assert "withdrawal is in the log at index 1" in result_text(page)
    assert "Included and verified at index 0 of 2" in result_text(page)
    assert page.locator("#withdraw-area").is_hidden()
    # Checked from the head it kept: the log of size 2 extends it (a consistency proof, here).
    assert "The log extends the head your receipt kept (size 1)" in result_text(page)

    # A log that no longer extends the kept head is named a fork.
    def forked(route):
        body = route.fetch().json()
        body["proof"] = ["00" * 32 for _ in body["proof"]] or ["00" * 32]
        route.fulfill(json=body)

    page.route("**/api/campaigns/*/log/consistency*", forked)
    page.evaluate("document.getElementById('result-state').textContent = ''")
    page.get_by_role("button", name="Check this receipt").click()
    page.wait_for_function("() => document.getElementById('result-state').textContent !== ''")
    assert "the log forked" in result_text(page) and "(size 1)" in result_text(page)
    page.unroute("**/api/campaigns/*/log/consistency*")

    # A bare leaf hash, pasted, is enough to check (not to withdraw).
    page.evaluate("document.getElementById('result-state').textContent = ''")
    page.get_by_label("Or paste the receipt text, or just its leaf hash").fill(receipt["leaf_hash"].upper())
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_function("() => document.getElementById('result-state').textContent.startsWith('Withdrawn')")
    assert page.locator("#result-leaf-only").is_visible()
    assert_clean(page, seen)
    context.close()
