"""``pledge-verify``'s check of every revealed round (docs/record.md, check 11;
docs/protocol.md §12): the round lists exactly the entries its ``round-frozen`` event lists,
their partials are those its ``round-revealed`` digest covers, each ciphertext matches its leaf
and passes its public check (docs/protocol.md §6), every partial's proof verifies (§10), and
every payload is what a fresh decryption with t of those partials gives.
"""

from __future__ import annotations

import hashlib
from contextlib import closing
from dataclasses import dataclass
from itertools import pairwise

from crypto import parallel, reveal, seal
from crypto.errors import CryptoError, EncodingError, InvalidProof
from crypto.formats.errors import CheckFailed
from crypto.formats.payload import is_valid_payload
from crypto.formats.record import REVEALED, Record, Round, round_digest
from crypto.lifecycle import Replay, RoundState

from .record_check import LogFacts


@dataclass
class RevealFacts:
    """What the revealed rounds hold, for the summary."""

    rounds_revealed: int = 0
    payloads: int = 0  # entries revealed with a payload that opened
    unopened: int = 0  # entries whose box does not open (the signer's doing): payload null
    malformed: int = 0  # payloads that are not valid payload JSON (the signer's doing)


def _check_listing(rnd: Round, logged: RoundState) -> None:
    """The round lists, in leaf order, exactly the leaves its ``round-frozen`` event lists."""
    listed = [entry.leaf_index for entry in rnd.entries]
    for before, after in pairwise(listed):
        if after <= before:
            raise CheckFailed(f"round {rnd.number}: entries must be listed once each in leaf "
                              f"order (leaf {after} comes after leaf {before})")
    expected = list(logged.leaves)
    for i in sorted(set(listed) - set(expected)):
        raise CheckFailed(f"round {rnd.number}, leaf {i}: not an entry the round froze (its "
                          f"round-frozen event, leaf {logged.event_index}, does not list it)")
    for i in sorted(set(expected) - set(listed)):
        raise CheckFailed(f"round {rnd.number}, leaf {i}: the round froze it, but the record "
                          "reveals no ciphertext for it")


def _check_digest(rnd: Round, logged: RoundState) -> None:
    """The entries' partials are exactly those the ``round-revealed`` event's digest covers."""
    digest = round_digest({entry.leaf_index: entry.partials for entry in rnd.entries})
    if digest != logged.digest:
        raise CheckFailed(f"round {rnd.number}: the SHA-256 of the revealed entries' partials "
                          "differs from the digest of its round-revealed event")


# Each entry's checks that need nothing but the entry (and the campaign's keys) run in worker
# processes (:mod:`crypto.parallel`); what depends on earlier entries (a repeated ``R``) and the
# counting stay in order here. A worker reports for each entry the first check that failed and
# at which stage, so that the first failure reported is the one a check in strict order would
# meet first.
CIPHERTEXT, LATER, OK = "ciphertext", "later", "ok"  # stages: before and after the R check
UNOPENED, MALFORMED, PAYLOAD = "unopened", "malformed", "payload"

EntryItem = tuple[bytes, bytes, bytes, dict[int, bytes], "bytes | None"]
"""``(ad, ciphertext, the leaf's ciphertext_sha256, {j: partial}, published payload)``."""


def _check_ciphertext(Y: bytes, ad: bytes, ciphertext: bytes, expected_sha256: bytes
                      ) -> str | None:
    if hashlib.sha256(ciphertext).digest() != expected_sha256:
        return "the ciphertext does not match the leaf's ciphertext_sha256"
    try:
        seal.check_ciphertext(Y, ad, ciphertext)
    except InvalidProof:
        return "the ciphertext's proof of knowledge does not verify"
    except EncodingError as exc:
        return f"the ciphertext is malformed ({exc})"
    return None


