"""A witness's files (docs/protocol.md §13): its state, its published head, and its key.

**State file** (no secret in it; the witness rewrites it after each cosignature)::

    {"v", "kind": "witness-state",
     "campaign": "<manifest id, 32 hex>", "ctx": hex(32), "log_key": hex(32),
     "size": int, "timestamp": int, "root": hex(32),      the last head this witness cosigned
                                                          (0, 0 and the empty root before any)
     "lifecycle": {"batch": int, "deadline_event": bool,  what the replay said at that head,
                   "outcome": "open"|"revealed"|"closed"|"expired"|"taken-down",   for the people reading it
                   "rounds": [{"number": int, "status": "pending"|"revealed"|"abandoned"}]}}

``ctx`` pins the manifest: a later check refuses a server that serves another one.

**Published head file** (what a witness shows the world, e.g. on a web page, so that a
verifier can refuse a record cut before it or forked from it)::

    {"v", "kind": "witness-head", "campaign": "<manifest id>", "witness": hex(32) (its Ed25519 key),
     "size": int, "timestamp": int, "root": hex(32), "cosignature": hex(64)}

The cosignature is :func:`crypto.merkle.sign_cosignature` over the head with the log id (the
ASCII of ``campaign``); :meth:`WitnessHead.verify` checks it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.signing

from .. import merkle, passbox
from ..errors import CryptoError, DecryptionError, EncodingError
from ..hashing import canonical_json
from ..lifecycle import ABANDONED, CLOSED, EXPIRED, OPEN, PENDING, REVEALED, REVEALED_STATE, TAKEN_DOWN
from ..witness import LifecycleSummary, WitnessState
from . import jsonfile, keys
from .errors import CheckFailed, FileProblem, FormatError, UnlockFailed
from .files import CAMPAIGN_ID_HEX, CTX_BYTES, HEXDIGITS, KEY_BYTES, SIGNATURE_BYTES

STATE_KIND = "witness-state"
HEAD_KIND = "witness-head"
HASH_BYTES = 32
OUTCOMES = frozenset({OPEN, REVEALED_STATE, CLOSED, EXPIRED, TAKEN_DOWN})
ROUND_STATUSES = frozenset({PENDING, REVEALED, ABANDONED})
MAX_ROUNDS = 2


def _campaign(doc: jsonfile.Obj) -> str:
    value = doc.text("campaign", max_len=CAMPAIGN_ID_HEX)
    if len(value) != CAMPAIGN_ID_HEX or not set(value) <= HEXDIGITS:
        raise FormatError(f"{doc.where}: field campaign must be 32 lowercase hex characters")
    return value


def _boolean(doc: jsonfile.Obj, key: str) -> bool:
    value = doc.data.get(key)
    if not isinstance(value, bool):
        raise FormatError(f"{doc.where}: field {key} must be true or false")
    return value


# --- state ------------------------------------------------------------------------------------


def state_doc(state: WitnessState) -> dict[str, Any]:
    """The state document (bytes as hex when written)."""
    life = state.lifecycle
    return {
        "v": jsonfile.VERSION, "kind": STATE_KIND, "campaign": state.campaign, "ctx": state.ctx,
        "log_key": state.log_key, "size": state.size, "timestamp": state.timestamp, "root": state.root,
        "lifecycle": {"batch": life.batch, "deadline_event": life.deadline_event, "outcome": life.outcome,
                      "rounds": [{"number": number, "status": status} for number, status in life.rounds]},
    }


def parse_state(doc: jsonfile.Obj) -> WitnessState:
    """A state document, every field checked."""
    jsonfile.expect(doc, STATE_KIND, {"campaign", "ctx", "log_key", "size", "timestamp", "root", "lifecycle"})
    life = doc.child("lifecycle").exact_keys({"batch", "deadline_event", "outcome", "rounds"})
    outcome = life.text("outcome", max_len=16)
    if outcome not in OUTCOMES:
        raise FormatError(f"{life.where}: field outcome must be one of {', '.join(sorted(OUTCOMES))}")
    rounds = []
    for position, item in enumerate(life.objects("rounds"), start=1):
        item.exact_keys({"number", "status"})
        if item.integer("number", low=1, high=MAX_ROUNDS) != position:
            raise FormatError(f"{item.where}: rounds must be listed by number from 1")
        status = item.text("status", max_len=16)
        if status not in ROUND_STATUSES:
            raise FormatError(f"{item.where}: field status must be one of {', '.join(sorted(ROUND_STATUSES))}")
        rounds.append((position, status))
    size = doc.integer("size")
    timestamp = doc.integer("timestamp")
    root = doc.raw("root", size=HASH_BYTES)
    if size == 0 and timestamp == 0 and root != merkle.EMPTY_ROOT:
        raise FormatError(f"{doc.where}: a state before any cosignature must have the empty tree's root")
    return WitnessState(
        campaign=_campaign(doc), ctx=doc.raw("ctx", size=CTX_BYTES), log_key=doc.raw("log_key", size=KEY_BYTES),
        size=size, timestamp=timestamp, root=root,
        lifecycle=LifecycleSummary(life.integer("batch"), _boolean(life, "deadline_event"), outcome, tuple(rounds)),
    )


def load_state(path: Path) -> WitnessState:
    """Read a state file."""
    return parse_state(jsonfile.read_document(path, STATE_KIND))


def save_state(path: Path, state: WitnessState) -> None:
    """Write the state file (see :func:`replace_document`)."""
    replace_document(path, state_doc(state))


def replace_document(path: Path, doc: dict[str, Any]) -> None:
    """Write ``doc`` to a new file beside ``path``, then rename it over ``path``: a crash leaves
    the old file or the new one, never half of one."""
    fresh = path.with_name(path.name + ".new")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(fresh)
    jsonfile.write_document(fresh, doc)
    try:
        os.replace(fresh, path)
    except OSError as exc:
        raise FileProblem(f"cannot replace {path}: {exc.strerror}") from exc


# --- published head ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessHead:
    """A head a witness cosigned, as it publishes it."""

    campaign: str
    witness: bytes
    size: int
    timestamp: int
    root: bytes
    cosignature: bytes

    def doc(self) -> dict[str, Any]:
        """The published head document."""
        return {"v": jsonfile.VERSION, "kind": HEAD_KIND, "campaign": self.campaign, "witness": self.witness,
                "size": self.size, "timestamp": self.timestamp, "root": self.root, "cosignature": self.cosignature}

    def verify(self) -> None:
        """Check the cosignature; :class:`CheckFailed` if it does not verify."""
        try:
            merkle.verify_cosignature(self.witness, self.campaign.encode("ascii"), self.size, self.timestamp,
                                      self.root, self.cosignature)
        except CryptoError as exc:
            raise CheckFailed("the published head's cosignature does not verify under its witness key") from exc


def parse_witness_head(doc: jsonfile.Obj) -> WitnessHead:
    """A published head document, every field checked (the cosignature is not verified: call
    :meth:`WitnessHead.verify`)."""
    jsonfile.expect(doc, HEAD_KIND, {"campaign", "witness", "size", "timestamp", "root", "cosignature"})
    return WitnessHead(
        campaign=_campaign(doc), witness=doc.raw("witness", size=KEY_BYTES), size=doc.integer("size"),
        timestamp=doc.integer("timestamp"), root=doc.raw("root", size=HASH_BYTES),
        cosignature=doc.raw("cosignature", size=SIGNATURE_BYTES),
    )


def load_witness_head(path: Path) -> WitnessHead:
    """Read a published head file."""
    return parse_witness_head(jsonfile.read_document(path, HEAD_KIND))


def publish_head(path: Path, head: WitnessHead) -> None:
    """Write (or replace) the published head file."""
    replace_document(path, head.doc())


# --- the witness's key --------------------------------------------------------------------------
#
# An extra witness has only an Ed25519 key: ``{"v", "kind": "witness-key", "name", "ed25519",
# "box"}``, the seed locked in a passphrase box exactly as a trustee's key file locks its secrets
# (crypto.passbox, Argon2id costs recorded in the box). A trustee witnesses with the key file
# they already have (kind ``trustee-key``): its Ed25519 key is the one the manifest lists.

WITNESS_KEY_KIND = "witness-key"
WITNESS_KEY_LABEL = b"pledge/v%d/witness-key" % jsonfile.VERSION


@dataclass(frozen=True)
class WitnessKey:
    """A witness's (or trustee's) key file, still locked."""

    path: Path
    name: str
    ed25519: bytes
    trustee: keys.KeyFile | None
    box: bytes = b""


def witness_key_doc(name: str, seed: bytes, passphrase: bytes, kdf: str) -> dict[str, Any]:
    """A new witness key file: the public key in the clear, the seed in a passphrase box."""
    public = bytes(nacl.signing.SigningKey(seed).verify_key)
    opslimit, memlimit = keys.KDF_COSTS[kdf]
    blob = passbox.lock(seed, passphrase, WITNESS_KEY_LABEL + public, opslimit=opslimit, memlimit=memlimit)
    return {"v": jsonfile.VERSION, "kind": WITNESS_KEY_KIND, "name": name, "ed25519": public,
            "box": json.loads(blob)}


def load_witness_key(path: Path) -> WitnessKey:
    """Read a witness key file or a trustee's key file, without unlocking it."""
    doc = jsonfile.read_document(path, {WITNESS_KEY_KIND, "trustee-key"})
    if doc.data.get("kind") == "trustee-key":
        trustee = keys.load_key(path)
        return WitnessKey(path, trustee.name, trustee.ed25519, trustee)
    jsonfile.expect(doc, WITNESS_KEY_KIND, {"name", "ed25519", "box"})
    blob = canonical_json(doc.child("box").data)
    try:
        passbox.label_of(blob)
    except EncodingError as exc:
        raise FormatError(f"{doc.where}: field box is not a passphrase box") from exc
    return WitnessKey(path, doc.text("name", max_len=200), doc.raw("ed25519", size=KEY_BYTES), None, blob)


def unlock_witness_key(key: WitnessKey, passphrase: bytes) -> bytes:
    """The Ed25519 seed of a witness key (or of a trustee's key file); checked against the
    public key in the file."""
    if key.trustee is not None:
        return keys.unlock_key(key.trustee, passphrase).signing_seed
    try:
        seed = passbox.unlock(key.box, passphrase, WITNESS_KEY_LABEL + key.ed25519)
    except DecryptionError as exc:
        raise UnlockFailed(f"cannot unlock {key.path}: wrong passphrase, or the file was altered") from exc
    if len(seed) != KEY_BYTES or bytes(nacl.signing.SigningKey(seed).verify_key) != key.ed25519:
        raise UnlockFailed(f"cannot unlock {key.path}: its secret does not match its public key")
    return seed
