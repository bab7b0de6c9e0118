"""Real Chromium: an organizer and three trustees run a whole key ceremony through the site,
with every trustee step done by the real ``pledge-trustee`` tool on files."""

import json

import pytest

from crypto.formats import messages
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Role
from pledge_tools.trustee.cli import main as pledge_trustee
from tests.browser import live_server
from tests.mailsink import first_link
from tests.review_kit import approve

PASSPHRASE = "correct horse battery staple"
TRUSTEES = [("Ada Trustee", "ada@trustees.example"), ("Bo Trustee", "bo@trustees.example"),
            ("Cy Trustee", "cy@trustees.example")]


@pytest.fixture
def site(app_factory, sink):
    app = app_factory(MAIL_PORT=sink.port)
    with app.app_context():
        with live_server(app) as url:
            app.config["PUBLIC_URL"] = url  # the links in the mails point at this server
            yield app, url
        db.session.remove()
        db.engine.dispose()


def tool(*args) -> int:
    return pledge_trustee([str(a) for a in args])


def upload(page, button: str, path) -> None:
    form = page.locator("form", has=page.get_by_role("button", name=button))
    form.locator('input[type="file"]').set_input_files(str(path))
    form.get_by_role("button", name=button).click()


def download(page, link_name: str, target) -> None:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    info.value.save_as(str(target))


def test_organizer_and_three_trustees_run_the_ceremony(browser, site, sink, labs, make_user, make_campaign, tmp_path,
                                                       monkeypatch):
    app, url = site
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    organizer, password = make_user(Role.ORGANIZER, email="org@staff.example")
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3,
                             title="Ceremony in the browser")
    org = browser.new_context().new_page()
    org.goto(f"{url}/login")
    org.get_by_label("Email").fill("org@staff.example")
    org.get_by_label("Password").fill(password)
    org.get_by_role("button", name="Log in").click()

    # The organizer invites three trustees; each gets a single-use link by real SMTP.
    org.goto(f"{url}/organize/campaigns/{campaign.id}/trustees")
    for name, email in TRUSTEES:
        org.get_by_label("Trustee's name").fill(name)
        org.get_by_label("Trustee's email").fill(email)
        org.get_by_role("button", name="Send invitation", exact=True).click()
        assert org.get_by_text(f"Invitation sent to {email}.").is_visible()

    pages, folders = [], []
    for seat, (name, email) in enumerate(TRUSTEES, start=1):
        message = sink.wait_for(email, "invited to be a Pledge trustee")
        assert "Ceremony in the browser" in message.body
        page = browser.new_context(accept_downloads=True).new_page()
        page.goto(first_link(message.body))
        assert page.get_by_role("heading", name="Be a trustee of “Ceremony in the browser”").is_visible()
        page.get_by_label("Choose a password").fill("trustee password 123")
        page.get_by_label("Repeat the password").fill("trustee password 123")
        page.get_by_role("button", name="Create account and accept").click()
        page.wait_for_url("**/keys")
        # Keys are made offline; only the public half is uploaded.
        folder = tmp_path / f"trustee-{seat}"
        folder.mkdir()
        assert tool("init", "--name", name, "--out", folder / "trustee.key", "--kdf", "interactive") == 0
        page.locator('input[type="file"]').set_input_files(str(folder / "trustee.key.pub.json"))
        page.get_by_role("button", name="Register my public keys").click()
        assert page.get_by_text("Your public keys are registered.").is_visible()
        pages.append(page)
        folders.append(folder)

    # The organizer submits the draft for review; a site admin approves it.
    db.session.rollback()  # end this thread's transaction: the server writes next
    org.goto(f"{url}/organize/campaigns/{campaign.id}/preview")
    org.get_by_role("button", name="Submit for review").click()
    assert org.get_by_text("Submitted for review.").first.is_visible()
    db.session.rollback()
    approve(campaign.id)

    # Freeze: token keys and manifest; every trustee is asked for a deal.
    org.goto(f"{url}/organize/campaigns/{campaign.id}/trustees")
    org.get_by_role("link", name="Next: Freeze for the key ceremony").click()
    org.wait_for_url("**/freeze/confirm")
    org.get_by_role("button", name="Freeze for good").click()  # without the box: refused
    assert org.get_by_text("Tick the box to confirm you understand").first.is_visible()
    org.get_by_label("I understand").check()
    org.get_by_role("button", name="Freeze for good").click()
    assert org.get_by_text("Frozen. The trustees have been asked to post their deals.").is_visible()
    for _, email in TRUSTEES:
        sink.wait_for(email, "please post your deal")

    for seat, (page, folder) in enumerate(zip(pages, folders), start=1):
        page.goto(f"{url}/trustee/")
        download(page, "Download the ceremony package", folder / "ceremony.json")
        assert tool("deal", "--key", folder / "trustee.key", "--package", folder / "ceremony.json",
                    "--out", folder / "deal.json") == 0
        if seat == 1:
            # A tampered deal is refused with its reason, and nothing is posted.
            bad = json.loads((folder / "deal.json").read_text())
            bad["deal"]["signature"] = "00" * 64
            (folder / "bad-deal.json").write_text(json.dumps(bad))
            upload(page, "Upload deal", folder / "bad-deal.json")
            assert page.get_by_text("Refused: The deal was refused: bad signature.").is_visible()
        upload(page, "Upload deal", folder / "deal.json")
        assert page.get_by_text("Your deal is verified and posted on the board.").is_visible()

    for seat, (page, folder) in enumerate(zip(pages, folders), start=1):
        page.goto(f"{url}/trustee/")
        download(page, "Download the board", folder / "board.json")
        assert tool("finish", "--key", folder / "trustee.key", "--package", folder / "ceremony.json",
                    "--board", folder / "board.json", "--share-out", folder / "share.json",
                    "--out", folder / "result.json", "--kdf", "interactive") == 0
        if seat == 3:
            # A transcript signature by someone else's key is refused with its reason.
            forged = json.loads((folder / "result.json").read_text())
            forged["signature"] = json.loads((folders[0] / "result.json").read_text())["signature"]
            (folder / "forged.json").write_text(json.dumps(forged))
            upload(page, "Upload result", folder / "forged.json")
            refused = "Refused: The transcript signature does not verify under your registered Ed25519 key."
            assert page.get_by_text(refused).is_visible()
        upload(page, "Upload result", folder / "result.json")
        assert page.get_by_text("Your transcript signature is verified and posted.").is_visible()

    sink.wait_for("org@staff.example", "ready to launch")
    org.reload()
    org.get_by_role("link", name="Next: Launch the campaign").click()
    org.wait_for_url("**/launch/confirm")
    org.get_by_label("I understand").check()
    org.get_by_role("button", name="Launch: open signing").click()
    org.wait_for_url(f"**/campaigns/{campaign.slug}")

    # The public page shows Y, the manifest hash and the trustees.
    db.session.rollback()  # end this thread's old read snapshot; the server committed since
    stored = db.session.get(Campaign, campaign.id)
    share = json.loads((folders[0] / "share.json").read_text())
    assert org.locator("#campaign-key-fingerprint").inner_text() == messages.fingerprint(stored.group_key)
    assert org.locator("#manifest-fingerprint").inner_text() == messages.fingerprint(stored.ctx)
    assert org.locator("#campaign-key").text_content() == share["Y"] == stored.group_key.hex()  # in <details>
    assert org.locator("#manifest-hash").text_content() == stored.ctx.hex()
    assert org.locator("ul.trustees li").count() == 3
    assert "Ada Trustee" in org.locator("ul.trustees").inner_text()
    assert stored.state == CampaignState.OPEN
    for _, email in TRUSTEES:
        sink.wait_for(email, "launched")