def _check_partials(Yj: dict[int, bytes], t: int, R: bytes, ad: bytes,
                    partials: dict[int, bytes]) -> dict[int, bytes] | str:
    """Every posted partial's proof; ``D_j`` by trustee (at least t of them), or what failed."""
    shares = {}
    for j, partial in sorted(partials.items()):
        try:
            shares[j] = reveal.verify_partial(j, Yj[j], R, ad, partial)
        except InvalidProof:
            return f"trustee {j}'s partial decryption does not verify"
        except EncodingError as exc:
            return f"trustee {j}'s partial decryption is malformed ({exc})"
    if len(shares) < t:
        return f"{len(shares)} valid partial decryptions; t = {t} are needed"
    return shares


def _check_payload(Y: bytes, t: int, ad: bytes, ciphertext: bytes, shares: dict[int, bytes],
                   payload: bytes | None) -> tuple[str, str]:
    quorum = sorted(shares)[:t]
    try:
        opened: bytes | None = reveal.decrypt(Y, ad, ciphertext, {j: shares[j] for j in quorum})
    except CryptoError:
        opened = None  # the signer sealed a box that does not open: anyone can see it
    if payload != opened:
        if opened is None:
            return LATER, (f"a payload is published, but the box does not open with trustees "
                           f"{', '.join(map(str, quorum))}'s partials")
        return LATER, "the published payload differs from the decryption"
    if opened is None:
        return OK, UNOPENED
    return OK, PAYLOAD if is_valid_payload(opened) else MALFORMED


def _entry_outcome(item: EntryItem, Y: bytes, Yj: dict[int, bytes], t: int) -> tuple[str, str]:
    ad, ciphertext, expected_sha256, partials, payload = item
    try:
        problem = _check_ciphertext(Y, ad, ciphertext, expected_sha256)
        if problem is not None:
            return CIPHERTEXT, problem
        shares = _check_partials(Yj, t, ciphertext[:32], ad, partials)
        if isinstance(shares, str):
            return LATER, shares
        return _check_payload(Y, t, ad, ciphertext, shares, payload)
    except CryptoError as exc:  # a malformed value no check above anticipated
        return LATER, str(exc)


def _entries_chunk(items: list[EntryItem], Y: bytes, Yj: dict[int, bytes], t: int
                   ) -> list[tuple[str, str]]:
    return [_entry_outcome(item, Y, Yj, t) for item in items]


def _check_round_entries(record: Record, rnd: Round, facts: LogFacts, seen_R: dict[bytes, int],
                         found: RevealFacts, jobs: int | None) -> None:
    items: list[EntryItem] = []
    for entry in rnd.entries:
        leaf = facts.entries[entry.leaf_index]
        items.append((record.ctx + leaf.nullifier, entry.ciphertext, leaf.ciphertext_sha256,
                      entry.partials, entry.payload))
    Yj = dict(record.verification_keys)
    with closing(parallel.map_chunks(_entries_chunk, items, record.Y, Yj, record.manifest.t,
                                     jobs=jobs)) as results:
        for start, outcomes in results:
            for offset, (stage, detail) in enumerate(outcomes):
                entry = rnd.entries[start + offset]
                where = f"round {rnd.number}, leaf {entry.leaf_index}"
                if stage == CIPHERTEXT:
                    raise CheckFailed(f"{where}: {detail}")
                R = entry.ciphertext[:32]
                if R in seen_R:
                    raise CheckFailed(f"{where}: the ciphertext's R repeats leaf {seen_R[R]}'s")
                seen_R[R] = entry.leaf_index
                if stage == LATER:
                    raise CheckFailed(f"{where}: {detail}")
                if detail == UNOPENED:
                    found.unopened += 1
                elif detail == MALFORMED:
                    found.malformed += 1
                else:
                    found.payloads += 1


def check_revealed_rounds(record: Record, facts: LogFacts, state: Replay, *,
                          jobs: int | None = None) -> RevealFacts:
    """Every revealed round: its listing, its digest, then every entry, in round and leaf order
    (the entries' checks are shared out among worker processes: ``jobs``, default the CPU
    count)."""
    found = RevealFacts()
    seen_R: dict[bytes, int] = {}
    for rnd, logged in zip(record.rounds, state.rounds, strict=True):
        if rnd.status == REVEALED:
            found.rounds_revealed += 1
            _check_listing(rnd, logged)
            _check_digest(rnd, logged)
            _check_round_entries(record, rnd, facts, seen_R, found, jobs)
    return found
