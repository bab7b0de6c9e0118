"""Issue 15: no public byte says which lab an unrevealed signature is from.

The main test runs one launched campaign (k = 3, at least 3 at each of 2 labs, 12 overall) three
times from the same saved database: the same signers, except that one of them is at Anthropic
(instance A) or at OpenAI (instance B), and instance C is A with one more signer at Meta. No lab
reaches 3, so round 1 is not due. Each instance signs through the real API with the signing kit,
publishes a batch, and collects every public output (pages, JSON endpoints, the Atom feed, the log's
leaves, heads and proofs, receipts, the record), the organizer's and a trustee's pages; then the
deadline passes, the campaign expires, and the same outputs are collected again with every e-mail
the instance sent through the real SMTP sink. Random values (hex: commitments, nullifiers, hashes,
keys, signatures; times) are replaced by placeholders numbered by first appearance, so equal
values stay equal. A and B must be identical; A and C may differ only where the total is said.

A second test reads the page's promise ("no per-lab number ...") and checks it against the JSON,
the feed, the log and the record of the same instance; others check the page after round 1 is
revealed (revealed counts per lab, the sealed count overall, an anonymous signer's sealed role,
what a signature made now does) and, between the freeze and the reveal, that the "reached" flags
stay those of the freeze.

Both run on SQLite and, in the PostgreSQL pass of ``make test``, on PostgreSQL (they ask for the
migrated database, so tests/kit/markers.py puts them in the ``db`` lane).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from crypto import merkle
from crypto.hashing import canonical_json
from crypto.opening import Opening
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, RevealRound, Role, TreeHead, utcnow
from pledge.services.notify import send_all
from tests import dbkit
from tests.ceremony_kit import launch_through_ceremony
from tests.kit.ticks import publish_due, tick_at
from tests.lifecycle.kit import WebUser
from tests.signing_kit import Signer

JSON = {"Content-Type": "application/json"}
SLUG = "first-movers"
K = 3
ORGANIZER = "organizer@organizers.example"
TRUSTEE_PASSWORD = "long enough pw"  # tests/ceremony_kit.py::seat_everyone
#: Signers present in every instance: one at each lab, so no lab is empty in any of them.
BASE = ("anthropic", "openai", "meta")


@dataclass
class World:
    """The launched campaign (saved), its organizer's password and a way back to the saved state."""

    campaign_id: int
    organizer_password: str
    trustee_email: str
    deadline: datetime
    restore: Callable[[], None]


