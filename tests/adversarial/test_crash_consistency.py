"""Crash consistency: ``kill -9`` every server process during 8-way concurrent signing, restart,
finish, publish; the database is intact and the public count equals the entries.

Two real server processes (werkzeug, threaded; the app in production mode) share one SQLite file.
Eight submitter threads post real signatures (tokens blind-signed under the campaign's keys,
payloads sealed to its group key) round-robin to both. While requests are in flight, both
processes are killed with SIGKILL, several times, and restarted. A submission that got no answer
may or may not have landed: the submitter sends the very same body again, which is answered with
the same receipt (201) and never creates a second entry. Afterwards such a signer can
confirm the landing through the receipt endpoint, and a freshly sealed body for the same token is
refused as ``token_used``. Some submitters also drop their connection on purpose before reading
the answer, so the "landed but unanswered" case happens on every run, not only when a kill falls
between a commit and its response.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select as sql_select

from crypto import log_leaves, merkle
from crypto.opening import parse_opening
from pledge.config import SECRET_NAMES
from pledge.extensions import db
from pledge.models import Campaign, Entry, LogLeaf, SpentToken
from tests import dbkit, signing_kit
from tests.kit.config import make_config
from tests.kit.ticks import publish_due
from tests.signing_kit import Signer, log_count

ROOT = Path(__file__).resolve().parents[2]
LABS = ("anthropic", "openai", "meta")
WORKERS = 8
PER_WORKER = 40  # 320 signers (plus the retries and replays the crashes cause)
PROCESSES = 2
CRASHES = 3
DROP_EVERY = 9  # every 9th submission of a worker hangs up before reading its answer

# One server process: the real app factory, the configuration from a JSON file, a threaded
# werkzeug server on a free port, which it prints once it listens.
SERVER = r"""
import json, sys
from werkzeug.serving import make_server
from pledge import create_app

with open(sys.argv[1], encoding="utf-8") as handle:
    config = json.load(handle)
