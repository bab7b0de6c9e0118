"""Issue 7, full lifecycle: a 3-of-5 campaign from the organizer's draft to a verified record.

Once per module (``story``): an organizer writes the draft and invites five trustees, who run
the key ceremony with the real ``pledge-trustee`` (``init``, ``deal``, ``finish``) on files
downloaded from and uploaded to the trustee pages; the campaign launches; forty researchers at
three labs sign, five in real Chromium (``/verify``, then the sign page) and thirty-five with
``pledge-sign``, over two batches; the second batch meets the rule ``30 overall, 8 at each of 3
labs`` and freezes round 1; trustees 1, 3 and 5 decrypt the downloaded round package with
``pledge-trustee decrypt`` and upload their partials; the round opens; the next batch publishes
its ``round-revealed`` event; the record is exported by the CLI and by the API. The tests then
check each stage's outcome, that ``pledge-verify`` accepts the record, and that changing any one
of many positions in it makes ``pledge-verify`` fail.
"""

from __future__ import annotations

import copy
import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from crypto.hashing import WIRE_VERSION
from crypto.lifecycle import round_digest
from crypto.opening import parse_opening
from pledge import create_app
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, RevealRound, Role, TreeHead, utcnow
from pledge.services.accounts import PasswordCost, create_user
from pledge.services.demo import seed_labs
from pledge.services.notify import send_all
from pledge_tools.verify.cli import main as pledge_verify
from tests.browser import assert_clean, fill_signature, live_server, open_sign_page, verify_in_browser, watch
from tests.kit.config import make_config
from tests.kit.events import event_names, replayed_record
from tests.kit.ticks import publish_due, tick_at
from tests.lifecycle.kit import (
    PASSPHRASE,
    WebUser,
    create_draft,
    decrypt_round,
    flashes,
    redirected,
    run_ceremony,
    witness_latest,
)
from tests.mailsink import MailSink
from tests.signer.sign_kit import CodeKeyboard, sign, verify

LABS = {"anthropic": ("anthropic.com", 14), "openai": ("openai.com", 14), "meta": ("meta.com", 12)}
BROWSER = {("anthropic", 0), ("anthropic", 7), ("openai", 3), ("meta", 0), ("meta", 9)}
TRUSTEES = [("Ada Trustee", "ada@trustees.example"), ("Bo Trustee", "bo@trustees.example"),
            ("Cy Trustee", "cy@trustees.example"), ("Di Trustee", "di@trustees.example"),
            ("Ed Trustee", "ed@trustees.example")]
QUORUM = (1, 3, 5)
ORGANIZER = "org@organizers.example"
# Forty researchers would sign from forty networks; here they all share the loopback address, so
# the per-client rate limits (counted per network) are raised for this scenario.
PER_NETWORK = {f"RATELIMIT_{action}_PER_CLIENT": (10_000, 3600)
               for action in ("VERIFY_START", "VERIFY_CHECK", "VERIFY_ISSUE", "ENTRIES", "LOGIN")}


@dataclass(frozen=True)
class Person:
    """One researcher and what they type."""

    lab: str
    email: str
    display: str
    name: str
    role: str
    statement: str
    browser: bool

    def payload(self) -> dict:
        return {"v": WIRE_VERSION, "display": self.display, "name": self.name, "role": self.role, "statement": self.statement}


def forty_people() -> list[Person]:
    """14, 14 and 12 researchers; every sixth anonymous, every third with a statement."""
    people = []
    for lab, (domain, count) in LABS.items():
        for i in range(count):
            anonymous = i % 6 == 5
            people.append(Person(
                lab=lab, email=f"r{i}.{lab}@{domain}", display="anonymous" if anonymous else "name",
                name="" if anonymous else f"Łucja Ørsted-{lab}-{i}", role=f"Research scientist {i}",
                statement=f"“{lab}” must publish its evaluations ({i})." if i % 3 == 0 else "",
                browser=(lab, i) in BROWSER))
    return people


