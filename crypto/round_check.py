"""Everything a trustee checks in a round package before decrypting anything (docs/protocol.md
§10, §5, §8).

:func:`check_board` recomputes ``Y`` and ``Y_j`` from the deals (never trusting a key from the
server) and ties the board to the transcript the trustee signed. :func:`check_round` checks the
tree head, the consistency with the previous head, the Merkle root, every leaf (nullifiers,
withdrawals, events), the opening of every live entry (:func:`check_openings`: the commitment,
the token under its lab's key, the nullifier), the round both ways (:mod:`crypto.rounds`: round
1 was due at its head and lists, per lab, all or none; the deadline round lists, per lab, all
the entries no earlier round listed or none), and every ciphertext of the round; it returns the
entries to decrypt. Each failure is a :class:`~crypto.formats.errors.CheckFailed` naming the
leaf, lab or dealer at fault. :mod:`crypto.expiry_check` reads an expiry's log with the same
leaf and opening checks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from . import blindrsa, dkg, log_leaves, merkle, parallel, rounds, seal
from .errors import (
    CryptoError,
    EncodingError,
    InvalidProof,
    InvalidSignature,
    ItemFailed,
)
from .formats.counts import count
from .formats.errors import CheckFailed
from .formats.files import Manifest
from .formats.roundfile import RoundLeaf, RoundPackage
from .opening import Opening, OpeningError, check_opening


@dataclass(frozen=True)
class CampaignKeys:
    """``Y``, trustee j's ``Y_j`` and the transcript, all recomputed from the board."""

    transcript: bytes
    Y: bytes
    Yj: bytes


@dataclass(frozen=True)
class Entry:
    """An entry of the round that passed every check and will be decrypted."""

    leaf_index: int
    nullifier: bytes
    R: bytes


@dataclass
class RoundPlan:
    """What :func:`check_round` found."""

    to_decrypt: list[Entry] = field(default_factory=list)
    #: Live entries at the round's head by lab (from their openings): what the trustees learn
    #: and the public does not (docs/threat-model.md).
    live: dict[str, list[int]] = field(default_factory=dict)
    #: The entries the round could list, by lab (round 1: the live ones; the deadline round:
    #: the live ones no earlier round listed).
    candidates: dict[str, list[int]] = field(default_factory=dict)
    round_number: int = 0  # the round the package's round-frozen event freezes

    @property
    def live_entries(self) -> int:
        """Live entries at the head whose lab the trustee knows."""
        return sum(len(v) for v in self.live.values())


def check_board(rnd: RoundPackage, j: int, signed_transcript: bytes) -> CampaignKeys:
    """Check every deal's public proofs, recompute the transcript, ``Y`` and ``Y_j``."""
    ctx, manifest = rnd.package.ctx, rnd.package.manifest
    if rnd.board.ctx != ctx:
        raise CheckFailed("round package: the board is for another campaign (its ctx differs)")
    commitments = {}
    for i in range(1, manifest.n + 1):
        try:
            deal = rnd.board.deal(i)
            dkg.check_deal_public(ctx, manifest.t, manifest.n, deal, manifest.trustees[i].ed25519)
        except CryptoError as exc:
            raise CheckFailed(
                f"round package: the board's deal from trustee {i} fails: {exc}") from exc
        commitments[i] = deal.commitments
    transcript = dkg.transcript(ctx, commitments)
    if transcript != signed_transcript:
        raise CheckFailed("round package: the board is not the one whose transcript you signed")
    return CampaignKeys(transcript, dkg.group_key(commitments),
                        dkg.verification_key(commitments, j))


