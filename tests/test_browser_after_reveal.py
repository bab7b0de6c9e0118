"""After the reveal, in real Chromium: the receipt page offers a withdrawal only while one is
possible, and once the entry is revealed lets its signer state, signed with the receipt's key,
that they are withholding their work, then that they stopped. Three signers withhold (two here,
one with ``pledge-sign``), one stops; after the next batch the campaign page, the feed entries
and the exported record (checked by ``pledge-verify``, replayed) all say 2."""

from __future__ import annotations

from playwright.sync_api import expect

from pledge.extensions import db
from pledge.services.outcome_feed import withholding_feed_entries
from pledge_tools.sign.cli import main as pledge_sign
from pledge_tools.verify.cli import main as pledge_verify
from tests.after_reveal_kit import export, post_statement, reveal, sign_up, withholding_from_record
from tests.browser import assert_clean, live_server, watch
from tests.kit.ticks import publish_due

LABS = ["anthropic", "anthropic", "anthropic", "openai", "openai", "openai"]


def open_receipt(page, url: str, campaign, person, tmp_path) -> None:
    """Paste the whole receipt on the receipt page and wait until the page has said what it can."""
    text = person.receipt_file(url, tmp_path).read_text()
    page.goto(f"{url}/campaigns/{campaign.slug}/receipt")
    page.get_by_label("Or paste the receipt text, or just its leaf hash").fill(text)
    page.get_by_role("button", name="Check", exact=True).click()
    page.wait_for_function("() => document.getElementById('result-state').textContent !== ''")


def state(page, person_stance: str) -> None:
    """Press the statement button, read the confirmation, confirm, and wait for the answer."""
    page.get_by_role("button", name=person_stance).click()
    confirm = page.locator("#statement-confirm-text")
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text("This statement is public: it is signed here with your receipt’s key")
    page.get_by_role("button", name="Yes, sign and send it").click()
    expect(page.locator("#statement-result")).to_have_text(
        "Sent: your signed statement “I am withholding my work” is published in the campaign’s log with the next batch."
        if person_stance == "I am withholding my work" else
        "Sent: your signed statement “I have stopped withholding my work” is published in the campaign’s log with the "
        "next batch.")


def test_three_withhold_one_stops_and_the_page_feed_and_record_say_two(app, client, launched, browser_page, tmp_path,
                                                                        capsys):
    campaign, trustees, seats = launched
    people = sign_up(app, client, campaign, LABS)
    page = browser_page
    with live_server(app) as url:
        seen = watch(page, url)
        # Pending, not in any round: the withdraw panel is offered.
        open_receipt(page, url, campaign, people[0], tmp_path)
        expect(page.locator("#withdraw-area")).to_be_visible()
        assert not page.locator("#statement-area").is_visible()
        # Round 1 freezes with this entry while the page is open: the server refuses the
        # withdrawal, and the page says so next to the button.
        publish_due(app, 1)
        page.get_by_role("button", name="Withdraw my signature").click()
        page.get_by_role("button", name="Yes, withdraw my signature").click()
        expect(page.locator("#withdraw-result")).to_contain_text("a signature in a revealed round cannot be withdrawn")

        # Opened again: no withdraw panel, one sentence says why.
        open_receipt(page, url, campaign, people[0], tmp_path)
        expect(page.locator("#withdraw-closed")).to_have_text(
            "Your signature is in a frozen round and is being revealed with the others, so it can no longer be withdrawn.")
        assert not page.locator("#withdraw-area").is_visible()
        assert not page.locator("#statement-area").is_visible()

        reveal(campaign, trustees, seats)
        publish_due(app, 2)
        for person in (people[0], people[3]):
            open_receipt(page, url, campaign, person, tmp_path)
            expect(page.locator("#withdraw-closed")).to_have_text(
                "Your signature is revealed, so it can no longer be withdrawn.")
            expect(page.locator("#statement-stance")).to_have_text(
                "You have not stated that you are withholding your work.")
            state(page, "I am withholding my work")
            expect(page.locator("#statement-stance")).to_contain_text(
                "You have stated in public that you are withholding your work. It is published in the campaign’s log "
                "with the next batch.")
        assert pledge_sign(["withhold", str(people[1].receipt_file(url, tmp_path))]) == 0
        capsys.readouterr()

        # A statement the server refuses shows next to the button: this page still offers
        # "stopped" after the signer stopped elsewhere (then withheld again from there).
        open_receipt(page, url, campaign, people[3], tmp_path)
        assert post_statement(client, campaign, people[3].statement(1, "stopped")).status_code == 202
        page.get_by_role("button", name="I have stopped withholding").click()
        page.get_by_role("button", name="Yes, sign and send it").click()
        expect(page.locator("#statement-result")).to_have_text(
            "You are not withholding your work: there is nothing to stop.")
        assert post_statement(client, campaign, people[3].statement(2, "withholding")).status_code == 202

        publish_due(app, 3)
        open_receipt(page, url, campaign, people[0], tmp_path)
        expect(page.locator("#statement-stance")).to_have_text(
            "You have stated in public that you are withholding your work.")
        state(page, "I have stopped withholding")
        publish_due(app, 4)

        page.goto(f"{url}/campaigns/{campaign.slug}")
        expect(page.locator("#withholding-anthropic")).to_have_text("Anthropic: 1 revealed signer withholding")
        expect(page.locator("#withholding-openai")).to_have_text("OpenAI: 1 revealed signer withholding")
        assert "signed statements by revealed signers: anyone can check each one in the campaign" in page.content()
        assert_clean(page, seen)

    db.session.rollback()
    feed = withholding_feed_entries(db.session, campaign)
    assert [entry.title for entry in feed] == ["Withholding now: Anthropic 2, OpenAI 1",
                                               "Withholding now: Anthropic 1, OpenAI 1"]
    record = export(campaign, trustees, tmp_path / "record.json", hours=5)
    assert pledge_verify([str(record)]) == 0
    counts = withholding_from_record(record)
    assert counts == {"anthropic": 1, "openai": 1} and sum(counts.values()) == 2
