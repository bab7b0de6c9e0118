"""Counts, plurals, lab names and ids on the pages and e-mails a visitor, signer or trustee
reads: no "1 signatures", no "(s)", no "fewer than 1", no lab slug where its name belongs, and
no id used twice on one page."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template

from crypto.formats.counts import count
from pledge_tools.sign.signature_form import rule_text
from pledge_tools.text import plain_text

NOUNS = ("signatures", "trustees", "labs", "tokens", "entries", "people", "days", "hours",
         "others", "emails", "e-mails", "rounds", "codes")
ONE_PLURAL = re.compile(rf"\b1 (?:[a-z-]+ )?(?:{'|'.join(map(re.escape, NOUNS))})\b")
SLUGS = ("anthropic", "openai", "meta")  # seeded as Anthropic, OpenAI, Meta


class Page(HTMLParser):
    """Visible text (no attributes, scripts or styles) and every id of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id" and value]
        if tag in ("script", "style", "code"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "code") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def wording_problems(text: str) -> list[str]:
    """What reads wrong in ``text`` (visible words only)."""
    flat = " ".join(text.split())
    found = [m.group(0) for m in ONE_PLURAL.finditer(flat)]
    found += ["(s)"] * flat.count("(s)")
    found += re.findall(r"fewer than [01]\b", flat)
    found += re.findall(r"\b(?:Any|any) 1 of\b", flat)
    found += re.findall(r"at least 0\b", flat)
    found += [m.group(0) for m in re.finditer(rf"\b(?:{'|'.join(SLUGS)})\b", flat)]
    return found


def check_html(html: str) -> list[str]:
    page = Page()
    page.feed(html)
    duplicates = [f"id {i!r} twice" for i, n in Counter(page.ids).items() if n > 1]
    return duplicates + wording_problems("".join(page.text))


def test_the_checks_catch_what_they_must():
    assert wording_problems("0 of 3 labs have reached 1 signatures each") == ["1 signatures"]
    assert wording_problems("Stored 2 new token(s); never fewer than 1") == ["(s)", "fewer than 1"]
    assert wording_problems("Any 1 of them together; a researcher at anthropic") == ["Any 1 of",
                                                                                      "anthropic"]
    assert wording_problems("1 signature, 2 signatures, Anthropic, https://x/anthropic") == [
        "anthropic"]  # URLs in text count too; attributes are not text
    assert check_html('<p id="a">x</p><p id="a" title="anthropic">Anthropic</p>') == ["id 'a' twice"]


def test_count_says_one_thing_and_many_things():
    assert count(0, "signature") == "0 signatures"
    assert count(1, "signature") == "1 signature"
    assert count(2, "signature") == "2 signatures"
    assert count(1, "entry", "entries") == "1 entry"
    assert count(3, "entry", "entries") == "3 entries"
    assert count(1, "person", "people") == "1 person"
    assert count(2, "person", "people") == "2 people"