def _check_heads(rnd: RoundPackage) -> None:
    head = rnd.head
    if rnd.log_key != rnd.package.manifest.log_key:
        raise CheckFailed("round package: the log's public key is not the manifest's log_key")
    try:
        merkle.verify_tree_head(rnd.log_key, rnd.log_id, head.size, head.timestamp, head.root,
                                head.signature)
    except (InvalidSignature, EncodingError) as exc:
        raise CheckFailed("round package: the tree head signature does not verify under the "
                          "log's public key") from exc
    if len(rnd.leaves) != head.size:
        raise CheckFailed(f"round package: the head covers {head.size} leaves but the package "
                          f"holds {len(rnd.leaves)}")
    prev = rnd.previous
    if prev is None:
        return
    try:
        merkle.verify_tree_head(rnd.log_key, rnd.log_id, prev.size, prev.timestamp, prev.root,
                                prev.signature)
    except (InvalidSignature, EncodingError) as exc:
        raise CheckFailed(
            "round package: the previous tree head signature does not verify") from exc
    if prev.timestamp > head.timestamp:
        raise CheckFailed("round package: the previous head is newer than this head")
    try:
        merkle.verify_consistency(prev.size, head.size, prev.root, head.root, rnd.consistency_proof)
    except (InvalidProof, EncodingError) as exc:
        raise CheckFailed(f"round package: the consistency proof from the previous head (size "
                          f"{prev.size}) to this head (size {head.size}) does not verify") from exc


def _check_root(rnd: RoundPackage) -> None:
    computed = merkle.MerkleTree.from_leaves(leaf.leaf for leaf in rnd.leaves).root()
    if computed != rnd.head.root:
        raise CheckFailed(f"round package: the Merkle root of the {len(rnd.leaves)} leaves does "
                          "not match the signed tree head")


def token_keys(manifest: Manifest) -> dict[str, rsa.RSAPublicKey]:
    """Every eligible lab's RSA token key, loaded from the manifest: exactly the
    SubjectPublicKeyInfo DER of an RSA key (anything else, a PKCS#1 ``RSAPublicKey`` or PEM
    included, is refused)."""
    keys = {}
    for slug, der in manifest.token_keys.items():
        try:
            keys[slug] = blindrsa.load_public_key(der)
        except EncodingError as exc:
            raise CheckFailed(f"manifest: lab {slug}'s token public key is not valid") from exc
        if blindrsa.public_key_der(keys[slug]) != der:  # PEM and PKCS#1 RSAPublicKey load too
            raise CheckFailed(f"manifest: lab {slug}'s token public key is not the SPKI DER of "
                              "an RSA key (docs/protocol.md §3)")
    return keys


@dataclass
class LogState:
    """The entries seen so far (by nullifier, with their leaf index) and which are withdrawn."""

    entries: dict[bytes, tuple[int, log_leaves.EntryLeaf]] = field(default_factory=dict)
    withdrawn: dict[bytes, int] = field(default_factory=dict)  # nullifier -> withdrawal leaf

    def by_index(self) -> dict[int, log_leaves.EntryLeaf]:
        """Every entry by its leaf index."""
        return dict(self.entries.values())

    def live_indices(self) -> list[int]:
        """Leaf indices of the entries not withdrawn, in log order."""
        return sorted(i for nullifier, (i, _) in self.entries.items()
                      if nullifier not in self.withdrawn)

    def withdrawn_indices(self) -> dict[int, int]:
        """Withdrawn entries: entry leaf index -> withdrawal leaf index."""
        return {self.entries[nullifier][0]: w for nullifier, w in self.withdrawn.items()}


def check_withdrawal(i: int, leaf: log_leaves.WithdrawalLeaf, state: LogState) -> None:
    """A withdrawal names an earlier entry, withdraws it once, and is signed by its key."""
    if leaf.nullifier not in state.entries:
        raise CheckFailed(f"leaf {i}: withdraws a nullifier that no earlier entry has")
    k, entry = state.entries[leaf.nullifier]
    if leaf.nullifier in state.withdrawn:
        raise CheckFailed(f"leaf {i}: withdraws leaf {k} a second time (first at leaf "
                          f"{state.withdrawn[leaf.nullifier]})")
    try:
        log_leaves.verify_withdrawal(entry.withdrawal_key, leaf.nullifier, leaf.signature)
    except (InvalidSignature, EncodingError) as exc:
        raise CheckFailed(f"leaf {i}: the withdrawal signature does not verify under leaf {k}'s "
                          "withdrawal key") from exc
    state.withdrawn[leaf.nullifier] = i