@pytest.fixture
def world(app, make_user, make_campaign, sink, tmp_path):
    """A k = 3 campaign launched through a real ceremony, then saved (tests/dbkit.py::snapshot)."""
    app.config["MAIL_PORT"] = sink.port
    organizer, password = make_user(Role.ORGANIZER, email=ORGANIZER, name="Olive Organizer")
    deadline = (utcnow() + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    campaign = make_campaign(
        state=CampaignState.DRAFT, organizer=organizer, slug=SLUG, title="First movers", min_total=12,
        min_per_lab=K, min_labs=2, suppress_below=K, trustee_quorum=2, trustee_count=3, deadline=deadline,
        lab_slugs=BASE,
    )
    people, seats = launch_through_ceremony(app, campaign)
    campaign_id = campaign.id
    restore = dbkit.snapshot(app, tmp_path)
    return World(campaign_id, password, people[0].email, deadline, restore)


# --- what the public, the organizer and a trustee see --------------------------------------------

HEX = re.compile(r"(?<![0-9a-f])[0-9a-f]{16,}(?![0-9a-f])")
FINGERPRINT = re.compile(r"(?<![0-9a-f-])[0-9a-f]{4}(?:-[0-9a-f]{4}){4}(?![0-9a-f-])")  # of a hash or key
TIMES = (
    (re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|\+00:00| UTC)?"), "<time>"),
    (re.compile(r"(?<![\d<h])1[6-9]\d{8}(?!\d)"), "1111111111"),  # Unix seconds (head timestamps); JSON stays JSON
    (re.compile(r"\d+ (minute|hour|day)s?(, \d+ hours?)? left"), "<time> left"),
)
CSRF = re.compile(r'(name="[\w-]*csrf_token"[^>]*value=|name="csrf-token"[^>]*content=)"[^"]*"')


def _opened(match: re.Match) -> str:
    """A hex run that encodes a JSON object (a log leaf, as the leaves endpoint and the record
    carry them) as that object's text, escaped to sit inside a JSON string; else the run."""
    try:
        decoded = bytes.fromhex(match.group(0)).decode("utf-8")
        json.loads(decoded)
    except ValueError:
        return match.group(0)
    return json.dumps(decoded)[1:-1] if decoded.startswith("{") else match.group(0)


def scrub(text: str) -> str:
    """``text`` with hex-encoded JSON (log leaves) opened, then random values replaced by
    placeholders numbered by first appearance (equal values get equal placeholders), and times
    and CSRF tokens by fixed ones."""
    text = HEX.sub(_opened, text)
    seen: dict[str, str] = {}
    text = HEX.sub(lambda m: seen.setdefault(m.group(0), f"<h{len(seen) + 1}>"), text)
    text = FINGERPRINT.sub(lambda m: seen.setdefault(m.group(0), f"<f{len(seen) + 1}>"), text)
    for pattern, placeholder in TIMES:
        text = pattern.sub(placeholder, text)
    return CSRF.sub(r'\1"<csrf>"', text)


def _get(user: WebUser, path: str) -> str:
    response = user.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def public_outputs(app, slug: str) -> dict[str, str]:
    """Every public page and JSON document of the campaign, and every log leaf, head and proof."""
    visitor = WebUser(app)
    paths = ["/", "/about", "/verify", f"/campaigns/{slug}", f"/campaigns/{slug}/sign", f"/campaigns/{slug}/receipt",
             f"/campaigns/{slug}/updates.atom", f"/api/campaigns/{slug}", f"/api/campaigns/{slug}/record",
             f"/api/campaigns/{slug}/manifest", f"/api/campaigns/{slug}/board", f"/api/campaigns/{slug}/log/head",
             f"/api/campaigns/{slug}/log/heads"]
    found = {path: _get(visitor, path) for path in paths}
    size = json.loads(found[f"/api/campaigns/{slug}/log/head"])["size"]
    leaves_path = f"/api/campaigns/{slug}/log/leaves?start=0&end={size}"
    found[leaves_path] = _get(visitor, leaves_path)
    heads = json.loads(found[f"/api/campaigns/{slug}/log/heads"])
    sizes = sorted({head["size"] for head in heads.get("heads", [])} | {size})
    for old, new in zip(sizes, sizes[1:]):
        path = f"/api/campaigns/{slug}/log/consistency?from={old}&to={new}"
        found[path] = _get(visitor, path)
    for index in range(size):
        path = f"/api/campaigns/{slug}/log/inclusion?index={index}&size={size}"
        found[f"/api/campaigns/{slug}/log/inclusion?index=<i>&size={size} #{index}"] = _get(visitor, path)
    # What anyone holding a leaf hash (every leaf's is public) is told about it, refusals included.
    for index, leaf in enumerate(json.loads(found[leaves_path])["leaves"]):
        response = visitor.get(f"/api/campaigns/{slug}/receipts/{merkle.leaf_hash(bytes.fromhex(leaf)).hex()}")
        found[f"/api/campaigns/{slug}/receipts/<leaf> #{index}"] = f"{response.status_code} {response.get_data(as_text=True)}"
    return found


def staff_outputs(app, world: World) -> dict[str, str]:
    """The organizer's pages of the campaign, and a trustee's dashboard."""
    organizer, trustee = WebUser(app), WebUser(app)
    organizer.login(ORGANIZER, world.organizer_password)
    trustee.login(world.trustee_email, TRUSTEE_PASSWORD)
    base = f"/organize/campaigns/{world.campaign_id}"
    pages = {path: _get(organizer, path) for path in
             ("/organize/", f"{base}/preview", f"{base}/trustees", f"{base}/outcomes")}
    pages["/trustee/"] = _get(trustee, "/trustee/")
    return pages


def mail_outputs(sink, before: int) -> dict[str, str]:
    """Every message the sink received since ``before`` messages: to, sender, subject and body."""
    messages = sink.messages()[before:]
    rendered = sorted(f"To: {m.to}\nSubject: {m.subject}\n\n{m.body}" for m in messages)
    return {f"mail #{i}": text for i, text in enumerate(rendered)} | {"mail count": str(len(rendered))}


def sign(app, campaign: Campaign, labs: list[str]) -> list[Signer]:
    """One signer per lab slug in ``labs``, each through ``POST /api/campaigns/<slug>/entries``."""
    client = app.test_client()
    signers = []
    for number, lab in enumerate(labs):
        person = Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"], name=f"Signer {number}", role="Engineer",
                        statement="Together.", display="name")
        body = person.body()
        response = client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(body), headers=JSON)
        assert response.status_code == 201, response.get_json()
        # The client computed its leaf before submitting; the server must log exactly that leaf.
        expected = merkle.leaf_hash(person.leaf(bytes.fromhex(body["ciphertext"])))
        assert response.get_json()["receipt"]["leaf_hash"] == expected.hex()
        signers.append(person)
    return signers


