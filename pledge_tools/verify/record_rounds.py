"""``pledge-verify``'s check of every revealed round (docs/record.md, check 11;
docs/protocol.md §12): the round lists exactly the entries its ``round-frozen`` event lists,
their openings and partials are those its ``round-revealed`` digest covers, each opening opens
its leaf (docs/protocol.md §7), each ciphertext matches its leaf and passes its public check
(§6), every partial's proof verifies (§10), every payload is what a fresh decryption with t of
those partials gives, the round reveals none or at least ``k`` entries of each lab (§8), and
round 1's openings bear out the record's ``labs_reached``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from itertools import pairwise

from crypto import parallel, reveal, rounds, seal
from crypto.errors import CryptoError, EncodingError, InvalidProof
from crypto.formats.errors import CheckFailed
from crypto.formats.payload import is_valid_payload
from crypto.formats.record import REVEALED, Record, Round, round_digest
from crypto.lifecycle import Replay, RoundState
from crypto.log_leaves import EntryLeaf
from crypto.opening import Opening, OpeningError, check_opening

from .record_check import LogFacts


@dataclass
class RevealFacts:
    """What the revealed rounds hold, for the summary."""

    rounds_revealed: int = 0
    payloads: int = 0  # entries revealed with a payload that opened
    unopened: int = 0  # entries whose box does not open (the signer's doing): payload null
    malformed: int = 0  # payloads that are not valid payload JSON (the signer's doing)
    by_lab: dict[str, int] = field(default_factory=dict)  # revealed entries per lab, every round
    lab_of: dict[bytes, str] = field(default_factory=dict)  # revealed entry's nullifier -> its lab


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
    """The entries' openings and partials are exactly those the ``round-revealed`` event's
    digest covers."""
    digest = round_digest({entry.leaf_index: (entry.opening, entry.partials) for entry in rnd.entries})
    if digest != logged.digest:
        raise CheckFailed(f"round {rnd.number}: the SHA-256 of the revealed entries' openings and "
                          "partials differs from the digest of its round-revealed event")


# Each entry's checks that need nothing but the entry (and the campaign's keys) run in worker
# processes (:mod:`crypto.parallel`); what depends on earlier entries (a repeated ``R``) and the
# counting stay in order here. A worker reports for each entry the first check that failed and
# at which stage, so that the first failure reported is the one a check in strict order would
# meet first.
OPENING, CIPHERTEXT, LATER, OK = "opening", "ciphertext", "later", "ok"  # before and after the R check
UNOPENED, MALFORMED, PAYLOAD = "unopened", "malformed", "payload"

EntryItem = tuple[EntryLeaf, Opening, bytes, bytes, dict[int, bytes], "bytes | None"]
"""``(the entry's leaf, its opening, ad, ciphertext, {j: partial}, published payload)``."""


@dataclass(frozen=True)
class CampaignKeys:
    """What every entry is checked against: ``Y``, every ``Y_j``, ``t``, the log id and the
    labs' token keys (SPKI DER)."""

    Y: bytes
    Yj: dict[int, bytes]
    t: int
    campaign_id: bytes
    lab_keys: Mapping[str, bytes]


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


def _entry_outcome(item: EntryItem, keys: CampaignKeys) -> tuple[str, str]:
    leaf, opening, ad, ciphertext, partials, payload = item
    try:
        check_opening(opening, leaf, keys.campaign_id, keys.lab_keys)
    except OpeningError as exc:
        return OPENING, str(exc)
    try:
        problem = _check_ciphertext(keys.Y, ad, ciphertext, leaf.ciphertext_sha256)
        if problem is not None:
            return CIPHERTEXT, problem
        shares = _check_partials(keys.Yj, keys.t, ciphertext[:32], ad, partials)
        if isinstance(shares, str):
            return LATER, shares
        return _check_payload(keys.Y, keys.t, ad, ciphertext, shares, payload)
    except CryptoError as exc:  # a malformed value no check above anticipated
        return LATER, str(exc)


def _entries_chunk(items: list[EntryItem], keys: CampaignKeys) -> list[tuple[str, str]]:
    return [_entry_outcome(item, keys) for item in items]


def _check_round_entries(record: Record, rnd: Round, facts: LogFacts, seen_R: dict[bytes, int],
                         found: RevealFacts, jobs: int | None) -> None:
    items: list[EntryItem] = []
    for entry in rnd.entries:
        leaf = facts.entries[entry.leaf_index]
        items.append((leaf, entry.opening, record.ctx + leaf.nullifier, entry.ciphertext,
                      entry.partials, entry.payload))
    keys = CampaignKeys(record.Y, dict(record.verification_keys), record.manifest.t, record.log_id,
                        dict(record.manifest.token_keys))
    with closing(parallel.map_chunks(_entries_chunk, items, keys, jobs=jobs)) as results:
        for start, outcomes in results:
            for offset, (stage, detail) in enumerate(outcomes):
                entry = rnd.entries[start + offset]
                where = f"round {rnd.number}, leaf {entry.leaf_index}"
                if stage in (OPENING, CIPHERTEXT):
                    raise CheckFailed(f"{where}: {detail}")
                R = entry.ciphertext[:32]
                if R in seen_R:
                    raise CheckFailed(f"{where}: the ciphertext's R repeats leaf {seen_R[R]}'s")
                seen_R[R] = entry.leaf_index
                if stage == LATER:
                    raise CheckFailed(f"{where}: {detail}")
                found.lab_of[items[start + offset][0].nullifier] = entry.opening.slug
                if detail == UNOPENED:
                    found.unopened += 1
                elif detail == MALFORMED:
                    found.malformed += 1
                else:
                    found.payloads += 1


def _check_labs(record: Record, rnd: Round, found: RevealFacts) -> None:
    """Per lab, the round reveals none or at least ``k`` entries; round 1's labs with at least
    ``min_per_lab`` revealed entries are exactly the record's ``labs_reached``."""
    labs = {entry.leaf_index: entry.opening.slug for entry in rnd.entries}
    try:
        rounds.check_revealed(rnd.number, labs, record.manifest.k)
    except rounds.RoundRuleError as exc:
        raise CheckFailed(str(exc)) from None
    counts = rounds.per_lab(labs.values())
    for slug, count in counts.items():
        found.by_lab[slug] = found.by_lab.get(slug, 0) + count
    if rnd.number != 1:
        return
    minimum = record.manifest.rule.min_per_lab
    reached = sorted(slug for slug, count in counts.items() if minimum and count >= minimum)
    for slug in record.labs_reached:
        if slug not in reached:
            raise CheckFailed(f"counts: labs_reached lists lab {slug!r}, but round 1 reveals "
                              f"{counts.get(slug, 0)} of its entries (min_per_lab = {minimum})")
    for slug in reached:
        if slug not in record.labs_reached:
            raise CheckFailed(f"counts: round 1 reveals {counts[slug]} entries of lab {slug!r} "
                              f"(min_per_lab = {minimum}), but labs_reached does not list it")


def check_revealed_rounds(record: Record, facts: LogFacts, state: Replay, *,
                          jobs: int | None = None) -> RevealFacts:
    """Every revealed round: its listing, its digest, then every entry (opening, ciphertext,
    partials, payload), in round and leaf order (the entries' checks are shared out among
    worker processes: ``jobs``, default the CPU count), then its labs."""
    found = RevealFacts()
    seen_R: dict[bytes, int] = {}
    for rnd, logged in zip(record.rounds, state.rounds, strict=True):
        if rnd.status == REVEALED:
            found.rounds_revealed += 1
            _check_listing(rnd, logged)
            _check_digest(rnd, logged)
            _check_round_entries(record, rnd, facts, seen_R, found, jobs)
            _check_labs(record, rnd, found)
    return found