RULES = [  # (min_total, min_per_lab, min_labs, trustee_quorum, trustee_count, suppress_below)
    (1, 1, 1, 1, 1, 1),
    (2, 0, 0, 1, 2, 2),
    (2, 2, 2, 2, 2, 2),
    (5, 3, 3, 2, 3, 3),
]
COUNTS = [{}, {"anthropic": 1}, {"anthropic": 1, "openai": 1}, {"anthropic": 3, "openai": 3, "meta": 3}]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: "-".join(map(str, r)))
def test_public_pages_read_right_at_every_count(client, make_open_campaign, rule):
    min_total, per_lab, labs, t, n, k = rule
    problems = {}
    slugs = []
    for counts in COUNTS:
        campaign = make_open_campaign(min_total=min_total, min_per_lab=per_lab, min_labs=labs,
                                      trustee_quorum=t, trustee_count=n, suppress_below=k,
                                      counts=counts, practice=k == 1)
        slugs.append(campaign.slug)
        for path in (f"/campaigns/{campaign.slug}", f"/campaigns/{campaign.slug}/sign",
                     f"/campaigns/{campaign.slug}/receipt"):
            reply = client.get(path)
            assert reply.status_code == 200, path
            problems[path] = check_html(reply.get_data(as_text=True))
    for path in ("/", "/about", "/verify"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        problems[path] = check_html(reply.get_data(as_text=True))
    assert {path: found for path, found in problems.items() if found} == {}


def test_home_labels_each_progress_bar_with_its_own_count(client, make_open_campaign):
    first = make_open_campaign(counts={"anthropic": 1})
    second = make_open_campaign(counts={"anthropic": 2, "openai": 2})
    page = Page()
    page.feed(client.get("/").get_data(as_text=True))
    assert len(page.ids) == len(set(page.ids))
    html = client.get("/").get_data(as_text=True)
    for campaign in (first, second):
        label = f"progress-total-label-{campaign.public_id}"
        assert f'id="{label}"' in html and f'aria-labelledby="{label}"' in html


@pytest.mark.parametrize("quorum,count_,days", [(1, 1, 1), (2, 3, 7)])
def test_trustee_invitation_mail_reads_right(app, make_campaign, quorum, count_, days):
    campaign = make_campaign(trustee_quorum=quorum, trustee_count=count_)
    with app.test_request_context():
        text = render_template("email/trustee_invitation.txt", campaign=campaign, days=days,
                               link="https://pledge.example/x",
                               trustee=SimpleNamespace(name="Tess", seat=1))
    assert wording_problems(text) == []


@pytest.mark.parametrize("per_lab,labs", [(0, 0), (1, 1), (2, 3)])
def test_pledge_sign_states_the_rule_in_words(per_lab, labs):
    rule = SimpleNamespace(min_total=1 + per_lab * labs, min_per_lab=per_lab, min_labs=labs)
    line = rule_text(rule, "2027-01-01 00:00 UTC")
    assert wording_problems(line) == []
    if not labs:
        assert "each of" not in line
    elif labs == 1:
        assert f"at least {per_lab} at one lab" in line
    else:
        assert f"at least {per_lab} at each of at least {labs} labs" in line


def test_pledge_sign_shows_the_pledge_text_without_markdown_syntax():
    shown = plain_text("I pledge **this** and _that_.\n\n- one\n- [a link](https://x.example)\n# Head")
    assert "**" not in shown and "_that_" not in shown and "](" not in shown and "# " not in shown
    assert "I pledge this and that." in shown
    assert "a link (https://x.example)" in shown


@pytest.mark.parametrize("quorum,trustees,sentence", [
    (1, 1, "The one trustee alone can reveal the signatures once the threshold is met."),
    (1, 3, "Any one of the 3 trustees alone can reveal the signatures once the threshold is met."),
    (3, 3, "All 3 trustees together can reveal the signatures once the threshold is met; fewer cannot."),
    (2, 3, "Any 2 of the 3 trustees together can reveal the signatures once the threshold is met; fewer cannot."),
])
def test_who_can_reveal_reads_right_for_every_quorum(quorum, trustees, sentence):
    from pledge.templating import quorum_sentence

    assert quorum_sentence(quorum, trustees) == sentence
    assert wording_problems(sentence) == []


ROOT = Path(__file__).resolve().parents[1]
PLURALS = ("signatures", "trustees", "labs", "tokens", "entries", "people", "days", "hours", "others",
           "emails", "rounds", "cosignatures", "leaves", "sealed signatures")
BARE_COUNT = re.compile(r"\{\{[^{}]*\}\} (?:" + "|".join(PLURALS) + r")\b")


def test_every_count_in_a_template_goes_through_count():
    """A number printed before a plural noun reads "1 signatures" when it is 1: templates write
    ``count(n, "signature")`` instead, so no page or e-mail can."""
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}"
             for path in sorted((ROOT / "templates").rglob("*")) if path.is_file()
             for m in BARE_COUNT.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_no_code_writes_a_plural_as_s_in_parentheses():
    sources = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "templates").rglob("*.txt"),
               *(ROOT / "static" / "js").glob("*.js"), *(ROOT / "pledge").rglob("*.py"),
               *(ROOT / "pledge_tools").rglob("*.py")]
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}" for path in sorted(sources)
             for m in re.finditer(r"(?<![\w_])[a-z]+\(s\)", path.read_text(encoding="utf-8"))
             if m.group(0) != "http(s)"]
    assert found == []


@pytest.mark.parametrize("quorum,trustees", [(1, 2), (2, 2), (2, 3)])
def test_organizer_and_trustee_pages_and_mail_read_right(app, client, sink, make_user, make_campaign,
                                                          quorum, trustees):
    """The organizer invites a trustee (real SMTP), tries to freeze too early, and the trustee
    opens the invitation: every page and the e-mail read right at this quorum."""
    from pledge.models import CampaignState, Role
    from tests.kit.forms import csrf_from, post_form

    app.config["MAIL_PORT"] = sink.port
    organizer, password = make_user(Role.ORGANIZER, email="boss@staff.example")
    campaign = make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_count=trustees,
                             trustee_quorum=quorum, min_total=2, min_per_lab=1, min_labs=1, suppress_below=2)
    post_form(client, "/login", {"email": "boss@staff.example", "password": password})
    url = f"/organize/campaigns/{campaign.id}/trustees"
    assert post_form(client, url, {"name": "Ada", "email": "ada@trustees.example"}).status_code == 302
    mail = sink.wait_for("ada@trustees.example", "invited")
    problems = {"invitation e-mail": wording_problems(mail.body)}
    page = client.get(url).get_data(as_text=True)
    problems["trustees page"] = check_html(page)
    freeze = client.post(f"/organize/campaigns/{campaign.id}/freeze", data={"csrf_token": csrf_from(page)},
                         follow_redirects=True).get_data(as_text=True)
    problems["refused freeze"] = check_html(freeze)
    for path in ("/organize/", f"/organize/campaigns/{campaign.id}/edit"):
        reply = client.get(path)
        if reply.status_code == 200:
            problems[path] = check_html(reply.get_data(as_text=True))
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    secret = re.search(r"/trustee/invitations/(\S+)", mail.body).group(1)
    problems["invitation page"] = check_html(client.get(f"/trustee/invitations/{secret}").get_data(as_text=True))
    assert {where: found for where, found in problems.items() if found} == {}


