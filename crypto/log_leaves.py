"""The kinds of leaf in a campaign log (docs/protocol.md §7 and §8), as canonical JSON.

A leaf is the UTF-8 canonical JSON (:func:`crypto.hashing.canonical_json`: keys sorted, no
whitespace, bytes as lowercase hex) of exactly one of these objects; its log hash is
:func:`crypto.merkle.leaf_hash` of those bytes.

**Pledge entry** (6 keys)::

    {"ciphertext_sha256": hex(32),   SHA-256 of the 1160-byte sealed ciphertext (docs/protocol.md §6)
     "kind": "entry",
     "lab_commitment": hex(32),      H("lab-commitment", utf8(slug), prepared message, token
                                     signature, nonce; n=32): see crypto.opening
     "nullifier": hex(32),           SHA-256(b"pledge-nullifier/v2" || prepared message)
     "v": 2,
     "withdrawal_key": hex(32)}      Ed25519 public key that may later withdraw this entry

An entry names neither its lab nor its token: both stay in the entry's *opening*
(:mod:`crypto.opening`), which is published only with the entry's reveal.

**Withdrawal** (4 keys)::

    {"kind": "withdrawal",
     "nullifier": hex(32),           the withdrawn entry's nullifier
     "signature": hex(64),           Ed25519 by the entry's withdrawal_key over
                                     b"pledge/v2/withdraw" || nullifier
     "v": 2}

**Event** (``{"event", "kind": "event", "v"}`` plus the fields of :data:`EVENT_FIELDS`): a
lifecycle step, placed after the other leaves of the batch that decides it; the order rules are
in :mod:`crypto.lifecycle`.

After round 1 is revealed, two more kinds record what happens next (docs/protocol.md §8.8):

**Statement** (6 keys): a revealed signer says they are withholding their work, or have stopped::

    {"kind": "statement",
     "nullifier": hex(32),           the signer's entry (revealed in an earlier batch)
     "seq": int,                     how many statements of this entry come before it (0, 1, ...)
     "signature": hex(64),           Ed25519 by the entry's withdrawal_key over
                                     b"pledge/v2/statement" || nullifier || u64le(seq) || stance byte
     "stance": "withholding" | "stopped",
     "v": 2}

**Condition** (8 keys): the organizer's dated judgement of one condition at one lab::

    {"condition": int,               1-based position in the manifest's conditions
     "date": "YYYY-MM-DD",           the day the judgement was made (not after its batch's day)
     "evidence": str,                a link to the evidence, or "" (at most 500 UTF-8 bytes)
     "kind": "condition",
     "lab": str,                     the lab's slug in the manifest
     "note": str,                    the organizer's note, or "" (at most 2000 UTF-8 bytes)
     "status": "met" | "not-met" | "partly",
     "v": 2}

The leaf encoding does not check meaning; a verifier must also check that a withdrawal's
signature verifies under the withdrawal key of the entry with that nullifier and, once an entry
is revealed, its opening against the leaf (:func:`crypto.opening.check_opening`).
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from datetime import date
from typing import Any

import nacl.signing

from .errors import EncodingError
from .hashing import WIRE_VERSION, canonical_json
from .merkle import verify_ed25519

#: The ``"v"`` of every leaf (docs/protocol.md §7); the same as crypto.formats.jsonfile.VERSION.
VERSION = WIRE_VERSION
WITHDRAW_PREFIX = b"pledge/v2/withdraw"
STATEMENT_PREFIX = b"pledge/v2/statement"
#: A statement's stances, and the byte each signs as.
STANCES = {"withholding": 1, "stopped": 0}
#: A condition's statuses.
CONDITION_STATUSES = ("met", "not-met", "partly")
MAX_EVIDENCE_BYTES = 500
MAX_NOTE_BYTES = 2000
MAX_LAB_BYTES = 255
MAX_TOKEN_BYTES = 4096
#: The most bytes a leaf may have (docs/protocol.md §7.1, §11.3): a condition leaf whose text
#: escapes to more (control characters are written as six bytes each) is refused.
MAX_LEAF_BYTES = 9216


@dataclass(frozen=True)
class EntryLeaf:
    """A pledge entry as published in the log (the ciphertext itself stays out until reveal)."""

    lab_commitment: bytes
    nullifier: bytes
    ciphertext_sha256: bytes
    withdrawal_key: bytes


@dataclass(frozen=True)
class WithdrawalLeaf:
    """A withdrawal of the entry with ``nullifier``, signed by that entry's withdrawal key."""

    nullifier: bytes
    signature: bytes


@dataclass(frozen=True)
class StatementLeaf:
    """A revealed signer's statement: ``stance`` is ``"withholding"`` or ``"stopped"``; ``seq``
    counts the entry's earlier statements; signed by the entry's withdrawal key."""

    nullifier: bytes
    seq: int
    stance: str
    signature: bytes