@dataclass
class Story:
    """What happened, kept for the tests."""

    folder: Path
    slug: str
    public_id: str
    lab_names: dict[str, str]
    people: list[Person]
    by_nullifier: dict[str, Person]
    shares: list[dict]
    progress: list[dict] = field(default_factory=list)
    round_sizes: list[int] = field(default_factory=list)
    events: list[list[str]] = field(default_factory=list)
    round_entries: int = 0
    page_open: str = ""
    page_two_of_three: str = ""
    page_revealed: str = ""
    reveal_flash: str = ""
    notified: set[str] = field(default_factory=set)
    cli_record: bytes = b""
    api_record: bytes = b""
    api_headers: dict[str, str] = field(default_factory=dict)

    @cached_property
    def record(self) -> dict[str, Any]:
        """The exported record, parsed (tests change deep copies of it only)."""
        return json.loads(self.cli_record)


def page_text(web: WebUser, path: str) -> str:
    return " ".join(web.get(path).get_data(as_text=True).split())


def sign_in_browser(browser, url: str, sink: MailSink, slug: str, person: Person, folder: Path) -> dict:
    """Verify on /verify, then seal and sign on the sign page; returns the downloaded receipt."""
    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        seen = watch(page, url)
        site = SimpleNamespace(url=url)
        verify_in_browser(page, site, sink, person.email)
        open_sign_page(page, site, slug)
        status = page.locator("#sign-status")
        assert "is-ok" in (status.get_attribute("class") or ""), status.inner_text()
        assert "all 5 trustees" in status.inner_text()
        fill_signature(page, name=person.name, role=person.role, statement=person.statement, display=person.display)
        with page.expect_download() as info:
            page.get_by_role("button", name="Seal and sign").click()
        saved = folder / f"browser-receipt-{person.lab}-{person.email.split('@')[0]}.json"
        info.value.save_as(saved)
        page.get_by_role("heading", name="Signed. Keep your receipt.").wait_for()
        assert_clean(page, seen)
        return json.loads(saved.read_text())
    finally:
        context.close()


@pytest.fixture(scope="module")
def story(tmp_path_factory, migrated_db, browser) -> Story:
    folder = tmp_path_factory.mktemp("lifecycle")
    instance = folder / "instance"
    instance.mkdir()
    url = migrated_db.provision(instance)
    sink = MailSink(folder / "sink")
    app = create_app(make_config(instance, MAIL_PORT=sink.port, SQLALCHEMY_DATABASE_URI=url, **PER_NETWORK))
    try:
        with app.app_context(), pytest.MonkeyPatch.context() as patch:
            patch.setenv("PLEDGE_TRUSTEE_PASSPHRASE", PASSPHRASE)
            patch.delenv("PLEDGE_SIGN_CODE", raising=False)
            keyboard = CodeKeyboard(sink)
            patch.setattr("builtins.input", keyboard)
            try:
                return _tell(app, sink, keyboard, browser, folder)
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        sink.stop()
        migrated_db.release(instance)


