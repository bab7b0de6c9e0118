"""Real Chromium on the campaign page: the stage banner and timeline on a phone, and the
copy-link control (with JavaScript it copies the campaign's address; without, the address is
there to select), with no request to any other host."""

from tests.browser import assert_clean, fits_width, live_server, watch

PHONE = {"width": 360, "height": 740}


def test_the_copy_link_button_copies_the_campaign_address(app, browser, make_open_campaign):
    campaign = make_open_campaign(title="Share me", contact_address="organizer@example.org")
    with live_server(app) as url:
        context = browser.new_context(viewport=PHONE)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
        page = context.new_page()
        seen = watch(page, url)
        page.goto(f"{url}/campaigns/{campaign.slug}")

        # The stage banner and the timeline, readable on a phone.
        assert page.locator("#stage .stage-badge").inner_text() == "Open"
        steps = page.locator("ol.timeline > li")
        assert steps.count() == 6
        current = page.locator('ol.timeline > li[aria-current="step"]')
        assert current.count() == 1 and current.inner_text().startswith("Now:")
        assert page.get_by_role("link", name="organizer@example.org").get_attribute("href") == "mailto:organizer@example.org"
        assert fits_width(page)

        # The button copies the address the input shows, and says so.
        address = page.locator("#campaign-link").input_value()
        assert address.endswith(f"/campaigns/{campaign.slug}")
        page.get_by_role("button", name="Copy link").click()
        page.wait_for_function("() => document.getElementById('copy-link-status').textContent !== ''")
        assert page.locator("#copy-link-status").inner_text() == "Link copied."
        assert page.evaluate("navigator.clipboard.readText()") == address
        assert_clean(page, seen)
        context.close()


def test_without_javascript_the_address_is_shown_to_select(app, browser, make_open_campaign):
    campaign = make_open_campaign(title="No script")
    with live_server(app) as url:
        context = browser.new_context(viewport=PHONE, java_script_enabled=False)
        page = context.new_page()
        seen = watch(page, url)
        page.goto(f"{url}/campaigns/{campaign.slug}")
        assert page.locator("#campaign-link").is_visible()
        assert page.locator("#campaign-link").input_value().endswith(f"/campaigns/{campaign.slug}")
        assert page.locator("#copy-link-button").is_hidden()
        assert page.locator("#stage").is_visible() and fits_width(page)
        assert seen.foreign == []
        context.close()