@dataclass(frozen=True)
class ConditionLeaf:
    """The organizer's dated judgement of condition ``condition`` (1-based) at lab ``lab``."""

    condition: int
    lab: str
    status: str
    date: str
    evidence: str
    note: str


#: Event names and the fields each carries besides ``kind``, ``v`` and ``event`` (docs/protocol.md §8).
EVENT_FIELDS: dict[str, frozenset[str]] = {
    "round-frozen": frozenset({"round", "leaves"}),
    "round-revealed": frozenset({"round", "digest"}),
    "round-abandoned": frozenset({"round"}),
    "signing-ended": frozenset(),
    "expired": frozenset(),
    "closed": frozenset(),
    "share-destroyed": frozenset({"trustee", "signature"}),
    "taken-down": frozenset(),
}
#: The events that end signing: exactly one of them, in the first batch at or after the deadline.
DEADLINE_EVENTS = frozenset({"signing-ended", "expired"})
MAX_ROUND = 2
MAX_TRUSTEE = 255
MAX_INDEX = 2**63 - 1


@dataclass(frozen=True)
class EventLeaf:
    """A lifecycle event (docs/protocol.md §8). Fields a kind does not carry stay at their
    defaults: ``round`` 0, ``leaves`` empty, ``digest``/``signature`` empty, ``trustee`` 0."""

    event: str
    round: int = 0
    leaves: tuple[int, ...] = ()
    digest: bytes = b""
    trustee: int = 0
    signature: bytes = b""

    @property
    def is_deadline_event(self) -> bool:
        """Whether this event ends signing (the deadline round's freeze, or the two others)."""
        return self.event in DEADLINE_EVENTS or (self.event == "round-frozen" and self.round >= 2)


Leaf = EntryLeaf | WithdrawalLeaf | EventLeaf | StatementLeaf | ConditionLeaf