app = create_app(config)
server = make_server("127.0.0.1", 0, app, threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""

NO_ANSWER = (OSError, http.client.HTTPException)  # refused, reset, closed mid-response, timeout


class Servers:
    """The server processes, killed and restarted on demand; ``urls`` is read by the submitters."""

    def __init__(self, config_path: Path, log_dir: Path) -> None:
        self.config_path = config_path
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []
        self.urls: list[str] = ["http://127.0.0.1:9"] * PROCESSES  # the discard port until started
        self.generation = 0

    def start_all(self) -> None:
        """Start every process at once and wait until each listens."""
        self.generation += 1
        procs = []
        for slot in range(PROCESSES):
            with (self.log_dir / f"server-{slot}-{self.generation}.log").open("wb") as log:
                procs.append(subprocess.Popen(
                    [sys.executable, "-c", SERVER, str(self.config_path)], cwd=ROOT, stdout=subprocess.PIPE,
                    stderr=log, env={**os.environ, "PYTHONPATH": str(ROOT)}))
        self.procs.extend(procs)
        for slot, proc in enumerate(procs):
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            line = proc.stdout.readline().strip() if ready else b""
            assert line.isdigit(), f"server {slot} did not start ({line!r}); see {self.log_dir}"
            self.urls[slot] = f"http://127.0.0.1:{int(line)}"

    def live(self) -> list[subprocess.Popen]:
        return [proc for proc in self.procs if proc.poll() is None]

    def kill_all(self) -> None:
        """SIGKILL: no shutdown handler, no rollback, no checkpoint."""
        for proc in self.live():
            os.kill(proc.pid, signal.SIGKILL)
        self.reap()

    def stop_all(self) -> None:
        for proc in self.live():
            proc.terminate()
        self.reap()

    def reap(self) -> None:
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            proc.stdout.close()
        self.procs = []


def post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def post_and_hang_up(url: str, body: dict) -> None:
    """Send a complete submission, then close the connection without reading the answer."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        connection.request("POST", parts.path, body=json.dumps(body).encode(),
                           headers={"Content-Type": "application/json"})
    finally:
        connection.close()


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def expected_leaf_hash(signer: Signer, body: dict) -> bytes:
    """The receipt a client computes for its own submission (docs/signing-api.md)."""
    opening = parse_opening(body["opening"])
    leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(
        lab_commitment=opening.commitment, nullifier=signer.nullifier,
        ciphertext_sha256=hashlib.sha256(bytes.fromhex(body["ciphertext"])).digest(),
        withdrawal_key=bytes.fromhex(body["withdrawal_key"])))
    return merkle.leaf_hash(leaf)


@dataclass
class Outcome:
    signer: Signer
    body: dict
    lost: int  # attempts before the answer that got none
    status: int
    answer: dict


@dataclass
class Tally:
    """What the submitters saw, under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    in_flight: int = 0
    no_answer: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    server_errors: list[tuple[int, dict]] = field(default_factory=list)


def submit_until_answered(servers: Servers, tally: Tally, signer: Signer, slug: str, turn: int, drop: bool) -> None:
    body = signer.body()  # one sealed body, resent verbatim after a lost answer
    lost = 0
    if drop:
        with contextlib.suppress(NO_ANSWER):
            post_and_hang_up(f"{servers.urls[turn % PROCESSES]}/api/campaigns/{slug}/entries", body)
        lost = 1
        time.sleep(0.1)  # the server usually stores it meanwhile (unless a kill comes first)
    deadline = time.monotonic() + 45
    while True:
        assert time.monotonic() < deadline, "a submission never got an answer"
        url = f"{servers.urls[(turn + lost) % PROCESSES]}/api/campaigns/{slug}/entries"
        with tally.lock:
            tally.in_flight += 1
        try:
            status, answer = post(url, body)
        except NO_ANSWER:
            with tally.lock:
                tally.no_answer += 1
            lost += 1
            time.sleep(0.02)
            continue
        finally:
            with tally.lock:
                tally.in_flight -= 1
        if status >= 500:
            with tally.lock:
                tally.server_errors.append((status, answer))
            lost += 1
            continue
        break
    with tally.lock:
        tally.outcomes.append(Outcome(signer, body, lost, status, answer))


def cache_token_keys(monkeypatch) -> None:
    """Open each lab's sealed token key once (loading an RSA key costs ~50 ms): the tokens are
    still blind-signed with the campaign's real keys."""
    opened: dict[tuple[int, str], object] = {}
    unsealed = signing_kit.token_private_key

    def cached(campaign, link, secret):
        key = (campaign.id, link.lab.slug)
        if key not in opened:
            opened[key] = unsealed(campaign, link, secret)
        return opened[key]

    monkeypatch.setattr(signing_kit, "token_private_key", cached)


def test_kill_9_during_concurrent_signing_leaves_a_consistent_database(app, make_open_campaign, tmp_path, monkeypatch):
    campaign = make_open_campaign(title="Crash", lab_slugs=LABS, suppress_below=1, practice=True, min_total=10_000,
                                  min_per_lab=0, min_labs=0)
    secret = app.config["TOKEN_KEY_SECRET"]
    slug, campaign_id = campaign.slug, campaign.id
    cache_token_keys(monkeypatch)
    plans = [[Signer(campaign, LABS[(w + i) % 3], secret) for i in range(PER_WORKER)] for w in range(WORKERS)]
    total = WORKERS * PER_WORKER
    db.session.commit()
    db.session.remove()  # the test process holds no transaction while the servers run

    # The servers get this test's database and secrets, in production mode (errors answer 500).
    instance = Path(app.config["INSTANCE_PATH"])
    config = make_config(instance, PLEDGE_ENV="production", **{name: app.config[name].hex() for name in SECRET_NAMES})
    config_path = tmp_path / "server-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")
    config_path.chmod(0o600)
    log_dir = tmp_path / "server-logs"
    log_dir.mkdir()

    servers = Servers(config_path, log_dir)
    tally = Tally()
    failures: list[BaseException] = []

    def worker(w: int, signers: list[Signer]) -> None:
        try:
            for n, signer in enumerate(signers):
                submit_until_answered(servers, tally, signer, slug, w + n, drop=n % DROP_EVERY == DROP_EVERY - 1)
        except BaseException as error:  # noqa: BLE001  (collected and re-raised by the test thread)
            failures.append(error)

    kills: list[tuple[int, int]] = []
    try:
        servers.start_all()
        threads = [threading.Thread(target=worker, args=(w, plan), daemon=True) for w, plan in enumerate(plans)]
        for thread in threads:
            thread.start()
        for crash in range(1, CRASHES + 1):
            # Let signing run for about a second (less if it races ahead), then kill both
            # processes at a moment when requests are in flight.
            stop_at = time.monotonic() + 1.0
            while time.monotonic() < stop_at and len(tally.outcomes) < total * crash // (CRASHES + 2):
                time.sleep(0.005)
            while True:
                with tally.lock:
                    if tally.in_flight:
                        kills.append((len(tally.outcomes), tally.in_flight))
                        servers.kill_all()
                        break
                time.sleep(0.001)
            time.sleep(0.1)  # submitters meet refused connections meanwhile
            servers.start_all()

        for thread in threads:
            thread.join(timeout=60)
        assert not any(thread.is_alive() for thread in threads), "submitters did not finish"
        if failures:
            raise failures[0]

        # The kills fell mid-flight, with submissions still to come.
        assert len(kills) == CRASHES
        assert all(0 < done < total and in_flight > 0 for done, in_flight in kills), kills
        assert tally.no_answer > 0, "no request was cut off by the kills"
        assert not tally.server_errors, f"5xx answers: {tally.server_errors[:3]}; see {log_dir}"
        assert len(tally.outcomes) == total

        receipts: dict[bytes, bytes] = {}  # nullifier -> the leaf hash the signer holds
        for outcome in tally.outcomes:
            expected = expected_leaf_hash(outcome.signer, outcome.body)
            if outcome.lost == 0:
                # An answered first try lands, with the receipt the client computes.
                assert outcome.status == 201, (outcome.status, outcome.answer)
                assert outcome.answer["receipt"]["leaf_hash"] == expected.hex()
            else:
                # Whether or not the unanswered try had landed, the very same body is answered
                # with the same receipt, and (checked below) stored exactly once.
                assert outcome.status == 201, (outcome.status, outcome.answer)
                assert outcome.answer["receipt"]["leaf_hash"] == expected.hex()
            receipts[outcome.signer.nullifier] = expected
        ambiguous = [o for o in tally.outcomes if o.lost]
        assert ambiguous, "no submission lost its answer"
        for outcome in ambiguous:
            # The signer who never got an answer can confirm the landing from its own receipt...
            leaf = receipts[outcome.signer.nullifier].hex()
            status, answer = get_json(f"{servers.urls[0]}/api/campaigns/{slug}/receipts/{leaf}")
            assert (status, answer) == (200, {"status": "pending"})
            # ... and the token cannot be spent a second time, on any process, with a new seal.
            for url in servers.urls:
                status, answer = post(f"{url}/api/campaigns/{slug}/entries", outcome.signer.body())
                assert (status, answer.get("error")) == (409, "token_used"), answer

        # Publish everything, then ask each (restarted) server process for the public count.
        published = publish_due(app, hours=1)
        assert [p.entries for p in published] == [total]
        public = {get_json(f"{url}/api/campaigns/{slug}")[1]["total"] for url in servers.urls}
    finally:
        servers.stop_all()

    db.session.rollback()
    entries = db.session.execute(sql_select(Entry.nullifier, Entry.leaf_hash).where(Entry.campaign_id == campaign_id)).all()
    spent = list(db.session.scalars(sql_select(SpentToken.nullifier).where(SpentToken.campaign_id == campaign_id)))
    logged = [log_leaves.parse_leaf(leaf) for leaf in db.session.scalars(
        sql_select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign_id))]
    logged_nullifiers = [leaf.nullifier for leaf in logged if isinstance(leaf, log_leaves.EntryLeaf)]
    recomputed = log_count(db.session.get(Campaign, campaign_id))
    db.session.remove()
    db.engine.dispose()

    if dbkit.BACKEND == "sqlite":
        # The killed processes wrote to the file themselves: it must still be whole. (PostgreSQL's
        # server process was not killed, and enforces foreign keys on every statement.)
        database = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
        connection = sqlite3.connect(database)
        try:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        finally:
            connection.close()

    # Each signer landed exactly once, with the receipt it holds: no acknowledged write lost,
    # no second entry for a resent submission.
    entry_nullifiers = [nullifier for nullifier, _ in entries]
    assert len(entry_nullifiers) == len(set(entry_nullifiers)) == total
    assert dict(entries) == receipts
    # No spent token without its entry, no entry without its spent token.
    assert len(spent) == len(set(spent)) == total and set(spent) == set(entry_nullifiers)
    # The public count (from every process) = distinct entries of the log = rows in the table.
    assert len(logged_nullifiers) == len(set(logged_nullifiers)) == total
    assert public == {total} and recomputed == total
