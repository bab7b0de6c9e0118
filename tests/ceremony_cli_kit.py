"""A ceremony run over HTTP with the real trustee tool: an organizer and trustees, each with their
own logged-in test client and their own folder, every trustee file made by ``pledge-trustee``
(``init``, ``deal``, ``finish``, ``answer``, ``adjudicate``) and uploaded through the pages, every
e-mail caught by the SMTP sink."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from nacl.signing import SigningKey

from crypto import dkg
from crypto.formats import keys as key_files
from crypto.formats import messages
from crypto.hashing import canonical_json
from pledge.extensions import db
from pledge.models import Campaign
from pledge_tools.trustee.cli import main as pledge_trustee
from tests.kit.forms import csrf_from, post_form
from tests.mailsink import MailSink, first_link
from tests.review_kit import approve

PASSPHRASE = "correct horse battery staple"
PASSWORD = "trustee password 123"


class OwnClient(FlaskClient):
    """A test client whose every request runs in its own application context, so that nothing a
    request caches in ``g`` (the logged-in user, the CSRF token) leaks to another person's client
    while the test holds an application context of its own."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def client_of(app) -> OwnClient:
    """A fresh browser-like client: its own cookies, its own session."""
    return OwnClient(app, app.response_class, use_cookies=True)


def tool(*args) -> int:
    """Run ``pledge-trustee`` with these arguments; its exit code."""
    return pledge_trustee([str(a) for a in args])


def upload(client, url: str, data: bytes, filename: str = "upload.json"):
    """POST a file to a trustee upload form, with the CSRF token of the trustee page."""
    token = csrf_from(client.get("/trustee/").get_data(as_text=True))
    return client.post(url, data={"file": (BytesIO(data), filename), "csrf_token": token},
                       content_type="multipart/form-data")


def page(client, url: str) -> str:
    """A page's text (after any flashed message)."""
    return client.get(url).get_data(as_text=True)


@dataclass
class Person:
    """A trustee: a test client logged in as them, and their own folder for the tool's files."""

    name: str
    email: str
    folder: Path
    client: object
    seat: int = 0
    runs: int = 0
    registration: object = None

    @property
    def key(self) -> Path:
        return self.folder / "trustee.key"

    def secrets(self) -> key_files.TrusteeSecrets:
        """The trustee's secret keys, unlocked with the passphrase (for crafting bad files)."""
        return key_files.unlock_key(key_files.load_key(self.key), key_files.passphrase_bytes(PASSPHRASE))

    def run_folder(self) -> Path:
        folder = self.folder / f"run-{self.runs}"
        folder.mkdir(exist_ok=True)
        return folder


