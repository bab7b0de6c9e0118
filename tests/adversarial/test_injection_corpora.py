"""Injection corpora: open redirects through the login's ``next``, and email header injection
through every address or name that ends up in an email (the signer's verification address,
trustee invitations, ``flask user create``).

Redirects are judged the way a browser reads a ``Location`` header (WHATWG URL parsing: leading
C0 controls and spaces dropped, tabs and newlines removed, ``\\`` read as ``/``). Emails are judged
from the raw ``.eml`` the SMTP sink stored, and their recipients the way the mailer derives them
(``smtplib.send_message`` reads the ``To`` header): an address the app accepts must reach exactly
that address and nobody else.
"""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import delete, select

from crypto import blindrsa
from crypto.hashing import H, canonical_json
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Role, User
from pledge.services.affiliation import normalize_address
from tests.adversarial import kit
from tests.mailsink import MailSink

# --- open redirects ---------------------------------------------------------------------------

EVIL = "evil.example"
REDIRECT_CORPUS = [
    f"//{EVIL}", f"///{EVIL}", f"////{EVIL}/", f"/\\{EVIL}", f"\\/{EVIL}", f"\\\\{EVIL}", f"/\\/{EVIL}",
    f"/\\\\{EVIL}", f"///\\;@{EVIL}", f"https:{EVIL}", f"https://{EVIL}", f"HTTPS://{EVIL.upper()}",
    f"http:/{EVIL}", f"http:\\\\{EVIL}", f"//{EVIL}/%2e%2e", f"%2F%2F{EVIL}", f"%2f%2f{EVIL}", f"/%2F%2F{EVIL}",
    f"/%5C{EVIL}", f"/\t/{EVIL}", f"/\n/{EVIL}", f"/\r\n/{EVIL}", f"\t//{EVIL}", f" //{EVIL}", f"\x00//{EVIL}",
    f"/\x00/{EVIL}", f"\x0c//{EVIL}", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "javascript://%0aalert(1)",
    " javascript:alert(1)", "data:text/html,<script>alert(1)</script>", f"/\uff0f{EVIL}", f"\uff0f\uff0f{EVIL}",
    f"/\u2215{EVIL}", f"\u2215\u2215{EVIL}", f"/\u2044{EVIL}", "//evil\u3002example", f"\u3000//{EVIL}",
    f"//{EVIL}@localhost", f"//localhost@{EVIL}", f"/@{EVIL}", f"http://localhost.{EVIL}/",
    "/%0d%0aSet-Cookie:%20pwned=1", "/\r\nSet-Cookie: pwned=1", f"/organize/\r\nLocation: https://{EVIL}",
]

C0_AND_SPACE = "".join(chr(c) for c in range(0x21))


def lands_on_this_site(location: str) -> bool:
    """Whether a browser following ``location`` from http://localhost/login stays on this site."""
    cleaned = location.strip(C0_AND_SPACE)
    cleaned = re.sub(r"[\t\n\r]", "", cleaned).replace("\\", "/")
    parts = urlsplit(urljoin("http://localhost/login", cleaned))
    return parts.scheme == "http" and parts.hostname == "localhost" and parts.port is None


class NextField(HTMLParser):
    """The value of the login form's hidden ``next`` field."""

    def __init__(self) -> None:
        super().__init__()
        self.value: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name") == "next":
            self.value = attributes.get("value") or ""


def next_field(html: str) -> str:
    parser = NextField()
    parser.feed(html)
    assert parser.value is not None, "the login form has no next field"
    return parser.value


@pytest.fixture
def staff(app):
    kit.prepare(app)
    kit.labs_by_slug()
    _, password = kit.new_user(Role.ORGANIZER, email="owner@staff.example")
    return "owner@staff.example", password


def test_the_corpus_is_large_enough_and_the_judge_catches_the_classics():
    assert len(REDIRECT_CORPUS) >= 25
    for escape in (f"//{EVIL}", f"/\\{EVIL}", f"/\t/{EVIL}", f"https:{EVIL}", f" //{EVIL}", f"\\/{EVIL}"):
        assert not lands_on_this_site(escape), escape
    for local in ("/organize/", "/trustee/", "http://localhost/x", f"/%2F%2F{EVIL}", f"/\u2215{EVIL}"):
        assert lands_on_this_site(local), local