def test_a_false_complaint_is_answered_in_the_browser_and_the_organizer_sees_the_verdict(browser, site, sink, labs,
                                                                                        make_user, make_campaign,
                                                                                        tmp_path, monkeypatch):
    from tests.ceremony_cli_kit import PASSWORD, World, client_of
    from tests.kit.forms import post_form

    app, url = site
    monkeypatch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
    organizer, password = make_user(Role.ORGANIZER, email="org@staff.example")
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_quorum=2, trustee_count=3,
                             title="A complaint in the browser")
    org_client = client_of(app)
    assert post_form(org_client, "/login", {"email": "org@staff.example", "password": password}).status_code == 302
    world = World(app, sink, campaign, org_client, "org@staff.example", tmp_path)
    ada, bo, cy = (world.seat(name, email) for name, email in TRUSTEES)
    world.freeze()
    for person in (ada, bo, cy):
        assert world.post_deal(person).status_code == 302
    assert world.post_result(cy, world.false_complaint(cy, bo.seat, "share-context-wrong")).status_code == 302

    # Bo, accused, answers from the trustee page with the real tool.
    page = browser.new_context(accept_downloads=True).new_page()
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(bo.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{url}/trustee/")
    assert page.get_by_text("Next: answer the complaint against your deal by").is_visible()
    folder = tmp_path / "bo-browser"
    folder.mkdir()
    download(page, "Download the ceremony package", folder / "ceremony.json")
    download(page, "the board", folder / "board.json")
    assert tool("answer", "--ceremony", folder / "ceremony.json", "--board", folder / "board.json",
                "--key", bo.key, "--out", folder / "answer.json") == 0
    upload(page, "Upload answer", folder / "answer.json")
    assert page.get_by_text("Every complaint now has its verdict: the ceremony restarts").is_visible()
    assert page.get_by_text("Ended ceremony runs").is_visible()

    # The organizer sees the verdict and is asked to invite a replacement for seat 3.
    org = browser.new_context().new_page()
    org.goto(f"{url}/login")
    org.get_by_label("Email").fill("org@staff.example")
    org.get_by_label("Password").fill(password)
    org.get_by_role("button", name="Log in").click()
    org.goto(f"{url}/organize/campaigns/{campaign.id}/trustees")
    assert org.get_by_text("the complaint is false; trustee 3 (Cy Trustee) is at fault").is_visible()
    assert org.get_by_text("Next: invite a replacement").is_visible()
    org.get_by_label("Trustee's name").fill("Dee Trustee")
    org.get_by_label("Trustee's email").fill("dee@trustees.example")
    org.get_by_role("button", name="Send invitation", exact=True).click()
    assert org.get_by_text("Invitation sent to dee@trustees.example.").is_visible()
    assert "trustee 3" in sink.wait_for("dee@trustees.example", "invited to be a Pledge trustee").body