def check_statement(i: int, leaf: log_leaves.StatementLeaf, state: LogState) -> None:
    """A statement names an earlier entry and is signed by that entry's withdrawal key
    (docs/protocol.md §7.2; when it may come is the replay's, §8.8)."""
    if leaf.nullifier not in state.entries:
        raise CheckFailed(f"leaf {i}: a statement for a nullifier that no earlier entry has")
    k, entry = state.entries[leaf.nullifier]
    try:
        log_leaves.verify_statement(entry.withdrawal_key, leaf)
    except (InvalidSignature, EncodingError) as exc:
        raise CheckFailed(f"leaf {i}: statement signature does not verify under the withdrawal key "
                          f"of leaf {k}") from exc


def _add_entry(i: int, leaf: log_leaves.EntryLeaf, state: LogState) -> log_leaves.EntryLeaf:
    if leaf.nullifier in state.entries:
        raise CheckFailed(f"leaf {i}: the nullifier repeats leaf "
                          f"{state.entries[leaf.nullifier][0]}")
    state.entries[leaf.nullifier] = (i, leaf)
    return leaf


def _leaves_chunk(datas: Sequence[bytes]) -> list[log_leaves.Leaf | str]:
    """Each leaf parsed: the leaf, or what is wrong."""
    out: list[log_leaves.Leaf | str] = []
    for data in datas:
        try:
            out.append(log_leaves.parse_leaf(data))
        except EncodingError as exc:
            out.append(f"not a valid log leaf ({exc})")
    return out


def checked_leaves(
    leaves: Sequence[bytes], manifest: Manifest, campaign_id: bytes, state: LogState, *,
    jobs: int | None = None,
) -> Iterator[tuple[int, log_leaves.Leaf]]:
    """Every leaf parsed and checked against the log before it, in order, yielding ``(index,
    leaf)``; stops with a :class:`CheckFailed` at the first failure: a leaf that does not parse,
    an entry whose nullifier repeats an earlier one, a withdrawal that names no earlier entry,
    withdraws one twice or is not signed by the entry's withdrawal key, a statement not signed
    by its entry's withdrawal key.

    An entry leaf carries no lab and no token (docs/protocol.md §7): its opening is checked
    apart, by :func:`check_openings`. The manifest's token keys are checked here all the same
    (:func:`token_keys`), so that an unusable key is refused before any work; ``campaign_id``
    is no longer read. Parsing is spread over worker processes (:mod:`crypto.parallel`); the
    checks against the log before each leaf stay here, in order. Shared by ``pledge-trustee``
    and ``pledge-verify``, so both read a log the same way.
    """
    del campaign_id  # the tokens it checked are in the openings now
    token_keys(manifest)
    with closing(parallel.map_chunks(_leaves_chunk, leaves, jobs=jobs)) as results:
        for start, chunk in results:
            for offset, leaf in enumerate(chunk):
                i = start + offset
                if isinstance(leaf, str):
                    raise CheckFailed(f"leaf {i}: {leaf}")
                if isinstance(leaf, log_leaves.WithdrawalLeaf):
                    check_withdrawal(i, leaf, state)
                elif isinstance(leaf, log_leaves.StatementLeaf):
                    check_statement(i, leaf, state)
                elif isinstance(leaf, log_leaves.EntryLeaf):
                    _add_entry(i, leaf, state)
                yield i, leaf


# --- openings -------------------------------------------------------------------------------

OpeningItem = tuple[int, log_leaves.EntryLeaf, Opening]


