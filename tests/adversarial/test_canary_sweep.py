"""Canary sweep: a signer's identifying details go nowhere the server keeps anything (issue 8;
docs/threat-model.md: "no plaintext stored", "no PII logs").

One signer goes through the whole lifecycle over real HTTP, with unique canaries: the work
address typed at verification; name, role and statement in the sealed payload; and, on every
request, a unique ``User-Agent`` and unique forwarded addresses (``X-Forwarded-For``,
``X-Real-IP``). The server runs as deployed behind a proxy: ``ProxyFix`` in front (so the
forwarded address becomes ``request.remote_addr``, the one the rate limits read) and the request
log of ``flask dev serve``. The signer verifies (code by email, tokens by blind issuance), seals
and signs, checks the receipt; a batch is published and freezes a reveal round.

Before the reveal: the ``-wal`` file as it is before any checkpoint, then the database file after
one, every other file under the instance folder, and every log record (all loggers, except the
SMTP sink's ``mail.log``: the relay has to see the recipient) hold no canary, in UTF-8, UTF-16,
hex, base64 (any alignment) or URL encoding, in any letter case. The sink itself must hold the
code email (the positive control that the address went where it must). After two of three
trustees post partial decryptions the round opens: then the name, role and statement are in the
database (a positive control that the search finds what is there), and still nothing else is.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from nacl.signing import SigningKey
from sqlalchemy import select, text
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from crypto import blindrsa, reveal, seal
from crypto.formats import roundfile
from crypto.formats.files import parse_document
from crypto.hashing import H, canonical_json
from crypto.opening import new_opening
from pledge.cli.dev import _NoAddressRequestHandler
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import Campaign, CampaignState, Entry, RevealRound, Trustee, utcnow
from pledge.services import reveal as reveal_rounds
from tests import dbkit
from tests.kit.ticks import tick_at
from tests.mailsink import MailSink
from tests.signer.sign_kit import launch_campaign
from tests.signing_kit import Signer

LAB = "anthropic"


# --- encodings of a canary ----------------------------------------------------------------------


def base64_cores(raw: bytes) -> list[bytes]:
    """The part of ``base64(prefix || raw || suffix)`` fixed by ``raw`` alone, for each of the
    three alignments of ``raw`` inside a longer string (standard and URL-safe alphabets)."""
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + raw)
        first = -(-shift // 3)  # the first 3-byte group that lies wholly inside raw
        last = (shift + len(raw)) // 3  # one past the last such group
        core = encoded[4 * first:4 * last]
        cores += [core, core.replace(b"+", b"-").replace(b"/", b"_")]
    return cores


def encodings(value: str | bytes) -> dict[str, bytes]:
    """How a canary could sit in a file or a log. Text forms are compared in lower case."""
    if isinstance(value, bytes):
        return {"binary": value}
    raw = value.encode("utf-8")
    forms = {
        "utf-8": raw.lower(),
        "utf-16-le": value.lower().encode("utf-16-le"),
        "utf-16-be": value.lower().encode("utf-16-be"),
        "hex": raw.hex().encode(),
        "url": urllib.parse.quote(value.lower(), safe="").encode(),
    }
    for n, core in enumerate(base64_cores(raw)):
        forms[f"base64 #{n}"] = core
    return forms


def hits(haystack: bytes, canaries: dict[str, str | bytes]) -> list[str]:
    """Which canaries (in which encoding) occur in ``haystack``."""
    lowered = haystack.lower()
    found = []
    for name, value in canaries.items():
        for form, needle in encodings(value).items():
            exact = form.startswith("base64") or form == "binary"
            if needle in (haystack if exact else lowered):
                found.append(f"{name} ({form})")
    return found


def test_the_encodings_are_found_wherever_they_sit():
    canary = "CnryX" + secrets.token_hex(8)
    raw = canary.encode()
    for prefix in (b"", b"a", b"ab", b"abc"):
        blob = prefix + raw + b"tail"
        assert hits(base64.b64encode(blob), {"c": canary}), prefix
        assert hits(base64.urlsafe_b64encode(blob), {"c": canary}), prefix
    assert hits(b"x" + canary.upper().encode("utf-16-le") + b"y", {"c": canary})
    assert hits(json.dumps({"k": raw.hex()}).encode(), {"c": canary})
    assert hits(b"GET /x?e=" + urllib.parse.quote(canary + "@lab.example", safe="").encode(), {"c": canary + "@lab.example"})
    assert not hits(secrets.token_bytes(100_000), {"c": canary})


# --- the server, as deployed --------------------------------------------------------------------


@contextmanager
def proxied_server(app):
    """The app behind ``ProxyFix`` (one proxy hop), with the ``dev serve`` request log."""
    server = make_server("127.0.0.1", 0, ProxyFix(app, x_for=1, x_proto=1, x_host=1),
                         threaded=True, request_handler=_NoAddressRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class Browser:
    """The signer's client: every request carries a fresh user agent and forwarded addresses,
    each recorded as a canary."""

    def __init__(self, base: str, run: str) -> None:
        self.base, self.run = base, run
        self.canaries: dict[str, str | bytes] = {}
        self.cookies: list[str] = []
        self.requests = 0

    def _headers(self) -> dict[str, str]:
        self.requests += 1
        n = self.requests
        agent = f"CnryAgent{self.run}n{n}/1.0 (X11; Linux x86_64)"
        v4_forwarded = str(ipaddress.IPv4Address(int.from_bytes(b"\x64" + secrets.token_bytes(3), "big")))
        v4_real = str(ipaddress.IPv4Address(int.from_bytes(b"\x65" + secrets.token_bytes(3), "big")))
        v6 = ipaddress.IPv6Address(b"\x20\x01\x0d\xb8" + secrets.token_bytes(12))
        network = ipaddress.IPv6Network((v6, 64), strict=False)
        self.canaries.update({
            f"user agent {n}": agent,
            f"X-Forwarded-For IPv4 {n}": v4_forwarded,
            f"X-Real-IP {n}": v4_real,
            f"X-Forwarded-For IPv6 {n}": v6.compressed,
            f"X-Forwarded-For IPv6 {n} (exploded)": v6.exploded,
            f"X-Forwarded-For IPv6 {n} (packed)": v6.packed,
        })
        # The rate limits key on the client's /64; its text and its bytes must not show either.
        self.canaries[f"client network {n}"] = str(network)
        self.canaries[f"client network {n} (packed prefix)"] = network.network_address.packed[:8]
        return {"User-Agent": agent, "X-Forwarded-For": f"{v4_forwarded}, {v6.compressed}", "X-Real-IP": v4_real}

    def call(self, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = self._headers()
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, headers=headers,
                                         method="GET" if body is None else "POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                self.cookies += response.headers.get_all("Set-Cookie") or []
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            self.cookies += error.headers.get_all("Set-Cookie") or []
            return error.code, error.read()

    def json(self, path: str, body: dict | None = None, expect: int = 200) -> dict:
        status, content = self.call(path, body)
        assert status == expect, (path, status, content[:300])
        return json.loads(content)


# --- helpers ------------------------------------------------------------------------------------


def checkpoint() -> None:
    """Fold SQLite's -wal into the file (PostgreSQL: dbkit.stored_bytes checkpoints itself)."""
    db.session.remove()
    if dbkit.BACKEND == "sqlite":
        with db.engine.connect() as connection:
            busy = connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).fetchone()[0]
        assert busy == 0
    db.engine.dispose()