def _tell(app, sink: MailSink, keyboard: CodeKeyboard, browser, folder: Path) -> Story:
    with write_intent():
        labs = {lab.slug: lab for lab in seed_labs(db.session)}
        create_user(db.session, email=ORGANIZER, name="Olga Organizer", password="organizer password 1",
                    roles=[Role.ORGANIZER], cost=PasswordCost(opslimit=1, memlimit=8192))
        db.session.commit()

    # The organizer writes the draft, then five trustees run the ceremony with pledge-trustee.
    organizer = WebUser(app)
    organizer.login(ORGANIZER, "organizer password 1")
    campaign_id = create_draft(
        organizer, title="Evaluations before deployment", lab_ids=[labs[s].id for s in LABS], min_total=30,
        min_per_lab=8, min_labs=3, t=3, n=5, deadline=utcnow() + timedelta(days=20),
        conditions=["Publish the safety framework.", "Run third-party evaluations before deployment."])
    desks = run_ceremony(app, sink, organizer, campaign_id, TRUSTEES, folder)
    assert [d.seat for d in desks] == [1, 2, 3, 4, 5]
    db.session.rollback()
    campaign = db.session.get(Campaign, campaign_id)
    assert campaign.state == CampaignState.OPEN
    slug = campaign.slug
    people = forty_people()
    story = Story(folder=folder, slug=slug, public_id=campaign.public_id,
                  lab_names={s: labs[s].name for s in LABS}, people=people, by_nullifier={},
                  shares=[json.loads(d.share.read_text()) for d in desks])
    public = WebUser(app)

    # Forty researchers sign: the five browser signers and fifteen others, a batch, then twenty more.
    first = [p for p in people if p.browser] + [p for p in people if not p.browser][:15]
    second = [p for p in people if p not in first]
    with live_server(app) as url:
        for wave in (first, second):
            for person in wave:
                if person.browser:
                    receipt = sign_in_browser(browser, url, sink, slug, person, folder)
                else:
                    tag = person.email.split("@")[0]
                    tokens, receipt_path = folder / f"tokens-{tag}.json", folder / f"receipt-{tag}.json"
                    keyboard.address = person.email
                    assert verify(url, person.email, tokens) == 0
                    assert sign(url, slug, tokens, receipt_path, name=person.name, role=person.role,
                                statement=person.statement, display=person.display) == 0
                    receipt = json.loads(receipt_path.read_text())
                assert receipt["slug"] == slug
                story.by_nullifier[receipt["nullifier"]] = person
            if wave is first:
                [published] = publish_due(app, hours=1)
                assert published.entries == 20 and published.round_frozen is None
                story.progress.append(public.get(f"/api/campaigns/{slug}").get_json())
    assert len(story.by_nullifier) == 40

    # The next tick publishes the second batch: the rule is met and round 1 freezes; trustees are told.
    report = tick_at(app, utcnow() + timedelta(hours=2))
    assert any("reveal round 1 frozen" in action for action in report.actions), report.actions
    assert send_all(report.outgoing) == []
    for _, email in TRUSTEES:
        story.notified.add(sink.wait_for(email, "reveal round is ready").to)
    story.progress.append(public.get(f"/api/campaigns/{slug}").get_json())
    story.round_sizes = [r.size for r in db.session.scalars(select(RevealRound).where(RevealRound.campaign_id == campaign_id))]
    story.round_entries = len(db.session.scalars(select(Entry).where(
        Entry.campaign_id == campaign_id, Entry.leaf_index < story.round_sizes[0])).all())
    story.page_open = page_text(public, f"/campaigns/{slug}")

    # Trustees 1, 3 and 5 decrypt round 1 with pledge-trustee and upload their partials.
    for seat in QUORUM:
        redirected(decrypt_round(desks[seat - 1], campaign_id, 1), "/trustee/")
        if seat == QUORUM[1]:
            story.page_two_of_three = page_text(public, f"/campaigns/{slug}")
    story.reveal_flash = flashes(desks[QUORUM[-1] - 1].web)
    sink.wait_for(ORGANIZER, "round 1 is revealed")
    story.page_revealed = page_text(public, f"/campaigns/{slug}")

    # The next batch publishes the round-revealed event, with the digest of the stored partials.
    report = tick_at(app, utcnow() + timedelta(hours=3))
    assert f"{slug}: batch 3 published (0 new, 0 withdrawn); events: round-revealed" in report.actions
    story.events = event_names(campaign_id)
    # The trustees witness the head that carries the event (w of them must cosign it).
    db.session.rollback()
    campaign = db.session.get(Campaign, campaign_id)
    head = db.session.scalar(select(TreeHead).where(TreeHead.campaign_id == campaign_id).order_by(TreeHead.batch.desc()))
    witnessed = witness_latest(app, desks, slug, campaign.ctx, head.timestamp + 5)
    assert all(f"Cosigned the head of size {head.size}" in line for line in witnessed), witnessed

    # The record, exported by the CLI and served by the API, at the story's time (it runs hours
    # ahead of the real clock).
    with pytest.MonkeyPatch.context() as clock:
        clock.setattr("pledge.services.record.utcnow", lambda: datetime.fromtimestamp(head.timestamp + 10, tz=UTC))
        db.session.rollback()
        exported = folder / "record.json"
        result = app.test_cli_runner().invoke(args=["campaign", "export", slug, "-o", str(exported)])
        assert result.exit_code == 0, result.output
        story.cli_record = exported.read_bytes()
        response = public.get(f"/api/campaigns/{slug}/record")
        assert response.status_code == 200
        story.api_record = response.get_data()
    story.api_headers = dict(response.headers)
    return story