def _openings_chunk(items: Sequence[OpeningItem], ders: Mapping[str, bytes],
                    campaign_id: bytes) -> list[tuple[bool, str]]:
    """Each opening checked against its leaf: ``(True, lab)`` or ``(False, what is wrong)``."""
    out: list[tuple[bool, str]] = []
    for _, leaf, opening in items:
        try:
            out.append((True, check_opening(opening, leaf, campaign_id, ders)))
        except OpeningError as exc:
            out.append((False, str(exc)))
    return out


def check_openings(
    openings: Mapping[int, Opening], entries: Mapping[int, log_leaves.EntryLeaf],
    manifest: Manifest, *, jobs: int | None = None,
) -> dict[int, str]:
    """:func:`crypto.opening.check_opening` of every opening against its entry leaf (the
    commitment, the nullifier, the token's campaign and lab, the token signature under the lab's
    key from the manifest); returns each entry's lab by leaf index. The first failure in leaf
    order is a :class:`CheckFailed` naming the leaf. The RSA checks run in worker processes."""
    items: list[OpeningItem] = []
    for i in sorted(openings):
        if i not in entries:
            raise CheckFailed(f"leaf {i}: the package holds an opening for it, but it is not an "
                              "entry")
        items.append((i, entries[i], openings[i]))
    token_keys(manifest)
    ders = dict(manifest.token_keys)
    labs: dict[int, str] = {}
    with closing(parallel.map_chunks(_openings_chunk, items, ders, manifest.log_id,
                                     jobs=jobs)) as results:
        for start, chunk in results:
            for offset, (ok, text) in enumerate(chunk):
                i = items[start + offset][0]
                if not ok:
                    raise CheckFailed(f"leaf {i}: {text}")
                labs[i] = text
    return labs


def by_lab(indices: Sequence[int], labs: Mapping[int, str]) -> dict[str, list[int]]:
    """Leaf indices grouped by their lab, each list in leaf order, labs sorted."""
    grouped: dict[str, list[int]] = {}
    for i in sorted(indices):
        grouped.setdefault(labs[i], []).append(i)
    return dict(sorted(grouped.items()))


def round_rule(manifest: Manifest) -> rounds.Rule:
    """The manifest's threshold rule in the form :mod:`crypto.rounds` takes."""
    rule = manifest.rule
    return rounds.Rule(rule.min_total, rule.min_per_lab, rule.min_labs)


def describe_counts(manifest: Manifest, counts: Mapping[str, int]) -> str:
    """The rule's numbers at a head, and each lab's count: what a trustee is told."""
    rule = manifest.rule
    reached = rounds.labs_reached(round_rule(manifest), counts)
    labs = ", ".join(f"{manifest.lab_name(slug)} {counts[slug]}" for slug in sorted(counts)) or "none"
    return (f"{count(sum(counts.values()), 'live entry', 'live entries')} (min_total {rule.min_total}); "
            f"{count(len(reached), 'lab reaches', 'labs reach')} min_per_lab {rule.min_per_lab} "
            f"(min_labs {rule.min_labs}); by lab: {labs}")


# --- the round ------------------------------------------------------------------------------

FrozenEvent = tuple[int, log_leaves.EventLeaf]


@dataclass
class _Events:
    """Where the package's events are: every ``round-frozen`` event (the last is the round this
    package is for), the last entry or withdrawal, and whether round 1 is revealed."""

    frozen: list[FrozenEvent] = field(default_factory=list)
    last_signed: int = -1
    first_revealed: bool = False