def _escapes(app, email: str, password: str, payload: str) -> list[str]:
    """How a login with ``next=payload`` could leave the site (nothing, if it cannot)."""
    problems = []
    # Given a link to /login?next=<payload>: the form carries nothing that leaves the site.
    client = app.test_client()
    page = client.get("/login", query_string={"next": payload})
    carried = next_field(page.get_data(as_text=True))
    if page.status_code != 200 or not (carried == "" or lands_on_this_site(carried)):
        problems.append(f"the form carries next={carried!r}")
    # When the person logs in through that form, they land on this site.
    token = kit.csrf_from(page.get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "next": carried, "csrf_token": token})
    if response.status_code != 302 or not lands_on_this_site(response.headers["Location"]):
        problems.append(f"the form's login went to {response.headers.get('Location')!r}")
    # And a forged form with the payload in ``next`` gets no further.
    forged = app.test_client()
    response = forged.post("/login", data={"email": email, "password": password, "next": payload,
                                           "csrf_token": kit.token_of(forged, "/login")})
    locations = response.headers.getlist("Location")
    if response.status_code != 302 or len(locations) != 1 or not lands_on_this_site(locations[0]):
        problems.append(f"a forged next sent the login to {locations!r}")
    if any("pwned" in cookie for cookie in response.headers.getlist("Set-Cookie")):
        problems.append("a header was injected")
    return problems


def test_login_next_always_redirects_to_this_site(app, staff):
    email, password = staff
    failures = [f"{payload!r}: {problem}" for payload in REDIRECT_CORPUS for problem in _escapes(app, email, password, payload)]
    assert failures == [], "\n".join(failures)


def test_a_logged_in_visitor_is_not_bounced_off_site_either(app, staff):
    email, password = staff
    client = app.test_client()
    assert kit.login(client, email, password).status_code == 302
    for payload in REDIRECT_CORPUS:
        response = client.get("/login", query_string={"next": payload})
        assert response.status_code == 302 and lands_on_this_site(response.headers["Location"]), payload


# --- email header injection -------------------------------------------------------------------

# Headers the app writes (pledge/services/mail.py) and those the MIME structure adds.
ALLOWED_HEADERS = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
                   "content-transfer-encoding"}
SPY = "spy@evil.example"


def line_breaks(prefix: str, suffix: str) -> list[str]:
    """``prefix`` + a line break + an extra header + ``suffix``, in every spelling we know of."""
    breaks = ["\r\n", "\n", "\r", "\x00", "\r\n\t", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x1c", "\x1d",
              "\x1e", "%0d%0a", "%0a", "%0D%0A", "\\r\\n", "&#13;&#10;"]
    return [f"{prefix}{b}Bcc: {SPY}{suffix}" for b in breaks]


# An address the platform accepts must be delivered to itself alone: these spell one address
# and mean another (or several) under RFC 5322 address syntax.
ADDRESS_SYNTAX = ["spy,ada@anthropic.com", "x:ada@anthropic.com", "ada%0d%0abcc:spy@anthropic.com",
                  "ada(comment)@anthropic.com", '"ada"@anthropic.com', "<ada@anthropic.com>", "ada;spy@anthropic.com",
                  "ada@anthropic.com>", "=?utf-8?q?ada?=@anthropic.com"]
VERIFICATION_CORPUS = line_breaks("ada@anthropic.com", "") + line_breaks("ada", "@anthropic.com") + ADDRESS_SYNTAX


def raw_headers(path: Path) -> list[tuple[str, str]]:
    """Header lines exactly as stored (folded lines joined), before any parsing leniency."""
    raw = path.read_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    headers: list[tuple[str, str]] = []
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t") and headers:
            name, value = headers[-1]
            headers[-1] = (name, value + line.decode("utf-8", "replace"))
            continue
        name, colon, value = line.decode("utf-8", "replace").partition(":")
        assert colon, f"{path.name}: a header line without a name: {line!r}"
        headers.append((name.strip().lower(), value.strip()))
    return headers


def recipients(to_header: str) -> list[str]:
    """Who ``smtplib.send_message`` delivers to when the app's message carries this ``To``
    (the app builds an ``EmailMessage``; smtplib reads its parsed ``To`` header)."""
    message = EmailMessage()
    message["To"] = to_header
    return [address.lower() for _, address in getaddresses(message.get_all("To")) if address]


