"""The witness tests' kit: the real site on loopback, trustees' key files, signers, the
``pledge-witness`` tool run in-process, and what a dishonest server does to its own database
(rewrite a published batch, append a batch it should not) with its own log key."""

from __future__ import annotations

import hashlib
import json
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from crypto import merkle
from crypto.formats import keys
from crypto.formats.jsonfile import write_document
from crypto.log_leaves import EntryLeaf, encode_leaf
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import LogLeaf, TreeHead
from pledge.services.keys import log_signing_key
from pledge_tools.witness import cli
from tests.signing_kit import Signer

PASSPHRASE = "witness passphrase for tests"
JSON = {"Content-Type": "application/json"}


@dataclass
class Run:
    """One run of ``pledge-witness``: its exit code and what it printed."""

    code: int
    out: str
    err: str


def key_file(folder: Path, person) -> Path:
    """A trustee's real key file (the fake trustee's secrets, locked with :data:`PASSPHRASE`)."""
    path = folder / f"{person.email}.key"
    doc = keys.key_doc(person.name, keys.TrusteeSecrets(person.seed, person.x_secret),
                       keys.passphrase_bytes(PASSPHRASE), "interactive")
    write_document(path, doc, secret=True)
    return path


def witness(capsys, monkeypatch, url: str, slug: str, key: Path, state: Path, *extra: object, now: int) -> Run:
    """``pledge-witness check`` against the live site, with the witness's clock at ``now``."""
    monkeypatch.setattr(cli, "clock", lambda: now)
    capsys.readouterr()
    code = cli.main(["check", "--server", url, "--campaign", slug, "--key", str(key), "--state", str(state),
                     *[str(item) for item in extra]])
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def sign(app, client, campaign, count: int) -> None:
    """``count`` signers submit real sealed signatures through the API."""
    for _ in range(count):
        signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"])
        response = client.post(f"/api/campaigns/{campaign.slug}/entries", data=json.dumps(signer.body()), headers=JSON)
        assert response.status_code == 201, response.get_data(as_text=True)


@dataclass(frozen=True)
class Head:
    """A copy of a head row as it was read (later rewrites of the row do not change it)."""

    batch: int
    size: int
    timestamp: int
    root: bytes


def latest(campaign) -> Head:
    """The campaign's newest head, as the database holds it now."""
    db.session.rollback()  # no read snapshot older than the live server's writes
    row = db.session.scalar(select(TreeHead).where(TreeHead.campaign_id == campaign.id)
                            .order_by(TreeHead.batch.desc()).limit(1))
    return Head(row.batch, row.size, row.timestamp, bytes(row.root))


def _resign(app, campaign, head: TreeHead) -> None:
    hashes = list(db.session.scalars(select(LogLeaf.leaf_hash).where(LogLeaf.campaign_id == campaign.id)
                                     .order_by(LogLeaf.leaf_index)))
    head.root = merkle.MerkleTree(hashes[:head.size]).root()
    seed = bytes(log_signing_key(campaign, app.config["LOG_KEY_SECRET"]))
    head.signature = merkle.sign_tree_head(seed, campaign.public_id.encode("ascii"), head.size, head.timestamp, head.root)


def rewrite_latest_batch(app, campaign) -> bytes:
    """What a server showing another history does: swap the last two leaves of its newest batch
    and sign that head again (same size, same time, another root). Returns the new root."""
    db.session.rollback()
    with write_intent():
        head = db.session.scalar(select(TreeHead).where(TreeHead.campaign_id == campaign.id)
                                 .order_by(TreeHead.batch.desc()).limit(1))
        a, b = db.session.scalars(select(LogLeaf).where(LogLeaf.campaign_id == campaign.id, LogLeaf.batch == head.batch)
                                  .order_by(LogLeaf.leaf_index.desc()).limit(2)).all()
        (leaf_a, hash_a), (leaf_b, hash_b) = (a.leaf, a.leaf_hash), (b.leaf, b.leaf_hash)
        a.leaf_hash = secrets.token_bytes(32)  # the hashes are unique per campaign: move one aside first
        db.session.flush()
        b.leaf, b.leaf_hash = leaf_a, hash_a
        db.session.flush()
        a.leaf, a.leaf_hash = leaf_b, hash_b
        db.session.flush()
        _resign(app, campaign, head)
        root = head.root
        db.session.commit()
    return root


def entry_leaf(app, campaign) -> bytes:
    """A genuine entry leaf for a new signer (what a server could append on its own)."""
    signer = Signer(campaign, "anthropic", app.config["TOKEN_KEY_SECRET"])
    return encode_leaf(EntryLeaf(signer.opening.commitment, signer.nullifier,
                                 hashlib.sha256(signer.ciphertext()).digest(), secrets.token_bytes(32)))


def append_batch(app, campaign, leaves: list[bytes], timestamp: int) -> Head:
    """Append a batch of ``leaves`` under a head signed with the campaign's log key at ``timestamp``."""
    db.session.rollback()
    with write_intent():
        last = db.session.scalar(select(TreeHead).where(TreeHead.campaign_id == campaign.id)
                                 .order_by(TreeHead.batch.desc()).limit(1))
        batch, size = (last.batch + 1, last.size) if last else (1, 0)
        for offset, leaf in enumerate(leaves):
            db.session.add(LogLeaf(campaign_id=campaign.id, leaf_index=size + offset, leaf=leaf,
                                   leaf_hash=merkle.leaf_hash(leaf), batch=batch))
        db.session.flush()
        head = TreeHead(campaign_id=campaign.id, batch=batch, size=size + len(leaves), timestamp=timestamp,
                        root=b"\0" * 32, signature=b"\0" * 64)
        _resign(app, campaign, head)
        db.session.add(head)
        db.session.commit()
    return latest(campaign)


def post_json(url: str, body: object) -> tuple[int, dict]:
    """POST JSON to the live site; the status and the JSON answer."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=JSON, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def get_text(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode()