def _check_leaves(rnd: RoundPackage, jobs: int | None) -> tuple[LogState, _Events]:
    """Parse and check every leaf of the log in order; only an entry may carry a ciphertext, no
    entry or withdrawal may follow a deadline event, and statements and condition leaves come
    only once round 1 is revealed (docs/protocol.md §8.3, §8.8, §10.3)."""
    manifest = rnd.package.manifest
    state = LogState()
    events = _Events()
    deadline: int | None = None
    datas = [item.leaf for item in rnd.leaves]
    for i, leaf in checked_leaves(datas, manifest, manifest.log_id, state, jobs=jobs):
        if isinstance(leaf, log_leaves.EventLeaf):
            if leaf.event == "round-frozen":
                if leaf.round != len(events.frozen) + 1:
                    raise CheckFailed(f"leaf {i}: round {leaf.round} frozen, but "
                                      f"{len(events.frozen)} round(s) froze before it")
                events.frozen.append((i, leaf))
            if leaf.event == "round-revealed" and leaf.round == 1:
                events.first_revealed = True
            if (leaf.is_deadline_event or leaf.event == "taken-down") and deadline is None:
                deadline = i
        elif isinstance(leaf, (log_leaves.StatementLeaf, log_leaves.ConditionLeaf)):
            if not events.first_revealed:
                kind = "a statement" if isinstance(leaf, log_leaves.StatementLeaf) else "a condition leaf"
                raise CheckFailed(f"leaf {i}: {kind} before round 1 is revealed")
        else:
            if deadline is not None:
                raise CheckFailed(f"leaf {i}: an entry or withdrawal after the deadline event "
                                  f"at leaf {deadline}")
            events.last_signed = i
        if not isinstance(leaf, log_leaves.EntryLeaf) and rnd.leaves[i].ciphertext is not None:
            raise CheckFailed(f"leaf {i}: only an entry may carry a ciphertext")
    if events.frozen and events.last_signed > events.frozen[-1][0]:
        raise CheckFailed(f"leaf {events.last_signed}: an entry or withdrawal after the "
                          f"round-frozen event at leaf {events.frozen[-1][0]}")
    return state, events


def _round_event(rnd: RoundPackage, events: _Events) -> FrozenEvent:
    """The round's ``round-frozen`` event: the last, in the part of the log this head added to
    the previous round's head (docs/protocol.md §8, §10.1)."""
    if not events.frozen or events.frozen[-1][0] < rnd.start:
        raise CheckFailed("round package: no round-frozen event after the previous round's head: "
                          "there is no round to decrypt at this head")
    return events.frozen[-1]


def _check_openings_present(rnd: RoundPackage, state: LogState, earlier: set[int]) -> list[int]:
    """The package holds an opening for every live entry no earlier round listed, and none for a
    withdrawn entry; returns the live entries (docs/trustee-files.md)."""
    withdrawn = state.withdrawn_indices()
    for i in sorted(rnd.openings):
        if i in withdrawn:
            raise CheckFailed(f"leaf {i}: the package holds an opening for this entry, but it is "
                              f"withdrawn (at leaf {withdrawn[i]})")
    live = state.live_indices()
    for i in live:
        if i not in earlier and i not in rnd.openings:
            raise CheckFailed(f"leaf {i}: the opening of this live entry is missing from the "
                              "package; refusing to decrypt")
    return live


def _check_selection(rnd: RoundPackage, event: FrozenEvent, plan: RoundPlan) -> None:
    """The round both ways (docs/protocol.md §8): round 1 was due at its head (the rule holds
    and some lab has ``k``); the event lists, per lab, every candidate if the lab has at least
    ``k`` of them, else none."""
    manifest = rnd.package.manifest
    index, leaf = event
    if leaf.round == 1:
        live = {slug: range(len(v)) for slug, v in plan.live.items()}
        if not rounds.round_one_due(round_rule(manifest), live, manifest.k):
            counts = {slug: len(v) for slug, v in plan.live.items()}
            raise CheckFailed(f"round package: round 1 was not due at this head (the threshold "
                              f"rule with k = {manifest.k}: {describe_counts(manifest, counts)}); "
                              "refusing to decrypt")
    try:
        rounds.check_selection(leaf.round, leaf.leaves, plan.candidates, manifest.k)
    except rounds.RoundRuleError as exc:
        raise CheckFailed(f"round package: the round-frozen event at leaf {index}: {exc}; "
                          "refusing to decrypt") from None