def check_stored_mail(folder: Path, meant: str | None = None) -> list[str]:
    """Problems with any stored message: unknown or repeated headers, or recipients other than
    the one address it was meant for (``meant``, else the To header as written)."""
    problems = []
    for path in sorted(folder.glob("*.eml")):
        headers = raw_headers(path)
        names = [name for name, _ in headers]
        unknown = set(names) - ALLOWED_HEADERS
        repeated = {name for name in names if names.count(name) > 1 and name not in ("content-type", "content-transfer-encoding")}
        if unknown or repeated:
            problems.append(f"{path.name}: injected headers {sorted(unknown | repeated)}")
        to = dict(headers).get("to", "")
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        for name in ("bcc", "cc", "reply-to", "sender"):
            if parsed.get(name):
                problems.append(f"{path.name}: carries {name}: {parsed.get(name)}")
        target = (meant or to).lower()
        if recipients(to) != [target]:
            problems.append(f"{path.name}: To {to!r} reaches {recipients(to)}, not only {target!r}")
    return problems


@pytest.fixture
def sink(app, tmp_path):
    mail = MailSink(tmp_path / "mail")
    app.config["MAIL_PORT"] = mail.port
    yield mail
    mail.stop()


def test_the_verification_corpus_covers_every_line_break_and_address_trick():
    assert len(VERIFICATION_CORPUS) >= 40
    assert any("\u2028" in p for p in VERIFICATION_CORPUS) and any("%0d%0a" in p for p in VERIFICATION_CORPUS)


def test_a_verification_address_cannot_add_a_header_or_a_recipient(app, client, make_open_campaign, sink):
    kit.prepare(app)
    make_open_campaign()
    failures = []
    for payload in VERIFICATION_CORPUS:
        for stale in sink.folder.glob("*.eml"):
            stale.unlink()
        response = client.post("/api/verify/start", json={"email": payload})
        sent = list(sink.folder.glob("*.eml"))
        if response.status_code not in (200, 400, 422):
            failures.append(f"{payload!r}: answered {response.status_code}")
        elif response.status_code != 200:
            if sent:
                failures.append(f"{payload!r}: refused, yet an email went out")
        elif not sent:
            failures.append(f"{payload!r}: accepted, yet nothing reached the sink")
        else:
            # Whatever was sent went to the address the platform tagged, with only its own headers.
            failures += [f"{payload!r}: {p}" for p in check_stored_mail(sink.folder, normalize_address(payload))]
    assert failures == [], "\n".join(failures)


def _blind_requests(client, ticket):
    pending = {}
    for campaign in ticket["campaigns"]:
        doc = client.get(campaign["manifest_url"]).get_json()
        assert H("manifest", canonical_json(doc["manifest"]), n=32).hex() == doc["ctx"]
        lab = next(lab for lab in doc["manifest"]["labs"] if lab["slug"] == ticket["lab"]["slug"])
        key = blindrsa.load_public_key(bytes.fromhex(lab["token_public_key"]))
        prepared = blindrsa.prepare(blindrsa.token_message(campaign["id"].encode("ascii"), ticket["lab"]["slug"]))
        blinded, _ = blindrsa.blind(key, prepared)
        pending[campaign["id"]] = blinded
    return pending


def test_one_mailbox_gets_one_token_per_campaign_whatever_the_address_spelling(app, client, make_open_campaign, sink):
    """The sybil the address syntax would allow: one person, one mailbox, several tags."""
    kit.prepare(app)
    make_open_campaign()
    mailbox = "ada@anthropic.com"
    spellings = [mailbox, "x:ada@anthropic.com", "y:ada@anthropic.com", "ada(1)@anthropic.com", '"ada"@anthropic.com']
    tokens, granted = 0, []
    for spelling in spellings:
        seen = {m.name for m in sink.messages()}
        started = client.post("/api/verify/start", json={"email": spelling})
        if started.status_code != 200:
            continue
        # The owner of the mailbox reads every code that reaches it.
        arrived = [m for m in sink.messages() if m.name not in seen and mailbox in recipients(m.to)]
        if not arrived:
            continue
        code = re.search(r"\b(\d{8})\b", arrived[-1].body).group(1)
        checked = client.post("/api/verify/check", json={"email": spelling, "code": code,
                                                         "handle": started.get_json()["handle"]})
        if checked.status_code != 200:
            continue
        ticket = checked.get_json()
        issued = client.post("/api/verify/issue", json={
            "ticket": ticket["ticket"],
            "requests": [{"campaign": cid, "blinded": b.hex()} for cid, b in _blind_requests(client, ticket).items()]})
        if issued.status_code == 200:
            tokens += len(issued.get_json()["signatures"])
            granted.append(spelling)
    assert tokens == 1, f"one mailbox obtained {tokens} tokens for one campaign, as {granted}"


# Trustee invitations: the organizer types a name and an email.
TRUSTEE_EMAILS = line_breaks("trustee@univ.example", "") + line_breaks("trustee", "@univ.example") + [
    "trustee,spy@univ.example", "x:trustee@univ.example", "trustee%0d%0abcc:spy@evil.example",
    "trustee(c)@univ.example", "<trustee@univ.example>", "trustee;spy@univ.example"]
