"""The demo trustees witness the demo campaigns (development only: ``flask dev witness``, which
``make run``'s tick loop runs after each tick).

A real witness runs ``pledge-witness`` on its own machine. The demo trustees' key files and
passphrases are already on this machine (``instance/demo-trustees/``, see
:mod:`pledge.services.demo_ceremony`), so the development server plays them: for every launched
campaign whose manifest lists a demo trustee's key as a witness, it runs the same check
(:func:`crypto.witness.check_and_cosign`) over the log as the database holds it, and stores the
cosignature through the same verification a posted one gets
(:func:`pledge.services.witnessing.store_cosignature`). Nothing here is reachable in production:
the command refuses to run outside development, and it only signs with the demo key files; any
other campaign's witnesses are untouched.

Each demo trustee keeps a witness state per campaign next to its key file
(``<slug>-trustee-<seat>.witness-state.json``); a refusal is reported once per head
(``….witness-refused`` remembers the head it refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import witness
from crypto.formats import witness as witness_files
from crypto.formats.errors import Refusal
from crypto.formats.keys import load_key, passphrase_bytes, unlock_key
from pledge.models import Campaign, LogLeaf
from pledge.services import log, witnessing
from pledge.services.demo_ceremony import read_passphrases

#: A demo head may be this many seconds off the witness's window (the demo ticks every 30 s).
DEMO_SLACK = 300


@dataclass(frozen=True)
class DemoWitness:
    """One demo trustee as a witness: its key file's stem, name, public key and seed."""

    stem: str
    name: str
    ed25519: bytes
    seed: bytes


def demo_witnesses(folder: Path) -> list[DemoWitness]:
    """The demo trustees whose key file opens with the passphrase written beside it."""
    found = []
    for file_name, passphrase in sorted(read_passphrases(folder).items()):
        path = folder / file_name
        try:
            key = load_key(path)
            seed = unlock_key(key, passphrase_bytes(passphrase)).signing_seed
        except Refusal:
            continue  # not a usable demo key file: that trustee simply does not witness
        found.append(DemoWitness(path.stem, key.name, key.ed25519, seed))
    return found


def _listed_heads(session: Session, campaign: Campaign) -> list[witness.Head]:
    cosigned = witnessing.cosignatures_by_batch(session, campaign)
    return [witness.Head(h.size, h.timestamp, h.root, h.signature, tuple(cosigned.get(h.batch, {}).items()))
            for h in witnessing.heads(session, campaign)]


def _witness_once(session: Session, campaign: Campaign, who: DemoWitness, folder: Path, now: int) -> str | None:
    manifest = witnessing.parsed_manifest(campaign)
    ctx = bytes(campaign.ctx or b"")
    heads = _listed_heads(session, campaign)
    if not heads:
        return None
    latest = heads[-1]
    state_path = folder / f"{campaign.slug}-{who.stem}.witness-state.json"
    refused_path = folder / f"{campaign.slug}-{who.stem}.witness-refused"
    state = witness_files.load_state(state_path) if state_path.exists() else witness.initial_state(manifest, ctx)
    if latest.same_head(state.head) and who.ed25519 in dict(latest.cosignatures):
        return None  # nothing new
    marker = f"{latest.size} {latest.timestamp} {latest.root.hex()}"
    leaves = list(session.scalars(select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign.id)
                                  .order_by(LogLeaf.leaf_index).limit(latest.size)))
    proof = log.consistency_proof(session, campaign, state.size, latest.size) if state.size <= latest.size else []
    try:
        done = witness.check_and_cosign(state=state, manifest=manifest, ctx=ctx, latest=latest, heads=heads,
                                        leaves=leaves, proof=proof, now=now, slack=DEMO_SLACK, witness_seed=who.seed)
    except witness.WitnessRefusal as refusal:
        if refused_path.exists() and refused_path.read_text() == marker:
            return None  # said once already for this head
        refused_path.write_text(marker)
        return f"{campaign.slug}: {who.name} refused to cosign the head of size {latest.size}: {refusal}"
    witness_files.save_state(state_path, done.state)
    witnessing.store_cosignature(session, campaign, manifest, latest.size, latest.timestamp, latest.root, who.ed25519,
                                 done.cosignature)
    return f"{campaign.slug}: {who.name} cosigned the head of size {latest.size}"


def witness_demo_campaigns(session: Session, folder: Path, now: datetime) -> list[str]:
    """Let every demo trustee witness every launched campaign that lists it; one line per
    cosignature or new refusal."""
    people = demo_witnesses(folder)
    if not people:
        return []
    lines = []
    launched = session.scalars(select(Campaign).where(Campaign.group_key.is_not(None), Campaign.manifest.is_not(None))
                               .order_by(Campaign.id))
    for campaign in launched:
        listed = witnessing.parsed_manifest(campaign).witnesses
        for who in people:
            if who.ed25519 in listed:
                line = _witness_once(session, campaign, who, folder, int(now.timestamp()))
                if line:
                    lines.append(line)
    return lines
