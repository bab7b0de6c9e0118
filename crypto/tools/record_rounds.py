"""``pledge-verify``'s check of every revealed round (docs/record.md, check 7): the round lists
exactly its live entries, each ciphertext matches its leaf and passes the public check of
DESIGN §4.3, every partial's proof verifies (DESIGN §4.4), and every payload is what a fresh
decryption with t of those partials gives.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .. import reveal, seal
from ..errors import CryptoError, EncodingError, InvalidProof
from .errors import CheckFailed
from .record import REVEALED, Record, RevealedEntry, Round
from .record_check import LogFacts

PAYLOAD_KEYS = {"v", "name", "role", "statement", "display"}


@dataclass
class RevealFacts:
    """What the revealed rounds hold, for the summary."""

    rounds_revealed: int = 0
    payloads: int = 0  # entries revealed with a payload that opened
    unopened: int = 0  # entries whose box does not open (the signer's doing): payload null
    malformed: int = 0  # payloads that are not valid payload JSON (the signer's doing)


def is_valid_payload(payload: bytes) -> bool:
    """Whether ``payload`` is exactly the canonical JSON a signer's client makes (DESIGN §4.3)."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(obj, dict) or obj.keys() != PAYLOAD_KEYS:
        return False
    if type(obj["v"]) is not int or obj["v"] != 1:
        return False
    try:
        encoded = seal.encode_payload(obj["name"], obj["role"], obj["statement"], obj["display"])
    except EncodingError:
        return False
    return encoded == payload


def _live_entries(facts: LogFacts, start: int, size: int) -> list[int]:
    return [i for i in range(start, size) if i in facts.entries and i not in facts.withdrawn_at]


def _why_not_listed(facts: LogFacts, i: int, start: int, size: int) -> str:
    if not start <= i < size:
        return f"is not a leaf of this round (leaves {start}..{size - 1})"
    if i not in facts.entries:
        return "is a withdrawal, not an entry"
    return f"is withdrawn (at leaf {facts.withdrawn_at[i]}) and must stay sealed"


def _check_listing(rnd: Round, facts: LogFacts, start: int) -> None:
    """The round lists, in leaf order, exactly its entries that are not withdrawn."""
    listed = [entry.leaf_index for entry in rnd.entries]
    for before, after in zip(listed, listed[1:]):
        if after <= before:
            raise CheckFailed(f"round {rnd.number}: entries must be listed once each in leaf "
                              f"order (leaf {after} comes after leaf {before})")
    expected = _live_entries(facts, start, rnd.size)
    for i in sorted(set(listed) - set(expected)):
        raise CheckFailed(f"round {rnd.number}, leaf {i}: "
                          f"{_why_not_listed(facts, i, start, rnd.size)}")
    for i in sorted(set(expected) - set(listed)):
        raise CheckFailed(f"round {rnd.number}, leaf {i}: a live entry of this round, but the "
                          "round reveals no ciphertext for it")


def _check_ciphertext(record: Record, where: str, entry: RevealedEntry, ad: bytes,
                      expected_sha256: bytes) -> None:
    if hashlib.sha256(entry.ciphertext).digest() != expected_sha256:
        raise CheckFailed(f"{where}: the ciphertext does not match the leaf's ciphertext_sha256")
    try:
        seal.check_ciphertext(record.Y, ad, entry.ciphertext)
    except InvalidProof:
        raise CheckFailed(f"{where}: the ciphertext's proof of knowledge does not verify") from None
    except EncodingError as exc:
        raise CheckFailed(f"{where}: the ciphertext is malformed ({exc})") from None


def _check_partials(record: Record, where: str, entry: RevealedEntry, ad: bytes) -> dict[
        int, bytes]:
    """Every posted partial's proof; returns ``D_j`` by trustee, at least t of them."""
    R, shares = entry.ciphertext[:32], {}
    for j, partial in sorted(entry.partials.items()):
        try:
            shares[j] = reveal.verify_partial(j, record.verification_keys[j], R, ad, partial)
        except InvalidProof:
            raise CheckFailed(f"{where}: trustee {j}'s partial decryption does not verify") \
                from None
        except EncodingError as exc:
            raise CheckFailed(f"{where}: trustee {j}'s partial decryption is malformed "
                              f"({exc})") from None
    t = record.manifest.t
    if len(shares) < t:
        raise CheckFailed(f"{where}: {len(shares)} valid partial decryptions; t = {t} are "
                          "needed")
    return shares


def _check_payload(record: Record, where: str, entry: RevealedEntry, ad: bytes,
                   shares: dict[int, bytes], facts: RevealFacts) -> None:
    quorum = sorted(shares)[: record.manifest.t]
    try:
        opened: bytes | None = reveal.decrypt(record.Y, ad, entry.ciphertext,
                                              {j: shares[j] for j in quorum})
    except CryptoError:
        opened = None  # the signer sealed a box that does not open: anyone can see it
    if entry.payload != opened:
        if opened is None:
            raise CheckFailed(f"{where}: a payload is published, but the box does not open with "
                              f"trustees {', '.join(map(str, quorum))}'s partials")
        raise CheckFailed(f"{where}: the published payload differs from the decryption")
    if opened is None:
        facts.unopened += 1
    elif not is_valid_payload(opened):
        facts.malformed += 1
    else:
        facts.payloads += 1


def check_revealed_rounds(record: Record, facts: LogFacts) -> RevealFacts:
    """Every entry of every revealed round, in round and leaf order."""
    found, seen_R = RevealFacts(), {}
    start = 0
    for rnd in record.rounds:
        if rnd.status == REVEALED:
            found.rounds_revealed += 1
            _check_listing(rnd, facts, start)
            for entry in rnd.entries:
                where = f"round {rnd.number}, leaf {entry.leaf_index}"
                leaf = facts.entries[entry.leaf_index]
                ad = record.ctx + leaf.nullifier
                _check_ciphertext(record, where, entry, ad, leaf.ciphertext_sha256)
                R = entry.ciphertext[:32]
                if R in seen_R:
                    raise CheckFailed(f"{where}: the ciphertext's R repeats leaf {seen_R[R]}'s")
                seen_R[R] = entry.leaf_index
                _check_payload(record, where, entry, ad,
                               _check_partials(record, where, entry, ad), found)
        start = rnd.size
    return found