ORGANIZER_RULES = [  # (trustee_quorum, trustee_count, conditions, suppress_below)
    (1, 1, 0, 2),
    (1, 2, 1, 2),
    (2, 2, 2, 2),
    (2, 3, 2, 3),
]


@pytest.mark.parametrize("rule", ORGANIZER_RULES, ids=lambda r: "-".join(map(str, r)))
def test_organizer_pages_read_right_at_every_count(app, client, make_user, make_campaign, rule):
    """Every organizer page of a campaign at each step (draft, submitted, approved, in the
    ceremony, open and revealed with 0, 1, 2 and k signatures per lab), with 0, 1 or 2 conditions
    and 1, 2 or 3 trustees."""
    from pledge.database import write_intent
    from pledge.extensions import db
    from pledge.models import CampaignState, Role, utcnow
    from pledge.services import review
    from tests.kit.forms import post_form
    from tests.review_kit import approve

    t, n, conditions, k = rule
    organizer, password = make_user(Role.ORGANIZER, email="boss@staff.example")
    post_form(client, "/login", {"email": "boss@staff.example", "password": password})
    texts = tuple(f"Condition {i}." for i in range(1, conditions + 1))
    shape = dict(organizer=organizer, trustee_quorum=t, trustee_count=n, conditions=texts, min_total=2 * k,
                 min_per_lab=k, min_labs=1, suppress_below=k)
    drafts = [make_campaign(state=CampaignState.DRAFT, **shape) for _ in range(3)]
    if conditions:
        with write_intent():
            review.submit(db.session, db.session.get(type(drafts[1]), drafts[1].id), utcnow())
            db.session.commit()
        approve(drafts[2].id)
    others = [make_campaign(state=CampaignState.CEREMONY, **shape)]
    for state in (CampaignState.OPEN, CampaignState.REVEALED):
        for per_lab in (0, 1, 2, k):
            others.append(make_campaign(state=state, counts={"anthropic": per_lab, "openai": per_lab}, **shape))
    problems = {}
    pages = ["/organize/", "/organize/campaigns/new"]
    for campaign in drafts + others:
        base = f"/organize/campaigns/{campaign.id}"
        pages += [f"{base}/{p}" for p in ("edit", "conditions", "preview", "trustees", "freeze/confirm",
                                          "launch/confirm")]
        if campaign.group_key:
            pages.append(f"{base}/outcomes")
    for path in pages:
        reply = client.get(path, follow_redirects=True)
        assert reply.status_code == 200, path
        problems[f"{path} ({reply.request.path})"] = check_html(reply.get_data(as_text=True))
    assert {path: found for path, found in problems.items() if found} == {}


def test_trustee_dashboard_and_a_revealed_page_read_right(app, client, launched):
    """A real reveal (k = 1, a practice campaign): the public page after it, and each trustee's
    dashboard before and after."""
    import json

    from pledge.database import write_intent
    from pledge.extensions import db
    from pledge.models import utcnow
    from pledge.services import reveal as reveal_rounds
    from tests.kit.decryption import partials_file
    from tests.kit.forms import post_form
    from tests.kit.ticks import publish_due
    from tests.signing_kit import Signer

    campaign, people, seats = launched
    problems = {}

    def trustee_dashboard(person, when):
        post_form(client, "/login", {"email": person.email, "password": "long enough pw"})
        reply = client.get("/trustee/")
        assert reply.status_code == 200
        problems[f"trustee {person.name} {when}"] = check_html(reply.get_data(as_text=True))
        client.post("/logout", data={"csrf_token": csrf_from(reply.get_data(as_text=True))})

    from tests.kit.forms import csrf_from

    trustee_dashboard(people[0], "open")
    for lab in ("anthropic", "anthropic", "openai", "openai"):
        body = Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"]).body()
        assert client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(body),
                           headers={"Content-Type": "application/json"}).status_code == 201
    publish_due(app, 1)
    trustee_dashboard(people[0], "round frozen")
    with write_intent():
        for i in (0, 1):
            reveal_rounds.submit_partials(db.session, campaign, seats[i], 1,
                                          partials_file(campaign, people[i], seats[i], 1), utcnow())
        db.session.commit()
    for person in people:
        trustee_dashboard(person, "revealed")
    for path in (f"/campaigns/{campaign.slug}", f"/campaigns/{campaign.slug}/sign"):
        reply = client.get(path)
        assert reply.status_code == 200, path
        problems[path] = check_html(reply.get_data(as_text=True))
    assert {where: found for where, found in problems.items() if found} == {}