def _precheck_ciphertext(
    item: RoundLeaf, entry: log_leaves.EntryLeaf, seen_R: dict[bytes, int]
) -> bytes:
    """The checks of an entry's ciphertext before its proof: present, the leaf's, new ``R``.
    Returns the ciphertext, known present."""
    i = item.index
    if item.ciphertext is None:
        raise CheckFailed(f"leaf {i}: the ciphertext of this entry is missing")
    if hashlib.sha256(item.ciphertext).digest() != entry.ciphertext_sha256:
        raise CheckFailed(f"leaf {i}: the ciphertext does not match the leaf's ciphertext_sha256")
    R = item.ciphertext[:32]
    if R in seen_R:
        raise CheckFailed(f"leaf {i}: the ciphertext's R repeats leaf {seen_R[R]}")
    seen_R[R] = i
    return item.ciphertext


def _ciphertext_failure(i: int, error: CryptoError) -> CheckFailed:
    if isinstance(error, InvalidProof):
        return CheckFailed(f"leaf {i}: the ciphertext's proof does not verify")
    if isinstance(error, EncodingError):
        return CheckFailed(f"leaf {i}: the ciphertext is malformed ({error})")
    raise error


def _check_ciphertexts(rnd: RoundPackage, state: LogState, listed: Sequence[int], Y: bytes,
                       plan: RoundPlan, jobs: int | None) -> None:
    """Each entry the round lists has its ciphertext (the leaf's, a new ``R``, a valid proof);
    no other leaf carries one. The first failure in leaf order is reported."""
    entries = state.by_index()
    wanted = set(listed)
    for item in rnd.leaves:
        if item.ciphertext is not None and item.index not in wanted:
            raise CheckFailed(f"leaf {item.index}: carries a ciphertext, but round "
                              f"{plan.round_number} does not list it")
    ctx = rnd.package.ctx
    seen_R: dict[bytes, int] = {}
    proofs: list[tuple[bytes, bytes]] = []
    early: CheckFailed | None = None  # the first failure found before checking any proof
    for i in sorted(wanted):
        entry = entries[i]
        try:
            ciphertext = _precheck_ciphertext(rnd.leaves[i], entry, seen_R)
        except CheckFailed as exc:
            early = exc
            break
        plan.to_decrypt.append(Entry(i, entry.nullifier, ciphertext[:32]))
        proofs.append((ctx + entry.nullifier, ciphertext))
    try:
        seal.check_ciphertexts(Y, proofs, jobs=jobs)
    except ItemFailed as failed:
        raise _ciphertext_failure(plan.to_decrypt[failed.position].leaf_index,
                                  failed.error) from None
    if early is not None:
        raise early


def check_round(rnd: RoundPackage, Y: bytes, *, jobs: int | None = None) -> RoundPlan:
    """Every check of docs/protocol.md §10 on a round package; returns the entries to decrypt.

    In order: the heads and the root; every leaf; the round's ``round-frozen`` event; the
    openings (present for every live entry the round could list, each valid); the round both
    ways; the ciphertexts of the entries it lists. The first failure is reported, and within the
    openings and the ciphertexts the first in leaf order; the RSA checks and the ciphertexts'
    proofs run in worker processes (``jobs``, default the CPU count; see
    :mod:`crypto.parallel`).
    """
    _check_heads(rnd)
    _check_root(rnd)
    state, events = _check_leaves(rnd, jobs)
    event = _round_event(rnd, events)
    earlier = {i for _, leaf in events.frozen[:-1] for i in leaf.leaves}
    live = _check_openings_present(rnd, state, earlier)
    labs = check_openings(rnd.openings, state.by_index(), rnd.package.manifest, jobs=jobs)
    plan = RoundPlan(round_number=event[1].round)
    plan.live = by_lab([i for i in live if i in labs], labs)
    plan.candidates = by_lab([i for i in live if i not in earlier], labs)
    _check_selection(rnd, event, plan)
    _check_ciphertexts(rnd, state, event[1].leaves, Y, plan, jobs)
    return plan
