"""Prepare a benchmark instance: ``python -m bench.campaign_setup COMMAND`` with
``PLEDGE_INSTANCE_PATH`` set to a migrated instance (see :mod:`bench.server`).

- ``seed``: the labs and the demo campaign, launched through the real 2-of-3 ceremony of
  ``make run`` (real token keys, manifest, board and log key), with a cheap password cost (the
  benchmarks never log in). Its launch is moved two batch intervals back, so that the next
  ``tick`` publishes a batch. Prints the campaign as JSON.
- ``submissions --count N --out FILE``: N valid submissions, one JSON body per line, each with
  its own token and sealed exactly as ``pledge-sign sign`` seals (``pledge_tools.sign.sealing``).
- ``entries --count N``: N valid entries inserted straight into the database, pending, as if
  they had been submitted (their tokens spent).
- ``token``: one token as the browser keeps it (the token file's fields), plus the campaign's
  ``Y`` and ``ctx``.

Tokens: the browser blinds a token message and the server blind-signs it (RFC 9474); the result
is an ordinary RSASSA-PSS (SHA-384, 48-byte salt) signature over the prepared message under the
(campaign, lab) token key. The blind round trip costs ~12 ms of pure-Python big-number work per
token here, too slow for the tens of thousands the benchmarks use, so the first few tokens are
made by the real blind round trip and the rest are signed directly with the same private key
through OpenSSL. Every one is checked with :func:`crypto.blindrsa.verify`, the server's check.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from crypto import blindrsa, log_leaves, merkle
from crypto.formats.payload import Details
from crypto.formats.tokenfile import Token
from pledge_tools.sign.sealing import seal_signature

BLIND_ROUND_TRIPS = 3
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA384()), salt_length=blindrsa.SALT_LEN)
STATEMENT = ("I will not contribute to training or deploying a new frontier model at my lab unless it meets "
             "the conditions of this pledge. ") * 3


def _app():
    from pledge import create_app

    return create_app()


def _campaign(session, slug: str):
    from sqlalchemy import select

    from pledge.models import Campaign

    campaign = session.scalar(select(Campaign).where(Campaign.slug == slug))
    if campaign is None:
        raise SystemExit(f"no campaign {slug!r}: run the seed command first")
    return campaign


def seed() -> dict:
    """Seed the demo through its real ceremony; back-date the demo campaign's launch."""
    from flask import current_app

    from pledge.database import write_intent
    from pledge.extensions import db
    from pledge.models import utcnow
    from pledge.services.accounts import PasswordCost
    from pledge.services.demo import DEMO_SLUG, seed_demo

    app = _app()
    with app.app_context(), write_intent():
        config = current_app.config
        now = utcnow()
        seed_demo(db.session, PasswordCost(opslimit=1, memlimit=8192), now,
                  trustee_folder=Path(app.instance_path) / "demo-trustees",
                  token_key_secret=config["TOKEN_KEY_SECRET"], log_key_secret=config["LOG_KEY_SECRET"])
        campaign = _campaign(db.session, DEMO_SLUG)
        campaign.launched_at = now - timedelta(seconds=2 * campaign.batch_interval_seconds)
        db.session.commit()
        return {"slug": campaign.slug, "public_id": campaign.public_id,
                "labs": sorted(link.lab.slug for link in campaign.lab_links)}


def _token_keys(slug: str) -> dict:
    """Plain copies of what sealing and minting need, so worker processes need no app."""
    from flask import current_app

    from pledge.extensions import db
    from pledge.services.keys import token_private_key

    app = _app()
    with app.app_context():
        campaign = _campaign(db.session, slug)
        return {
            "public_id": campaign.public_id, "slug": campaign.slug, "title": campaign.title,
            "ctx": bytes(campaign.ctx), "Y": bytes(campaign.group_key),
            "labs": {
                link.lab.slug: (bytes(link.token_public_key),
                                blindrsa.private_key_to_der(token_private_key(campaign, link,
                                                                              current_app.config["TOKEN_KEY_SECRET"])))
                for link in campaign.lab_links
            },
        }


_LOADED: dict[bytes, tuple] = {}


def _loaded(public_der: bytes, private_der: bytes) -> tuple:
    """Parsed keys, once per process (loading an RSA private key checks it: milliseconds)."""
    if public_der not in _LOADED:
        _LOADED[public_der] = (blindrsa.load_public_key(public_der), blindrsa.load_private_key(private_der))
    return _LOADED[public_der]


def _mint(keys: dict, lab: str, blind: bool) -> Token:
    public_der, private_der = keys["labs"][lab]
    public, private = _loaded(public_der, private_der)
    prepared = blindrsa.prepare(blindrsa.token_message(keys["public_id"].encode("ascii"), lab))
    if blind:
        blinded, inv = blindrsa.blind(public, prepared)
        signature = blindrsa.finalize(public, prepared, blindrsa.blind_sign(private, blinded), inv)
    else:
        signature = private.sign(prepared, PSS, hashes.SHA384())
    blindrsa.verify(public, prepared, signature)
    return Token(campaign=keys["public_id"], slug=keys["slug"], title=keys["title"], lab=lab,
                 token_key=public_der, prepared=prepared, signature=signature)