def _fixed(value: bytes, length: int, name: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or len(value) != length:
        raise EncodingError(f"{name} must be {length} bytes")
    return bytes(value)


def bounded(value: bytes, low: int, high: int, name: str) -> bytes:
    if not isinstance(value, (bytes, bytearray)) or not low <= len(value) <= high:
        raise EncodingError(f"{name} must be {low}..{high} bytes")
    return bytes(value)


def check_lab(lab: str) -> str:
    if not isinstance(lab, str):
        raise EncodingError("lab must be a string")
    try:
        size = len(lab.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise EncodingError("lab is not valid UTF-8 text") from exc
    if not 1 <= size <= MAX_LAB_BYTES:
        raise EncodingError("lab must be 1..255 UTF-8 bytes")
    return lab


def _entry_fields(leaf: EntryLeaf) -> dict[str, Any]:
    return {
        "kind": "entry",
        "v": VERSION,
        "lab_commitment": _fixed(leaf.lab_commitment, 32, "lab commitment"),
        "nullifier": _fixed(leaf.nullifier, 32, "nullifier"),
        "ciphertext_sha256": _fixed(leaf.ciphertext_sha256, 32, "ciphertext hash"),
        "withdrawal_key": _fixed(leaf.withdrawal_key, 32, "withdrawal key"),
    }


def _withdrawal_fields(leaf: WithdrawalLeaf) -> dict[str, Any]:
    return {
        "kind": "withdrawal",
        "v": VERSION,
        "nullifier": _fixed(leaf.nullifier, 32, "nullifier"),
        "signature": _fixed(leaf.signature, 64, "withdrawal signature"),
    }


def _index(value: int, low: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_INDEX:
        raise EncodingError(f"{name} must be an integer {low}..2^63-1")
    return value


def _text(value: str, high: int, name: str) -> str:
    if not isinstance(value, str):
        raise EncodingError(f"{name} must be a string")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise EncodingError(f"{name} is not valid UTF-8 text") from exc
    if size > high:
        raise EncodingError(f"{name} must be at most {high} UTF-8 bytes")
    return value


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_date(value: str) -> date:
    """A calendar date written ``YYYY-MM-DD``."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise EncodingError("date must be YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise EncodingError("date is not a calendar date") from exc


def _statement_fields(leaf: StatementLeaf) -> dict[str, Any]:
    if leaf.stance not in STANCES:
        raise EncodingError("a statement's stance must be withholding or stopped")
    return {
        "kind": "statement",
        "v": VERSION,
        "nullifier": _fixed(leaf.nullifier, 32, "nullifier"),
        "seq": _index(leaf.seq, 0, "seq"),
        "stance": leaf.stance,
        "signature": _fixed(leaf.signature, 64, "statement signature"),
    }


def _condition_fields(leaf: ConditionLeaf) -> dict[str, Any]:
    if leaf.status not in CONDITION_STATUSES:
        raise EncodingError("a condition's status must be met, not-met or partly")
    check_date(leaf.date)
    return {
        "kind": "condition",
        "v": VERSION,
        "condition": _index(leaf.condition, 1, "condition"),
        "lab": check_lab(leaf.lab),
        "status": leaf.status,
        "date": leaf.date,
        "evidence": _text(leaf.evidence, MAX_EVIDENCE_BYTES, "evidence"),
        "note": _text(leaf.note, MAX_NOTE_BYTES, "note"),
    }


def _round_number(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROUND:
        raise EncodingError(f"an event's round must be 1..{MAX_ROUND}")
    return value


def _leaf_indices(values: tuple[int, ...]) -> list[int]:
    out: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INDEX:
            raise EncodingError("a round's leaves must be leaf indices")
        if out and value <= out[-1]:
            raise EncodingError("a round's leaves must be listed in strictly increasing order")
        out.append(value)
    return out


def _event_fields(leaf: EventLeaf) -> dict[str, Any]:
    if leaf.event not in EVENT_FIELDS:
        raise EncodingError("unknown event")
    fields: dict[str, Any] = {"kind": "event", "v": VERSION, "event": leaf.event}
    wanted = EVENT_FIELDS[leaf.event]
    if "round" in wanted:
        fields["round"] = _round_number(leaf.round)
    elif leaf.round:
        raise EncodingError(f"event {leaf.event} has no round")
    if "leaves" in wanted:
        fields["leaves"] = _leaf_indices(leaf.leaves)
    elif leaf.leaves:
        raise EncodingError(f"event {leaf.event} lists no leaves")
    if "digest" in wanted:
        fields["digest"] = _fixed(leaf.digest, 32, "digest")
    elif leaf.digest:
        raise EncodingError(f"event {leaf.event} has no digest")
    if "trustee" in wanted:
        if isinstance(leaf.trustee, bool) or not isinstance(leaf.trustee, int) or not 1 <= leaf.trustee <= MAX_TRUSTEE:
            raise EncodingError(f"an event's trustee must be 1..{MAX_TRUSTEE}")
        fields["trustee"] = leaf.trustee
        fields["signature"] = _fixed(leaf.signature, 64, "destroy signature")
    elif leaf.trustee or leaf.signature:
        raise EncodingError(f"event {leaf.event} names no trustee")
    return fields


def encode_leaf(leaf: Leaf) -> bytes:
    """The canonical JSON bytes of a leaf (what the log hashes)."""
    if isinstance(leaf, EntryLeaf):
        return canonical_json(_entry_fields(leaf))
    if isinstance(leaf, WithdrawalLeaf):
        return canonical_json(_withdrawal_fields(leaf))
    if isinstance(leaf, EventLeaf):
        return canonical_json(_event_fields(leaf))
    if isinstance(leaf, StatementLeaf):
        return canonical_json(_statement_fields(leaf))
    if isinstance(leaf, ConditionLeaf):
        data = canonical_json(_condition_fields(leaf))
        if len(data) > MAX_LEAF_BYTES:
            raise EncodingError(f"a condition leaf must be at most {MAX_LEAF_BYTES} bytes of canonical JSON")
        return data
    raise EncodingError("not a log leaf")


def _hex_field(obj: dict[str, Any], key: str) -> bytes:
    value = obj[key]
    if not isinstance(value, str):
        raise EncodingError(f"{key} must be hex")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise EncodingError(f"{key} must be hex") from exc


_ENTRY_KEYS = {"kind", "v", "lab_commitment", "nullifier", "ciphertext_sha256", "withdrawal_key"}
_WITHDRAWAL_KEYS = {"kind", "v", "nullifier", "signature"}
_STATEMENT_KEYS = {"kind", "v", "nullifier", "seq", "stance", "signature"}
_CONDITION_KEYS = {"kind", "v", "condition", "lab", "status", "date", "evidence", "note"}


def _decode(obj: dict[str, Any]) -> Leaf:
    kind = obj.get("kind")
    if kind == "entry" and obj.keys() == _ENTRY_KEYS:
        return EntryLeaf(
            lab_commitment=_hex_field(obj, "lab_commitment"),
            nullifier=_hex_field(obj, "nullifier"),
            ciphertext_sha256=_hex_field(obj, "ciphertext_sha256"),
            withdrawal_key=_hex_field(obj, "withdrawal_key"),
        )
    if kind == "withdrawal" and obj.keys() == _WITHDRAWAL_KEYS:
        return WithdrawalLeaf(
            nullifier=_hex_field(obj, "nullifier"), signature=_hex_field(obj, "signature")
        )
    if kind == "event":
        return _decode_event(obj)
    if kind == "statement" and obj.keys() == _STATEMENT_KEYS:
        return StatementLeaf(nullifier=_hex_field(obj, "nullifier"), seq=_int_field(obj, "seq"),
                             stance=obj["stance"], signature=_hex_field(obj, "signature"))
    if kind == "condition" and obj.keys() == _CONDITION_KEYS:
        return ConditionLeaf(condition=_int_field(obj, "condition"), lab=obj["lab"], status=obj["status"],
                             date=obj["date"], evidence=obj["evidence"], note=obj["note"])
    raise EncodingError("unknown leaf kind or wrong fields")


def _int_field(obj: dict[str, Any], key: str) -> int:
    value = obj[key]
    if isinstance(value, bool) or not isinstance(value, int):
        raise EncodingError(f"{key} must be an integer")
    return value


def _decode_event(obj: dict[str, Any]) -> EventLeaf:
    name = obj.get("event")
    if not isinstance(name, str) or name not in EVENT_FIELDS:
        raise EncodingError("unknown event")
    if obj.keys() != {"kind", "v", "event"} | EVENT_FIELDS[name]:
        raise EncodingError(f"event {name} has the wrong fields")
    leaves = obj.get("leaves", [])
    if not isinstance(leaves, list):
        raise EncodingError("a round's leaves must be a list")
    return EventLeaf(
        event=name,
        round=_int_field(obj, "round") if "round" in obj else 0,
        leaves=tuple(leaves),
        digest=_hex_field(obj, "digest") if "digest" in obj else b"",
        trustee=_int_field(obj, "trustee") if "trustee" in obj else 0,
        signature=_hex_field(obj, "signature") if "signature" in obj else b"",
    )


def parse_leaf(data: bytes) -> Leaf:
    """Parse leaf bytes strictly: valid JSON, known kind, exact keys, ``v == VERSION``, canonical form.

    Raises :class:`EncodingError` for anything else, including a leaf that decodes fine but is
    not byte-for-byte the canonical encoding (so each leaf has exactly one hash).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise EncodingError("leaf must be bytes")
    try:
        obj = json.loads(bytes(data).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise EncodingError("leaf is not UTF-8 JSON") from exc
    if not isinstance(obj, dict) or type(obj.get("v")) is not int or obj.get("v") != VERSION:
        raise EncodingError(f"leaf is not a version {VERSION} object")
    leaf = _decode(obj)
    if encode_leaf(leaf) != bytes(data):
        raise EncodingError("leaf is not in canonical form")
    return leaf


def withdrawal_message(nullifier: bytes) -> bytes:
    """The bytes a withdrawal signature covers: ``b"pledge/v2/withdraw" || nullifier``."""
    return WITHDRAW_PREFIX + _fixed(nullifier, 32, "nullifier")


def sign_withdrawal(withdrawal_seed: bytes, nullifier: bytes) -> bytes:
    """Sign the withdrawal of ``nullifier`` with the entry's Ed25519 key (32-byte seed)."""
    key = nacl.signing.SigningKey(_fixed(withdrawal_seed, 32, "withdrawal key seed"))
    return key.sign(withdrawal_message(nullifier)).signature


def verify_withdrawal(withdrawal_key: bytes, nullifier: bytes, signature: bytes) -> None:
    """Check a withdrawal signature; raise :class:`~crypto.errors.InvalidSignature` if it fails."""
    verify_ed25519(withdrawal_key, withdrawal_message(nullifier), signature)


def statement_message(nullifier: bytes, seq: int, stance: str) -> bytes:
    """The bytes a statement signature covers (60 bytes): ``b"pledge/v2/statement" || nullifier
    || u64le(seq) || stance byte`` (1 withholding, 0 stopped)."""
    if stance not in STANCES:
        raise EncodingError("a statement's stance must be withholding or stopped")
    return (STATEMENT_PREFIX + _fixed(nullifier, 32, "nullifier") + struct.pack("<Q", _index(seq, 0, "seq"))
            + bytes([STANCES[stance]]))


def sign_statement(withdrawal_seed: bytes, nullifier: bytes, seq: int, stance: str) -> bytes:
    """Sign a statement with the entry's withdrawal key (its 32-byte seed)."""
    key = nacl.signing.SigningKey(_fixed(withdrawal_seed, 32, "withdrawal key seed"))
    return key.sign(statement_message(nullifier, seq, stance)).signature


def verify_statement(withdrawal_key: bytes, leaf: StatementLeaf) -> None:
    """Check a statement's signature; raise :class:`~crypto.errors.InvalidSignature` if it fails."""
    verify_ed25519(withdrawal_key, statement_message(leaf.nullifier, leaf.seq, leaf.stance), leaf.signature)