# --- the stages ---------------------------------------------------------------------------------


def test_five_trustees_ran_the_ceremony_with_pledge_trustee(story: Story) -> None:
    record = story.record
    manifest = record["manifest"]
    assert (manifest["t"], manifest["n"]) == (3, 5)
    assert manifest["rule"] == {"min_total": 30, "min_per_lab": 8, "min_labs": 3}
    assert [t["name"] for t in manifest["trustees"]] == [name for name, _ in TRUSTEES]
    assert sorted(lab["slug"] for lab in manifest["labs"]) == sorted(LABS)
    # Every trustee's share file names the same Y and transcript as the published board.
    assert {s["Y"] for s in story.shares} == {record["dkg"]["Y"]}
    assert {s["transcript"] for s in story.shares} == {
        sig["transcript"] for sig in record["dkg"]["transcript_signatures"].values()}
    assert sorted(record["dkg"]["transcript_signatures"]) == ["1", "2", "3", "4", "5"]
    assert {str(s["index"]): s["Yj"] for s in story.shares} == record["dkg"]["verification_keys"]
    assert [d["dealer"] for d in record["dkg"]["deals"]] == [1, 2, 3, 4, 5]
    assert manifest["id"] == story.public_id and record["log"]["id"] == story.public_id.encode("ascii").hex()


def test_forty_signatures_in_two_batches_meet_the_rule_and_freeze_round_one(story: Story) -> None:
    first, second = story.progress
    assert first["total"] == 20 and not first["rule_met"]
    assert second["total"] == 40 and second["rule_met"]
    # Per lab, only whether it reached the per-lab minimum of 8: no per-lab number.
    assert {lab["slug"]: lab["reached"] for lab in second["labs"]} == dict.fromkeys(LABS, True)
    assert all("count" not in lab for lab in first["labs"] + second["labs"])
    assert sum(p.browser for p in story.by_nullifier.values()) == 5
    # Round 1 froze in the second batch (its event after the twenty new entries) and lists all forty
    # entries; the third batch holds only its round-revealed event.
    assert story.round_sizes == [41] and story.round_entries == 40
    assert story.events == [[], ["round-frozen 1"], ["round-revealed 1"]]
    record = story.record
    assert [(h["batch"], h["size"]) for h in record["log"]["heads"]] == [(1, 20), (2, 41), (3, 42)]
    frozen = json.loads(bytes.fromhex(record["log"]["leaves"][40]))
    assert (frozen["event"], frozen["round"], frozen["leaves"]) == ("round-frozen", 1, list(range(40)))
    # The labs reached are stated as of round 1's freeze (the head of size 41), not later.
    assert record["counts"] == {"head_size": 41, "labs_reached": sorted(LABS)}
    assert story.notified == {email for _, email in TRUSTEES}
    # Frozen, but nobody's name is public yet.
    assert 'id="signatures-heading"' not in story.page_open
    assert not any(p.name and str(escape(p.name)) in story.page_open for p in story.people)