def _make_batch(job: tuple[dict, int, int]) -> list[dict]:
    """``count`` submissions starting at ``start`` (labs round-robin), as pledge-sign makes them."""
    keys, start, count = job
    labs = sorted(keys["labs"])
    campaign = SimpleNamespace(public_id=keys["public_id"], slug=keys["slug"])
    sealing_key = SimpleNamespace(campaign=campaign, Y=keys["Y"], ctx=keys["ctx"])
    out = []
    for i in range(start, start + count):
        token = _mint(keys, labs[i % len(labs)], blind=i < BLIND_ROUND_TRIPS)
        details = Details(display="name" if i % 3 else "anonymous", name="" if i % 3 == 0 else f"Researcher {i}",
                          role="Member of technical staff", statement=STATEMENT)
        submission = seal_signature("http://127.0.0.1", sealing_key, token, blindrsa.nullifier(token.prepared), details)
        out.append({"body": submission.body, "lab": token.lab})
    return out


def make_submissions(slug: str, count: int) -> list[dict]:
    """``count`` distinct valid submissions, made on every core."""
    keys = _token_keys(slug)
    workers = max(1, min(4, multiprocessing.cpu_count()))
    size = -(-count // (workers * 4)) if count else 1
    jobs = [(keys, start, min(size, count - start)) for start in range(0, count, size)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        return [item for batch in pool.map(_make_batch, jobs) for item in batch]


def insert_entries(slug: str, count: int) -> dict:
    """Insert ``count`` valid pending entries (and spend their tokens) in one transaction."""
    from sqlalchemy import insert

    from pledge.database import write_intent
    from pledge.extensions import db
    from pledge.models import Entry, SpentToken

    made = make_submissions(slug, count)
    app = _app()
    with app.app_context(), write_intent():
        campaign = _campaign(db.session, slug)
        lab_ids = {link.lab.slug: link.lab_id for link in campaign.lab_links}
        entries, spent = [], []
        for item in made:
            body = item["body"]
            prepared, signature = bytes.fromhex(body["token"]["prepared"]), bytes.fromhex(body["token"]["signature"])
            ciphertext, withdrawal_key = bytes.fromhex(body["ciphertext"]), bytes.fromhex(body["withdrawal_key"])
            nullifier = blindrsa.nullifier(prepared)
            leaf = log_leaves.encode_leaf(log_leaves.EntryLeaf(
                lab=item["lab"], token_message=prepared, token_signature=signature, nullifier=nullifier,
                ciphertext_sha256=hashlib.sha256(ciphertext).digest(), withdrawal_key=withdrawal_key))
            entries.append(dict(campaign_id=campaign.id, entry_id=secrets.token_bytes(16), lab_id=lab_ids[item["lab"]],
                                nullifier=nullifier, r_point=ciphertext[:32], leaf=leaf,
                                leaf_hash=merkle.leaf_hash(leaf), withdrawal_key=withdrawal_key,
                                ciphertext=ciphertext))
            spent.append(dict(campaign_id=campaign.id, nullifier=nullifier))
        db.session.execute(insert(SpentToken), spent)
        db.session.execute(insert(Entry), entries)
        db.session.commit()
        return {"entries": len(made), "campaign_id": campaign.id}


def browser_token(slug: str) -> dict:
    """A token made by the real blind round trip, as a token file entry, with Y and ctx."""
    keys = _token_keys(slug)
    token = _mint(keys, sorted(keys["labs"])[0], blind=True)
    return {"token": token.entry(), "Y": keys["Y"].hex(), "ctx": keys["ctx"].hex()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.campaign_setup")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("seed")
    subs = sub.add_parser("submissions")
    subs.add_argument("--slug", required=True)
    subs.add_argument("--count", type=int, required=True)
    subs.add_argument("--out", type=Path, required=True)
    ents = sub.add_parser("entries")
    ents.add_argument("--slug", required=True)
    ents.add_argument("--count", type=int, required=True)
    sub.add_parser("token").add_argument("--slug", required=True)
    args = parser.parse_args(argv)
    if args.command == "seed":
        print(json.dumps(seed()))
    elif args.command == "submissions":
        with args.out.open("w", encoding="utf-8") as handle:
            for item in make_submissions(args.slug, args.count):
                handle.write(json.dumps(item["body"], separators=(",", ":")) + "\n")
        print(json.dumps({"submissions": args.count}))
    elif args.command == "token":
        print(json.dumps(browser_token(args.slug)))
    else:
        print(json.dumps(insert_entries(args.slug, args.count)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