@dataclass
class World:
    """One campaign's ceremony as its organizer and trustees live it."""

    app: object
    sink: MailSink
    campaign: Campaign
    organizer: object
    organizer_email: str
    tmp: Path
    people: list[Person] = field(default_factory=list)

    @property
    def cid(self) -> int:
        return self.campaign.id

    @property
    def trustees_url(self) -> str:
        return f"/organize/campaigns/{self.cid}/trustees"

    def fresh(self) -> Campaign:
        """The campaign as the database holds it now."""
        db.session.rollback()
        campaign = db.session.get(Campaign, self.cid)
        db.session.refresh(campaign)
        return campaign

    def organizer_page(self) -> str:
        return page(self.organizer, self.trustees_url)

    def organizer_post(self, url: str, data: dict | None = None):
        token = csrf_from(self.organizer_page())
        return self.organizer.post(url, data={**(data or {}), "csrf_token": token})

    # --- seats ---

    def seat(self, name: str, email: str, x25519: bytes | None = None) -> Person:
        """Invite, accept and (unless refused) register keys made by ``pledge-trustee init``;
        ``x25519`` replaces the X25519 key of the public file (a weak key, to be refused)."""
        assert post_form(self.organizer, self.trustees_url, {"name": name, "email": email}).status_code == 302
        link = urlsplit(first_link(self.sink.wait_for(email, "invited to be a Pledge trustee").body)).path
        client = client_of(self.app)
        assert post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD}).status_code == 302
        folder = self.tmp / email.split("@")[0]
        folder.mkdir()
        person = Person(name, email, folder, client)
        assert tool("init", "--name", name, "--out", person.key, "--kdf", "interactive") == 0
        public = (folder / "trustee.key.pub.json").read_bytes()
        if x25519 is not None:
            doc = json.loads(public)
            doc["x25519"] = x25519.hex()
            public = canonical_json(doc)
        person.seat = next(t.seat for t in self.fresh().trustees if t.email == email)
        self.people.append(person)
        person.registration = self.register(person, public)
        return person

    def register(self, person: Person, public: bytes):
        url = f"/trustee/campaigns/{self.cid}/keys"
        token = csrf_from(page(person.client, url))
        return person.client.post(url, data={"file": (BytesIO(public), "trustee.key.pub.json"), "pasted": "",
                                             "csrf_token": token}, content_type="multipart/form-data")

    def by_seat(self, seat: int) -> Person:
        return next(p for p in self.people if p.seat == seat)

    def freeze(self) -> None:
        with self.app.app_context():
            approve(self.cid)
        response = self.organizer_post(f"/organize/campaigns/{self.cid}/freeze")
        assert response.status_code == 302
        assert self.fresh().manifest is not None, self.organizer_page()
        for person in self.people:
            person.runs += 1

    # --- the tool's steps ---

    def download(self, person: Person, name: str) -> Path:
        """``ceremony`` or ``board``, from the trustee page, into the person's current run folder."""
        response = person.client.get(f"/trustee/campaigns/{self.cid}/{name}.json")
        assert response.status_code == 200, name
        target = person.run_folder() / f"{name}.json"
        target.write_bytes(response.data)
        return target

    def make_deal(self, person: Person) -> Path:
        package = self.download(person, "ceremony")
        out = person.run_folder() / "deal.json"
        assert tool("deal", "--key", person.key, "--package", package, "--out", out) == 0
        return out

    def post_deal(self, person: Person, data: bytes | None = None):
        data = data if data is not None else self.make_deal(person).read_bytes()
        return upload(person.client, f"/trustee/campaigns/{self.cid}/deal", data)

    def finish(self, person: Person) -> tuple[int, Path]:
        """``pledge-trustee finish`` on the served board: its exit code and the result file."""
        folder = person.run_folder()
        package = folder / "ceremony.json" if (folder / "ceremony.json").exists() else self.download(person, "ceremony")
        board = self.download(person, "board")
        out = folder / "result.json"
        for stale in (out, folder / "share.json"):
            stale.unlink(missing_ok=True)
        code = tool("finish", "--key", person.key, "--package", package, "--board", board,
                    "--share-out", folder / "share.json", "--out", out, "--kdf", "interactive")
        return code, out

    def post_result(self, person: Person, data: bytes):
        return upload(person.client, f"/trustee/campaigns/{self.cid}/result", data)

    def answer(self, person: Person) -> Path:
        """``pledge-trustee answer`` on the served ceremony package and board."""
        package, board = self.download(person, "ceremony"), self.download(person, "board")
        out = person.run_folder() / "answer.json"
        out.unlink(missing_ok=True)
        assert tool("answer", "--ceremony", package, "--board", board, "--key", person.key, "--out", out) == 0
        return out

    def post_answer(self, person: Person, data: bytes):
        return upload(person.client, f"/trustee/campaigns/{self.cid}/answer", data)

    def run_everyone(self) -> None:
        """Every seated trustee deals, then finishes and signs: the honest ceremony."""
        for person in self.people:
            assert self.post_deal(person).status_code == 302
        for person in self.people:
            code, result = self.finish(person)
            assert code == 0
            assert self.post_result(person, result.read_bytes()).status_code == 302

    # --- crafting what a dishonest trustee would upload ---

    def false_complaint(self, person: Person, accused: int, reason: str) -> bytes:
        """A complaint signed by ``person`` against an honest deal."""
        ctx = self.fresh().ctx
        seed = person.secrets().signing_seed
        signature = messages.sign(seed, messages.complaint_message(ctx, person.seat, accused, reason))
        return canonical_json({"v": 2, "kind": "complaint", "ctx": ctx.hex(), "index": person.seat,
                               "complaints": [{"accused": accused, "reason": reason, "signature": signature.hex()}]})

    def deal_with_bad_share(self, dealer: Person, victim: Person) -> bytes:
        """``dealer``'s real deal with the share for ``victim`` replaced by a wrong value (still
        boxed to the victim with the right context), and the deal digest signed again: it passes
        every public check, and only the victim can tell."""
        document = json.loads(self.make_deal(dealer).read_bytes())
        ctx = bytes.fromhex(document["ctx"])
        deal = dkg.deal_from_dict(document["deal"])
        secrets = dealer.secrets()
        victim_key = dkg.public_keys(victim.secrets().signing_seed, victim.secrets().x25519_secret).x25519
        wrong = dkg.evaluate([bytes([7]) + bytes(31)], 1)  # the scalar 7: not f_i(j) but for a 1-in-L chance
        shares = dict(deal.encrypted_shares)
        shares[victim.seat] = dkg.encrypt_share(ctx, dealer.seat, victim.seat, wrong, secrets.x25519_secret,
                                                victim_key, bytes(24))
        digest = dkg.deal_digest(ctx, deal.commitments, deal.pop_r, deal.pop_z, shares)
        document["deal"]["encrypted_shares"][str(victim.seat)] = shares[victim.seat].hex()
        document["deal"]["signature"] = SigningKey(secrets.signing_seed).sign(digest).signature.hex()
        return canonical_json(document)