def log_text(records) -> bytes:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    ours = [record for record in records if not record.name.startswith("mail.log")]
    return "\n".join(formatter.format(record) for record in ours).encode("utf-8", "backslashreplace")


def partials_file(campaign, person, seat, number: int) -> bytes:
    """A trustee's partial decryptions of round ``number``, made on 'their machine'."""
    package = roundfile.parse_round(parse_document(reveal_rounds.round_package(db.session, campaign, number), "round", {"round"}))
    records = []
    for item in package.leaves:
        if item.ciphertext is None:
            continue
        nullifier = bytes.fromhex(json.loads(item.leaf)["nullifier"])
        partial = reveal.partial_decrypt(seat.seat, person.share, seat.verification_key, item.ciphertext[:32],
                                         campaign.ctx + nullifier)
        records.append(roundfile.PartialRecord(item.index, nullifier, partial))
    return canonical_json(roundfile.partials_doc(roundfile.PartialsFile(
        campaign.ctx, seat.seat, package.head.size, package.head.timestamp, package.head.root, records, [])))


# --- the sweep ----------------------------------------------------------------------------------


def test_canaries_reach_no_file_and_no_log_until_the_reveal(app, make_campaign, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    launched = launch_campaign(app, make_campaign, min_total=3, min_per_lab=0, min_labs=0, suppress_below=1, practice=True,
                               lab_slugs=(LAB, "openai"))
    campaign = launched.campaign
    slug, campaign_id, campaign_pk = campaign.slug, campaign.public_id, campaign.id
    seat_ids = [seat.id for seat in launched.seats]
    sink = MailSink(tmp_path / "sink")
    app.config["MAIL_PORT"] = sink.port
    run = secrets.token_hex(6)
    local = f"cnryaddr{run}"
    typed = f"  CnryAddr{run}+Pledge@Anthropic.COM "
    address = f"{local}@anthropic.com"
    secrets_of_signer = {
        "name": f"Cnryname{run} Lovelace",
        "role": f"Cnryrole{run} scientist",
        "statement": f"Cnrystatement{run}: evaluations before deployment.",
    }
    identity = {"address (local part)": local, "address": address, "address as typed": typed.strip()}
    instance = Path(app.instance_path)

    try:
        with proxied_server(app) as base:
            browser = Browser(base, run)
            assert browser.call("/verify")[0] == 200
            started = browser.json("/api/verify/start", {"email": typed})
            assert started["status"] == "sent"
            handle = started["handle"]
            message = sink.wait_for(address, "verification code")
            code = re.search(r"\b(\d{8})\b", message.body).group(1)
            wrong = "00000000" if code != "00000000" else "11111111"
            browser.json("/api/verify/check", {"email": typed, "code": wrong, "handle": handle}, expect=400)
            ticket = browser.json("/api/verify/check", {"email": typed, "code": code, "handle": handle})
            assert [c["id"] for c in ticket["campaigns"]] == [campaign_id]

            manifest = browser.json(f"/api/campaigns/{slug}/manifest")
            assert H("manifest", canonical_json(manifest["manifest"]), n=32).hex() == manifest["ctx"]
            key_der = next(lab["token_public_key"] for lab in manifest["manifest"]["labs"] if lab["slug"] == LAB)
            public = blindrsa.load_public_key(bytes.fromhex(key_der))
            prepared = blindrsa.prepare(blindrsa.token_message(campaign_id.encode("ascii"), LAB))
            blinded, inv = blindrsa.blind(public, prepared)
            issued = browser.json("/api/verify/issue", {"ticket": ticket["ticket"],
                                                         "requests": [{"campaign": campaign_id, "blinded": blinded.hex()}]})
            signature = blindrsa.finalize(public, prepared, bytes.fromhex(issued["signatures"][0]["blind_signature"]), inv)

            assert browser.call(f"/campaigns/{slug}/sign")[0] == 200
            board = browser.json(f"/api/campaigns/{slug}/board")
            group_key, ctx = bytes.fromhex(board["Y"]), bytes.fromhex(board["ctx"])
            nullifier = blindrsa.nullifier(prepared)
            payload = seal.encode_payload(secrets_of_signer["name"], secrets_of_signer["role"],
                                          secrets_of_signer["statement"], "name")
            opening = new_opening(LAB, prepared, signature)
            body = {"opening": {"nonce": opening.nonce.hex(), "prepared_message": prepared.hex(), "slug": LAB,
                                "token_signature": signature.hex()},
                    "ciphertext": seal.seal(group_key, ctx + nullifier, payload).hex(),
                    "withdrawal_key": bytes(SigningKey.generate().verify_key).hex()}
            receipt = browser.json(f"/api/campaigns/{slug}/entries", body, expect=201)["receipt"]
            assert browser.json(f"/api/campaigns/{slug}/receipts/{receipt['leaf_hash']}")["status"] == "pending"
            # Two colleagues sign too, so that the threshold is met.
            for lab in ("openai", "openai"):
                other = Signer(campaign, lab, app.config["TOKEN_KEY_SECRET"])
                browser.json(f"/api/campaigns/{slug}/entries", other.body(), expect=201)

            report = tick_at(app, utcnow() + timedelta(hours=1))
            assert any("reveal round 1 frozen" in action for action in report.actions), report.actions
            assert browser.json(f"/api/campaigns/{slug}/receipts/{receipt['leaf_hash']}")["status"] == "published"
            assert browser.call(f"/campaigns/{slug}")[0] == 200
    finally:
        sink.stop()

    canaries = {**identity, **browser.canaries}
    sealed = dict(secrets_of_signer)
    assert browser.requests >= 14 and len(browser.canaries) == 8 * browser.requests
    assert browser.cookies == [], "a signer got a cookie"

    # -- before the reveal -----------------------------------------------------------------------
    if dbkit.BACKEND == "sqlite":
        wal_file = instance / "pledge.sqlite3-wal"
        assert wal_file.exists() and wal_file.stat().st_size, "no -wal file: it could not be searched before a checkpoint"
    # SQLite: the file and its -wal before any checkpoint. PostgreSQL: the database's files, the
    # cluster's write-ahead log and the database server's own log.
    wal = dbkit.stored_bytes(app)
    assert not hits(wal, {**canaries, **sealed}), "canaries in the write-ahead log"
    checkpoint()
    stored = dbkit.stored_bytes(app, wal=False)
    assert not hits(stored, {**canaries, **sealed}), "canaries in the database file"
    others = [p for p in instance.rglob("*") if p.is_file() and not p.name.startswith("pledge.sqlite3")]
    for path in others:
        assert not hits(path.read_bytes(), {**canaries, **sealed}), f"canaries in {path}"
    logs = log_text(caplog.records)
    assert b"werkzeug" in logs and f"/api/campaigns/{slug}/entries".encode() in logs, "no request log to search"
    assert not hits(logs, {**canaries, **sealed}), "canaries in the logs"
    # Positive controls: the search reads the right places.
    assert nullifier in stored and campaign_id.encode() in stored
    mailbox = b"".join(path.read_bytes() for path in sorted((tmp_path / "sink").glob("*.eml")))
    assert "address" in " ".join(hits(mailbox, identity)) and code.encode() in mailbox
    assert [m.to for m in sink.messages()].count(address) == 1

    # -- the reveal: two of three trustees ------------------------------------------------------
    db.session.rollback()
    campaign = db.session.get(Campaign, campaign_pk)
    for person, seat_id in list(zip(launched.people, seat_ids))[:2]:
        seat = db.session.get(Trustee, seat_id)
        with write_intent():
            reveal_rounds.submit_partials(db.session, campaign, seat, 1, partials_file(campaign, person, seat, 1), utcnow())
            db.session.commit()
    db.session.rollback()
    assert db.session.get(RevealRound, (campaign.id, 1)).revealed_at is not None
    assert campaign.state == CampaignState.REVEALED
    revealed = db.session.scalar(select(Entry.revealed_payload).where(Entry.nullifier == nullifier))
    assert json.loads(revealed)["name"] == secrets_of_signer["name"]

    checkpoint()
    after = dbkit.stored_bytes(app, wal=False)
    for name in sealed:
        assert hits(after, {name: sealed[name]}), f"the revealed {name} is not found in the database: the search is blind"
    assert not hits(after, canaries), "canaries in the database after the reveal"
    assert not hits(log_text(caplog.records), canaries), "canaries in the logs after the reveal"