def test_three_trustees_open_round_one_and_the_page_lists_every_signer_by_lab(story: Story) -> None:
    # Two partial uploads of three reveal nothing.
    assert not any(p.name and str(escape(p.name)) in story.page_two_of_three for p in story.people)
    assert "Round 1 is now revealed" in story.reveal_flash
    page = story.page_revealed
    assert "The signatures" in page and "round 1 on" in page and "log head of 41 entries" in page
    sections = dict(re.findall(r"<h3>([^<]+) \(\d+\)</h3> <ul class=\"signature-list\">(.*?)</ul>", page))
    assert set(sections) == {str(escape(name)) for name in story.lab_names.values()}
    for lab, name in story.lab_names.items():
        shown = sorted(re.findall(r"<strong>([^<]+)</strong>", sections[str(escape(name))]))
        expected = sorted(str(escape(p.name)) if p.display == "name" else f"Verified anonymous researcher at {escape(name)}"
                          for p in story.people if p.lab == lab)
        assert shown == expected, lab
        for person in story.people:
            if person.lab == lab and person.statement:
                assert f"<blockquote>{escape(person.statement)}</blockquote>" in sections[str(escape(name))]
    assert f"<h3>{escape(story.lab_names['anthropic'])} (14)</h3>" in page


def test_the_record_holds_every_revealed_signature(story: Story) -> None:
    record = story.record
    [round_one] = record["rounds"]
    assert sorted(round_one) == ["entries", "number", "status"] and round_one["status"] == "revealed"
    assert [e["leaf_index"] for e in round_one["entries"]] == list(range(40))
    assert record["outcome"] == {"state": "revealed", "threshold_met": True}
    # The round-revealed event's digest is the digest of the entries' openings and partials, as exported.
    revealed = json.loads(bytes.fromhex(record["log"]["leaves"][41]))
    assert revealed["digest"] == round_digest(
        (e["leaf_index"], parse_opening(e["opening"]), {int(j): bytes.fromhex(p) for j, p in e["partials"].items()})
        for e in round_one["entries"]).hex()
    lifecycle = replayed_record(record)
    assert [(r.number, r.status, list(r.leaves)) for r in lifecycle.rounds] == [(1, "revealed", list(range(40)))]
    assert "public_key" not in record["log"]
    # Batch 2 (round 1 frozen) is cosigned by the trustees who decrypted it, batch 3 (the reveal)
    # by every trustee running pledge-witness; batch 1 carries no event and needed no witness.
    cosigners = [len(h["cosignatures"]) for h in record["log"]["heads"]]
    assert cosigners == [0, len(QUORUM), len(TRUSTEES)], cosigners
    for entry in round_one["entries"]:
        leaf = json.loads(bytes.fromhex(record["log"]["leaves"][entry["leaf_index"]]))
        person = story.by_nullifier[leaf["nullifier"]]
        # The leaf names no lab; the revealed opening does, and opens the leaf's commitment.
        assert "lab" not in leaf and entry["opening"]["slug"] == person.lab
        assert parse_opening(entry["opening"]).commitment.hex() == leaf["lab_commitment"]
        assert json.loads(bytes.fromhex(entry["payload"])) == person.payload()
        assert sorted(entry["partials"]) == [str(j) for j in QUORUM]