TRUSTEE_NAMES = line_breaks("Ada Trustee", "") + ["Ada\r\n\r\nForged body line", "Ada\u2028Subject: forged"]


@pytest.fixture
def draft(app, labs, make_campaign, make_user, login):
    kit.prepare(app)
    organizer, password = make_user(Role.ORGANIZER, email="org@staff.example")
    login("org@staff.example", password)
    return make_campaign(organizer=organizer, state=CampaignState.DRAFT, trustee_count=15, trustee_quorum=8)


def test_trustee_invitations_carry_no_injected_header_or_recipient(client, draft, sink):
    url = f"/organize/campaigns/{draft.id}/trustees"
    failures = []
    cases = [("Ada Trustee", email) for email in TRUSTEE_EMAILS]
    cases += [(name, f"trustee{i}@univ.example") for i, name in enumerate(TRUSTEE_NAMES)]
    for name, email in cases:
        for stale in sink.folder.glob("*.eml"):
            stale.unlink()
        # Seats are limited: free them between attempts.
        db.session.rollback()
        for trustee in list(draft.trustees):
            client.post(f"{url}/remove", data={"seat": str(trustee.seat), "csrf_token": kit.token_of(client, url)})
        response = client.post(url, data={"name": name, "email": email, "csrf_token": kit.token_of(client, url)})
        db.session.rollback()
        stored = {t.email: t.name for t in db.session.get(Campaign, draft.id).trustees}
        if response.status_code == 302:
            assert len(stored) == 1, stored
            address, kept_name = next(iter(stored.items()))
            if any(ch in kept_name for ch in "\r\n\x00\u2028\u2029\x85\x0b\x0c"):
                failures.append(f"name {name!r} kept a line break or NUL: {kept_name!r}")
            # The invitation is handed to the SMTP server before the response returns.
            if not list(sink.folder.glob("*.eml")):
                failures.append(f"accepted {email!r} but sent no invitation")
            failures += [f"{email!r}: {p}" for p in check_stored_mail(sink.folder, address)]
        elif list(sink.folder.glob("*.eml")):
            failures.append(f"refused {email!r} but sent an email")
    assert failures == [], "\n".join(failures)


CLI_EMAILS = line_breaks("new.admin@staff.example", "") + [
    "x:new.admin@staff.example", "new.admin%0d%0abcc:spy@evil.example", "new,spy@staff.example",
    "new(c)@staff.example", "<new@staff.example>"]
CLI_NAMES = line_breaks("New Admin", "")


def staff_address_problem(address: str) -> str | None:
    """Why an accepted staff address would not reach exactly itself as a To header."""
    if any(ch in address for ch in "\r\n\x00"):
        return "contains a line break or NUL"
    if recipients(address) != [address]:
        return f"as a To header it reaches {recipients(address)}"
    return None


def test_flask_user_create_refuses_addresses_that_would_inject(app, runner):
    failures = []
    for email in CLI_EMAILS:
        result = runner.invoke(args=["user", "create", "--role", "admin", "--email", email, "--name", "New Admin",
                                     "--password", "a long enough password"])
        db.session.rollback()
        created = db.session.scalars(select(User.email).where(User.name == "New Admin")).all()
        if result.exit_code != 0:
            if created:
                failures.append(f"{email!r}: refused, yet the account exists")
            continue
        problem = staff_address_problem(created[0])
        if problem:
            failures.append(f"{email!r}: accepted as {created[0]!r}, which {problem}")
        db.session.execute(delete(User).where(User.name == "New Admin"))
        db.session.commit()
    assert failures == [], "\n".join(failures)


def test_flask_user_create_keeps_no_line_break_in_a_name(app, runner):
    failures = []
    for i, name in enumerate(CLI_NAMES):
        email = f"named{i}@staff.example"
        result = runner.invoke(args=["user", "create", "--role", "organizer", "--email", email, "--name", name,
                                     "--password", "a long enough password"])
        db.session.rollback()
        stored = db.session.scalar(select(User.name).where(User.email == email))
        if result.exit_code == 0 and any(ch in stored for ch in "\r\n\x00\u2028\u2029\x85\x0b\x0c"):
            failures.append(f"{name!r} stored as {stored!r}")
        elif result.exit_code != 0 and stored is not None:
            failures.append(f"{name!r}: refused, yet the account exists")
    assert failures == [], "\n".join(failures)