def instance(app, world: World, sink, labs: list[str]) -> dict[str, str]:
    """Restore the launched campaign, sign once per lab in ``labs``, publish; every output while
    open and once expired (with the e-mails), scrubbed of random values."""
    world.restore()
    before = len(sink.messages())
    campaign = db.session.get(Campaign, world.campaign_id)
    sign(app, campaign, labs)
    publish_due(app)
    outputs = {f"open {path}": text for path, text in (public_outputs(app, SLUG) | staff_outputs(app, world)).items()}
    report = tick_at(app, world.deadline + timedelta(hours=2))
    assert db.session.get(Campaign, world.campaign_id).state == CampaignState.EXPIRED
    assert send_all(report.outgoing) == []
    outputs |= {f"expired {path}": text for path, text in (public_outputs(app, SLUG) | staff_outputs(app, world)).items()}
    outputs |= mail_outputs(sink, before)
    return {name: scrub(text) for name, text in outputs.items()}


def differences(left: dict[str, str], right: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The outputs that differ (or exist on one side only), each with its first differing line."""
    found = {}
    for name in sorted(set(left) | set(right)):
        a, b = left.get(name), right.get(name)
        if a == b:
            continue
        if a is None or b is None:
            found[name] = (a or "<absent>", b or "<absent>")[:2]
            continue
        lines = [(x, y) for x, y in zip(a.splitlines(), b.splitlines()) if x != y] or [("<length>", "<length>")]
        found[name] = (lines[0][0].strip()[:300], lines[0][1].strip()[:300])
    return found


TOTAL_PATTERNS = (
    r"<strong>{n}</strong> of",  # the campaign and home pages
    r'value="{n}"',  # the <progress> bar
    r'"total":{n}', r'"total": {n}',  # the counts JSON
)


def without_the_total(outputs: dict[str, str], total: int) -> dict[str, str]:
    """The count-free part of an instance's outputs: every document that can only say the total
    (the log, its proofs, the record) dropped, and each place a page or JSON says the total blanked."""
    kept = {}
    for name, text in outputs.items():
        if "/log/" in name or "/receipts/" in name:
            continue
        if name.endswith("/record"):
            # Its log, heads and proofs grow by a leaf; its counts may say nothing else.
            record = json.loads(text)
            kept[name] = json.dumps({"keys": sorted(record), "counts": {
                key: value for key, value in record.get("counts", {}).items() if key != "head_size"}}, sort_keys=True)
            continue
        for pattern in TOTAL_PATTERNS:
            text = re.sub(pattern.format(n=total), pattern.format(n="<total>").replace("\\", ""), text)
        text = re.sub(rf"(?<![\d.]){total * 100 // 12}%", "<percent>%", text)
        # The log's size: one leaf more per entry (the total is read from the log).
        text = re.sub(r"holds (<strong>)?\d+(</strong>)? leaves", "holds <size> leaves", text)
        kept[name] = text
    return kept


def test_one_signer_at_lab_x_or_at_lab_y_leaves_every_public_byte_alike(app, world, sink):
    # Given: the same campaign, the same signers but one, who is at Anthropic in A and at OpenAI in B.
    a = instance(app, world, sink, [*BASE, "anthropic"])
    b = instance(app, world, sink, [*BASE, "openai"])
    # Then: nothing anyone outside the server and the trustees' packages reads tells A from B.
    assert set(a) == set(b)
    assert any(name.startswith("mail #") for name in a), "the expiry e-mails reached the sink"
    assert differences(a, b) == {}


def test_one_more_signer_changes_only_the_total_and_a_lab_reaching_the_minimum_is_told(app, world, sink):
    a = instance(app, world, sink, [*BASE, "anthropic"])
    c = instance(app, world, sink, [*BASE, "anthropic", "meta"])
    # The total is public (the log's live entries) and does change: 4 against 5.
    assert differences(a, c)
    assert differences(without_the_total(a, 4), without_the_total(c, 5)) == {}
    # And the comparison is not blind: a lab that reaches min_per_lab (3 at Anthropic) is told.
    d = instance(app, world, sink, [*BASE, "anthropic", "anthropic"])
    told = differences(without_the_total(c, 5), without_the_total(d, 5))
    assert f"open /api/campaigns/{SLUG}" in told and "open /campaigns/" + SLUG in told


def test_the_comparison_opens_log_leaves_before_it_blanks_random_values():
    # A leaf that named its lab would be told apart even inside the hex the log serves it in.
    leaf = json.dumps({"kind": "entry", "lab": "meta", "nullifier": "ab" * 32}, separators=(",", ":")).encode()
    document = json.dumps({"leaves": [leaf.hex()]})
    assert '\\"lab\\":\\"meta\\"' in scrub(document)
    assert scrub(document) != scrub(document.replace(leaf.hex(), leaf.replace(b"meta", b"xmet").hex()))
    assert scrub('{"a":"' + "cd" * 32 + '","b":"' + "cd" * 32 + '"}') == '{"a":"<h1>","b":"<h1>"}'


# --- a promise on the page, checked against the data -------------------------------------------

PROMISE = "no per-lab number is published anywhere"


def test_the_page_promises_no_per_lab_number_and_no_output_carries_one(app, world, sink):
    world.restore()
    campaign = db.session.get(Campaign, world.campaign_id)
    sign(app, campaign, ["anthropic", "anthropic", "openai"])  # 2, 1 and 0: all below k = 3
    publish_due(app)
    visitor = WebUser(app)
    page = " ".join(_get(visitor, f"/campaigns/{SLUG}").split())
    assert PROMISE in page and "in its JSON, in the log, in the record or in any e-mail" in page

    # The counts JSON: per lab, nothing but whether the lab reached min_per_lab.
    counts = json.loads(_get(visitor, f"/api/campaigns/{SLUG}"))
    assert counts["total"] == 3
    assert all(set(lab) == {"slug", "name", "reached"} and lab["reached"] is False for lab in counts["labs"])
    assert "sealed" not in counts and "revealed" not in counts

    # The log: entry leaves carry a commitment to the lab, never its name.
    leaves = json.loads(_get(visitor, f"/api/campaigns/{SLUG}/log/leaves?start=0&end=3"))["leaves"]
    opened = [json.loads(bytes.fromhex(leaf)) for leaf in leaves]
    assert [leaf["kind"] for leaf in opened] == ["entry"] * 3
    assert all("lab_commitment" in leaf and "lab" not in leaf for leaf in opened)
    for slug in BASE:
        assert slug not in json.dumps(opened)

    # The record: its counts say which labs reached min_per_lab, and no number per lab.
    record = json.loads(_get(visitor, f"/api/campaigns/{SLUG}/record"))
    assert record["counts"] == {"head_size": 3, "labs_reached": []}
    opened_log = HEX.sub(_opened, json.dumps(record["log"]))
    assert '\\"kind\\":\\"entry\\"' in opened_log  # the leaves are read, not left as hex
    assert all(slug not in opened_log for slug in BASE)

    # The feed and the home page: no lab number either.
    feed = _get(visitor, f"/campaigns/{SLUG}/updates.atom")
    home = _get(visitor, "/")
    for text in (feed, home):
        assert not re.search(r"\b(Anthropic|OpenAI)\b[^<]{0,40}\b[12]\b", text)

    # A page that promised this while any of the above failed would be caught above; the page
    # also states the k rule it keeps.
    assert "Nobody is revealed with fewer than 2 others from their lab (k = 3)" in page


# --- after round 1 is revealed --------------------------------------------------------------------


def _revealed_entry(campaign: Campaign, lab_id: int, index: int, payload: dict | None, round_number: int | None):
    slug = next(link.lab.slug for link in campaign.lab_links if link.lab_id == lab_id)
    # The opening the server keeps (its token is a stand-in: these rows are written directly).
    opening = Opening(slug, secrets.token_bytes(64), secrets.token_bytes(256), secrets.token_bytes(32))
    return Entry(campaign_id=campaign.id, entry_id=secrets.token_bytes(16), lab_id=lab_id,
                 opening=canonical_json(opening.doc()),
                 nullifier=secrets.token_bytes(32), r_point=secrets.token_bytes(32), leaf=b"{}",
                 leaf_hash=secrets.token_bytes(32), withdrawal_key=secrets.token_bytes(32), leaf_index=index,
                 revealed_payload=json.dumps(payload).encode() if payload else None, revealed_round=round_number,
                 frozen_round=round_number)


def test_after_round_one_the_page_shows_revealed_counts_the_sealed_total_and_the_sealed_role(app, make_campaign):
    # Given: round 1 revealed 3 entries at Meta (one anonymous with a role, one anonymous without),
    # and 2 entries (one at OpenAI, one at Meta, signed later) are sealed.
    campaign = make_campaign(state=CampaignState.REVEALED, slug="after-round-one", min_total=4, min_per_lab=3,
                             min_labs=1, suppress_below=3, counts={"meta": 4, "openai": 1})
    labs = {link.lab.slug: link.lab_id for link in campaign.lab_links}
    with write_intent():
        now = utcnow()
        db.session.add(TreeHead(campaign_id=campaign.id, batch=1, size=4, timestamp=int(now.timestamp()),
                                root=secrets.token_bytes(32), signature=secrets.token_bytes(64)))
        db.session.add(RevealRound(campaign_id=campaign.id, number=1, batch=1, size=4, frozen_at=now, revealed_at=now))
        payloads = [
            {"v": 2, "display": "anonymous", "name": "", "role": "Engineer", "statement": ""},
            {"v": 2, "display": "anonymous", "name": "", "role": "", "statement": ""},
            {"v": 2, "display": "name", "name": "Ada Lovelace", "role": "Researcher", "statement": ""},
        ]
        for index, payload in enumerate(payloads):
            db.session.add(_revealed_entry(campaign, labs["meta"], index, payload, 1))
        db.session.add(_revealed_entry(campaign, labs["openai"], 3, None, None))
        db.session.add(_revealed_entry(campaign, labs["meta"], 4, None, None))
        db.session.commit()
    client = app.test_client()
    page = " ".join(client.get("/campaigns/after-round-one").get_data(as_text=True).split())
    # Then: the anonymous signer's sealed role is shown; one who sealed none shows none.
    assert page.count("<strong>Verified anonymous researcher at Meta</strong> · Engineer") == 1
    assert page.count("<strong>Verified anonymous researcher at Meta</strong>") == 2
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th>\s*<td>([^<]+)</td>', page))
    assert rows == {"Anthropic": "0", "Meta": "3", "OpenAI": "0"}
    assert "<strong>2</strong> signatures are still sealed" in page
    # A signature made now is told what it will do, not that nobody is exposed alone.
    assert "What a signature made now does." in page
    assert "revealed only if its lab has at least 3 signatures waiting" in page
    assert "destroyed when the campaign ends" in page
    data = client.get("/api/campaigns/after-round-one").get_json()
    assert data["round_one_revealed"] is True and data["revealed"] == 3 and data["sealed"] == 2
    assert [lab["revealed"] for lab in data["labs"]] == [0, 3, 0]
    assert all(set(lab) == {"slug", "name", "revealed"} for lab in data["labs"])
    # Once the campaign is closed, the entries never revealed are said to be destroyed.
    with write_intent():
        db.session.get(Campaign, campaign.id).state = CampaignState.CLOSED
        db.session.commit()
    closed = " ".join(client.get("/campaigns/after-round-one").get_data(as_text=True).split())
    assert "<strong>2</strong> signatures were never revealed and are destroyed" in closed
    assert "What a signature made now does." not in closed


def test_once_round_one_froze_the_reached_flags_are_those_of_the_freeze(app, make_campaign):
    # Given: round 1 froze with 3 entries at Anthropic (k = min_per_lab = 3); since then 3 more
    # were published at Meta (its published count is 3), sealed and in no round.
    campaign = make_campaign(slug="frozen-round-one", min_total=3, min_per_lab=3, min_labs=1, suppress_below=3,
                             counts={"anthropic": 3, "meta": 3})
    labs = {link.lab.slug: link.lab_id for link in campaign.lab_links}
    with write_intent():
        now = utcnow()
        db.session.add(TreeHead(campaign_id=campaign.id, batch=1, size=3, timestamp=int(now.timestamp()),
                                root=secrets.token_bytes(32), signature=secrets.token_bytes(64)))
        db.session.add(RevealRound(campaign_id=campaign.id, number=1, batch=1, size=3, frozen_at=now))
        for index in range(3):
            db.session.add(_revealed_entry(campaign, labs["anthropic"], index, None, None))
        for index in range(3, 6):
            db.session.add(_revealed_entry(campaign, labs["meta"], index, None, None))
        db.session.commit()
        for entry in db.session.scalars(select(Entry).where(Entry.lab_id == labs["anthropic"])):
            entry.frozen_round = 1
        db.session.commit()
    client = app.test_client()
    # Then: Meta's entries after the freeze do not mark it as reached: a flag that moved with
    # signatures made after round 1 would tell the lab that k of its staff signed since.
    data = client.get("/api/campaigns/frozen-round-one").get_json()
    assert {lab["slug"]: lab["reached"] for lab in data["labs"]} == {"anthropic": True, "meta": False, "openai": False}
    assert data["total"] == 6 and data["round_one_revealed"] is False
    page = " ".join(client.get("/campaigns/frozen-round-one").get_data(as_text=True).split())
    assert "Round 1 has frozen; a signature made now is not in it." in page
    assert "<strong>1</strong> of 1 lab had reached 3 signatures when round 1 froze" in page