def test_the_cli_export_and_the_api_serve_the_same_bytes_and_pledge_verify_accepts_them(
    story: Story, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert story.cli_record == story.api_record
    assert story.cli_record.endswith(b"\n")
    assert story.api_headers["Content-Type"].startswith("application/json")
    path = tmp_path / "record.json"
    path.write_bytes(story.api_record)
    capsys.readouterr()
    assert pledge_verify([str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("pledge-verify: OK: campaign “Evaluations before deployment”")
    assert "trustees: 3 of 5" in out
    assert "40 entries, 0 withdrawals" in out
    assert "rounds: 1 (1 revealed" in out
    assert "40 revealed payloads equal a fresh decryption" in out
    assert "outcome: revealed" in out


# --- tampering with the record ------------------------------------------------------------------

# The record's shape is known before it exists: 5 trustees (t = 3), 3 labs, 40 leaves in two
# heads, one revealed round of 40 entries with partials from trustees 1, 3 and 5. Positions are
# drawn from this shape with a fixed seed; a hex digit's place is drawn as a number taken modulo
# the field's length once the record exists.

_rng = random.Random(20240607)
_T, _N, _LEAVES, _HEADS = 3, 5, 40, 3
_HEAD_SIZES = (20, 41, 42)


def _trustee() -> str:
    return str(_rng.randint(1, _N))


def _entry() -> int:
    return _rng.randrange(_LEAVES)


HEX_FIELDS: list[tuple[int, Any]] = [  # (how many positions, a function drawing one path)
    (2, lambda: ("ctx",)),
    (1, lambda: ("manifest", "id")),
    (3, lambda: ("manifest", "labs", _rng.randrange(3), "token_public_key")),
    (2, lambda: ("manifest", "trustees", _rng.randrange(_N), "ed25519")),
    (2, lambda: ("manifest", "trustees", _rng.randrange(_N), "x25519")),
    (5, lambda: ("dkg", "deals", _rng.randrange(_N), "commitments", _rng.randrange(_T))),
    (2, lambda: ("dkg", "deals", _rng.randrange(_N), "pop_r")),
    (3, lambda: ("dkg", "deals", _rng.randrange(_N), "pop_z")),
    (3, lambda: ("dkg", "deals", _rng.randrange(_N), "signature")),
    (2, lambda: ("dkg", "deals", _rng.randrange(_N), "shares_digest")),
    (2, lambda: ("dkg", "transcript_signatures", _trustee(), "transcript")),
    (3, lambda: ("dkg", "transcript_signatures", _trustee(), "signature")),
    (2, lambda: ("dkg", "Y")),
    (4, lambda: ("dkg", "verification_keys", _trustee())),
    (1, lambda: ("log", "id")),
    (2, lambda: ("manifest", "log_key")),
    (10, lambda: ("log", "leaves", _entry())),
    (2, lambda: ("log", "heads", _rng.randrange(_HEADS), "root")),
    (2, lambda: ("log", "heads", _rng.randrange(_HEADS), "signature")),
    (8, lambda: ("rounds", 0, "entries", _entry(), "ciphertext")),
    (8, lambda: ("rounds", 0, "entries", _entry(), "partials", str(_rng.choice((1, 3, 5))))),
    (6, lambda: ("rounds", 0, "entries", _entry(), "payload")),
    (4, lambda: ("rounds", 0, "entries", _entry(), "opening", "nonce")),
    (4, lambda: ("rounds", 0, "entries", _entry(), "opening", "token_signature")),
]

#: (path to a hex field, where its digit is (modulo its length), the XOR applied to that digit)
FLIPS = [(draw(), _rng.randrange(1 << 30), _rng.randint(1, 15)) for count, draw in HEX_FIELDS for _ in range(count)]

#: (path to an integer, the change)
NUMBERS = [
    (("counts", "head_size"), -1), (("counts", "head_size"), +1),
    (("log", "heads", 0, "size"), +1), (("log", "heads", 1, "size"), -1),
    (("log", "heads", 0, "timestamp"), -1), (("log", "heads", 1, "timestamp"), +1),
    (("rounds", 0, "number"), +1),
    (("rounds", 0, "entries", _entry(), "leaf_index"), +1), (("rounds", 0, "entries", 0, "leaf_index"), -1),
    (("rounds", 0, "entries", _LEAVES - 1, "leaf_index"), +1),
    (("manifest", "rule", "min_total"), +1), (("manifest", "t"), -1),
    (("dkg", "deals", _rng.randrange(_N), "dealer"), +1),
]

#: (path to a list or an object, the item, "delete" or "duplicate")
ITEMS = [
    *[(("log", "leaves"), i, "delete") for i in (0, _entry(), _entry(), _LEAVES - 1)],
    *[(("log", "leaves"), i, "duplicate") for i in (0, _entry(), _LEAVES - 1)],
    *[(("rounds", 0, "entries"), i, "delete") for i in (0, _entry(), _LEAVES - 1)],
    *[(("rounds", 0, "entries"), i, "duplicate") for i in (_entry(), _LEAVES - 1)],
    (("rounds",), 0, "delete"), (("rounds",), 0, "duplicate"),
    (("log", "heads"), 0, "delete"), (("log", "heads"), 1, "delete"), (("log", "heads"), 1, "duplicate"),
    (("dkg", "deals"), _rng.randrange(_N), "delete"), (("dkg", "deals"), _rng.randrange(_N), "duplicate"),
    (("dkg", "transcript_signatures"), _trustee(), "delete"),
    (("dkg", "verification_keys"), _trustee(), "delete"),
    *[(("rounds", 0, "entries", _entry(), "partials"), str(j), "delete") for j in QUORUM],
    (("manifest", "labs"), _rng.randrange(3), "delete"),
    (("manifest", "trustees"), _rng.randrange(_N), "duplicate"),
    (("counts", "labs_reached"), _rng.randrange(3), "delete"),
    (("counts", "labs_reached"), _rng.randrange(3), "duplicate"),
]


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def flip_digit(record: dict[str, Any], path: tuple[Any, ...], where: int, xor: int) -> dict[str, Any]:
    """A copy of ``record`` with one hex digit of the field at ``path`` changed."""
    doc = copy.deepcopy(record)
    parent = _at(doc, path[:-1])
    value: str = parent[path[-1]]
    position = where % len(value)
    digit = format(int(value[position], 16) ^ xor, "x")
    parent[path[-1]] = value[:position] + digit + value[position + 1:]
    assert parent[path[-1]] != value
    return doc


def assert_fails(record: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / "tampered.json"
    path.write_text(json.dumps(record))
    capsys.readouterr()
    code = pledge_verify([str(path), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 1 and out == "", (code, out, err)
    assert err.startswith("pledge-verify: FAILED: ") and err.count("\n") == 1, err
    return err


def test_the_record_rewritten_unchanged_verifies(story: Story, tmp_path: Path, capsys) -> None:
    """The control for the tests below: parsing and rewriting the record changes nothing that
    matters, so each failure below comes from its one change."""
    path = tmp_path / "same.json"
    path.write_text(json.dumps(story.record, indent=1))
    assert pledge_verify([str(path), "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")


def test_the_positions_cover_every_kind_of_field() -> None:
    assert len(FLIPS) + len(NUMBERS) + len(ITEMS) >= 60 and len(FLIPS) >= 60
    kinds = {tuple(k for k in path if isinstance(k, str) and not k.isdigit()) for path, _, _ in FLIPS}
    assert kinds == {
        ("ctx",), ("manifest", "id"), ("manifest", "labs", "token_public_key"), ("manifest", "trustees", "ed25519"),
        ("manifest", "trustees", "x25519"), ("dkg", "deals", "commitments"), ("dkg", "deals", "pop_r"),
        ("dkg", "deals", "pop_z"), ("dkg", "deals", "signature"), ("dkg", "deals", "shares_digest"),
        ("dkg", "transcript_signatures", "transcript"),
        ("dkg", "transcript_signatures", "signature"), ("dkg", "Y"), ("dkg", "verification_keys"), ("log", "id"),
        ("manifest", "log_key"), ("log", "leaves"), ("log", "heads", "root"), ("log", "heads", "signature"),
        ("rounds", "entries", "ciphertext"), ("rounds", "entries", "partials"), ("rounds", "entries", "payload"),
        ("rounds", "entries", "opening", "nonce"), ("rounds", "entries", "opening", "token_signature")}


def expected_failure(path: tuple[Any, ...]) -> str:
    """What ``pledge-verify`` must name when one digit of the hex field at ``path`` changes."""
    match path:
        case ("manifest", "trustees", i, "x25519"):  # most changed keys are not of order L
            return (r"ctx does not match the manifest|the record: field manifest: field "
                    rf"trustees\[{i}\]: trustee {i + 1} \('[^']*'\) is refused: the X25519 key is ")
        case ("ctx",) | ("manifest", *_):
            return r"ctx does not match the manifest"
        case ("dkg", "deals", dealer, *_):
            return rf"dkg: trustee {dealer + 1}'s deal fails its public check \((bad-point|bad-signature|bad-proof)\)"
        case ("dkg", "transcript_signatures", j, _):
            return rf"dkg: trustee {j}('s transcript signature does not verify| signed another transcript)"
        case ("dkg", "Y"):
            return r"dkg: Y is not the sum of the trustees' first commitments"
        case ("dkg", "verification_keys", j):
            return rf"dkg: Y_{j} is not the one the deals' commitments give"
        case ("log", "id"):
            return r"log: id is not the ASCII of the manifest's id"
        case ("log", "leaves", i):
            return rf"leaf {i}: |log: the Merkle root of leaves 0\.\.{19 if i < 20 else 40} does not match"
        case ("log", "heads", h, _):
            return rf"log: the signature of the head of batch {h + 1} \(size {_HEAD_SIZES[h]}\) does not verify"
        case ("rounds", 0, "entries", p, "ciphertext"):
            return rf"round 1, leaf {p}: the ciphertext does not match the leaf's ciphertext_sha256"
        case ("rounds", 0, "entries", p, "partials", j):
            # The round-revealed event's digest binds every stored partial: a changed one is
            # caught there, before its proof is even checked.
            return (r"round 1: the SHA-256 of the revealed entries' openings and partials differs from the digest "
                    rf"of its round-revealed event|round 1, leaf {p}: trustee {j}'s partial decryption "
                    r"(does not verify|is malformed)")
        case ("rounds", 0, "entries", p, "opening", _):
            # The digest binds every opening too: a changed one is caught there first.
            return (r"round 1: the SHA-256 of the revealed entries' openings and partials differs from the digest "
                    rf"of its round-revealed event|round 1, leaf {p}: .*opening")
        case ("rounds", 0, "entries", p, "payload"):
            return rf"round 1, leaf {p}: the published payload differs from the decryption"
    raise AssertionError(f"no expected failure for {path}")


def _id(path: tuple[Any, ...]) -> str:
    return ".".join(map(str, path))


@pytest.mark.parametrize(("path", "where", "xor"), FLIPS,
                         ids=[f"{_id(p)}@{w % 997}^{x}" for p, w, x in FLIPS])
def test_changing_one_hex_digit_fails(story: Story, tmp_path: Path, capsys, path, where: int, xor: int) -> None:
    err = assert_fails(flip_digit(story.record, path, where, xor), tmp_path, capsys)
    assert re.match(r"pledge-verify: FAILED: (" + expected_failure(path) + ")", err), err


@pytest.mark.parametrize(("path", "delta"), NUMBERS, ids=[f"{_id(p)}{d:+d}" for p, d in NUMBERS])
def test_changing_a_number_by_one_fails(story: Story, tmp_path: Path, capsys, path, delta: int) -> None:
    doc = copy.deepcopy(story.record)
    parent = _at(doc, path[:-1])
    parent[path[-1]] += delta
    assert_fails(doc, tmp_path, capsys)


@pytest.mark.parametrize(("path", "item", "action"), ITEMS, ids=[f"{a}-{_id(p)}[{i}]" for p, i, a in ITEMS])
def test_deleting_or_duplicating_an_entry_fails(story: Story, tmp_path: Path, capsys, path, item, action: str) -> None:
    doc = copy.deepcopy(story.record)
    container = _at(doc, path)
    if action == "delete":
        del container[item]
    elif isinstance(container, list):
        container.insert(item + 1, copy.deepcopy(container[item]))
    else:
        raise AssertionError("an object cannot hold a key twice in JSON written by json.dumps")
    assert_fails(doc, tmp_path, capsys)
