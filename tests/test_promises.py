"""Issue 15: every privacy sentence on a page says only what the code does.

Each test reads a page's words next to what the code does: the sender the verify page names is the
sender of the code e-mail; the home page does not claim that those who run the site cannot learn
who signed; the about page does not say the log names labs (it commits to them); the campaign page
states the k rule with the campaign's own k, and a practice campaign says a signer may be alone.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from pledge.models import CampaignState
from tests.mailsink import MailSink

JSON = {"Content-Type": "application/json"}


def words(html: str) -> str:
    """The page's text with tags dropped and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def sink(app, tmp_path):
    server = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = server.port
    yield server
    server.stop()


def test_the_verify_page_names_the_sender_the_code_email_comes_from(app, client, sink, make_open_campaign):
    # Given: a site configured with its own sender, and an open campaign at Anthropic.
    app.config["MAIL_SENDER"] = "Pledge <codes@pledge.example>"
    make_open_campaign(lab_slugs=("anthropic",))
    page = client.get("/verify").get_data(as_text=True)
    # The page names the sender as it is: not "a neutral sender".
    assert "neutral" not in page
    shown = re.search(r'<code id="mail-sender">([^<]*)</code>', page).group(1)
    assert unescape(shown) == "Pledge <codes@pledge.example>"
    # When: a code is asked for. Then: it comes from exactly that sender, naming no campaign.
    assert client.post("/api/verify/start", data=json.dumps({"email": "ada@anthropic.com"}), headers=JSON).status_code == 200
    message = sink.wait_for("ada@anthropic.com", "verification code")
    assert message.sender == "Pledge <codes@pledge.example>"
    assert "Someone who watches your mailbox can see that Pledge sent you a code" in words(page)
    assert "Use your own device and network." in words(page)


def test_the_home_page_claims_no_more_than_the_operators_limits(client):
    home = words(client.get("/").get_data(as_text=True))
    about = words(client.get("/about").get_data(as_text=True))
    assert "not even the people who run this site" not in home
    # What it says instead holds: the server holds no part of the key (enough trustees together
    # could open it), and the page says what the operators do see, as /about says in its limits.
    assert "a sealed signature opens only if enough of the campaign’s independent trustees act together" in home
    assert "this site’s server holds no part of it" in home
    assert "a site whose code they changed could read what you type" in home
    assert "JavaScript they serve could read what you type" in about


def test_the_about_page_says_what_the_log_and_the_trustees_hold(client):
    about = words(client.get("/about").get_data(as_text=True))
    assert "the public log names the lab of each entry" not in about
    assert "the public log holds a commitment to your lab, not its name" in about
    assert "The trustees and the server’s database know how many sealed signatures each lab has" in about
    assert "sign k − 1 times itself" in about and "That defeats k for that lab" in about
    assert "never which lab a sealed signature is from" in about


@pytest.mark.parametrize("k, sentence", [
    (5, "Nobody is revealed with fewer than 4 others from their lab (k = 5)."),
    (2, "Nobody is revealed alone: at least one other from their lab is revealed with them (k = 2)."),
])
def test_the_campaign_page_states_the_k_rule_with_its_own_k(client, make_campaign, k, sentence):
    campaign = make_campaign(suppress_below=k, min_per_lab=max(k, 10), min_total=50)
    page = words(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True))
    assert sentence in page
    assert f"all of that lab's signatures if there are at least {k}, and none otherwise" in page
    assert "Signatures never revealed are destroyed when the campaign ends." in page


def test_a_practice_campaign_says_a_signer_may_be_alone(client, make_campaign):
    campaign = make_campaign(practice=True, suppress_below=1, min_per_lab=0, min_labs=0, min_total=3)
    page = words(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True))
    assert "a round may reveal a signer who is alone at their lab" in page
    assert "k = 1: a signer may be revealed alone at their lab." in page
    assert "Nobody is revealed with fewer than" not in page


def test_before_round_one_no_signature_made_now_is_told_about_a_later_round(client, make_campaign):
    campaign = make_campaign(state=CampaignState.OPEN, counts={"anthropic": 3})
    page = words(client.get(f"/campaigns/{campaign.slug}").get_data(as_text=True))
    assert "What a signature made now does." not in page
