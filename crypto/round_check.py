"""Everything a trustee checks in a round package before decrypting anything (docs/protocol.md §10, §5).

:func:`check_board` recomputes ``Y`` and ``Y_j`` from the deals (never trusting a key from the
server) and ties the board to the transcript the trustee signed. :func:`check_round` checks the
tree head, the consistency with the previous head, the Merkle root, every leaf (tokens,
nullifiers, withdrawals), the threshold rule, and every ciphertext of the round; it returns
the entries to decrypt. Each failure is a :class:`~crypto.formats.errors.CheckFailed` naming the
leaf or dealer at fault.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from . import blindrsa, dkg, log_leaves, merkle, parallel, seal
from .errors import (
    CryptoError,
    EncodingError,
    InvalidProof,
    InvalidSignature,
    ItemFailed,
)
from .formats.errors import CheckFailed
from .formats.files import Manifest
from .formats.roundfile import RoundLeaf, RoundPackage


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
    withdrawn: list[int] = field(default_factory=list)  # entries of the round left sealed
    live_entries: int = 0  # non-withdrawn entries in the whole log
    labs_meeting: int = 0
    round_number: int = 0  # the round the package's round-frozen event freezes


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


def token_problem(
    leaf: log_leaves.EntryLeaf, keys: Mapping[str, rsa.RSAPublicKey], campaign_id: bytes
) -> str | None:
    """What is wrong with an entry's token, if anything (see :func:`check_token`)."""
    if leaf.lab not in keys:
        return f"lab {leaf.lab!r} is not an eligible lab of this campaign"
    try:
        token = blindrsa.verify_token(keys[leaf.lab], leaf.token_message, leaf.token_signature)
    except InvalidSignature:
        return f"the token signature does not verify under lab {leaf.lab}'s key"
    except EncodingError:
        return "the token message is malformed"
    if token.campaign_id != campaign_id:
        return "the token was issued for another campaign"
    if token.lab_slug != leaf.lab:
        return f"the token was issued for lab {token.lab_slug!r}, not {leaf.lab!r}"
    if blindrsa.nullifier(leaf.token_message) != leaf.nullifier:
        return "the nullifier is not the token's nullifier"
    return None


def check_token(
    i: int, leaf: log_leaves.EntryLeaf, keys: dict[str, rsa.RSAPublicKey], campaign_id: bytes
) -> None:
    """The entry's token: signed by its lab's key, for this campaign and lab, right nullifier."""
    problem = token_problem(leaf, keys, campaign_id)
    if problem is not None:
        raise CheckFailed(f"leaf {i}: {problem}")


@dataclass
class LogState:
    """The entries seen so far (by nullifier, with their leaf index) and which are withdrawn."""

    entries: dict[bytes, tuple[int, log_leaves.EntryLeaf]] = field(default_factory=dict)
    withdrawn: dict[bytes, int] = field(default_factory=dict)  # nullifier -> withdrawal leaf


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


def check_leaf(
    i: int, data: bytes, keys: dict[str, rsa.RSAPublicKey], campaign_id: bytes, state: LogState
) -> log_leaves.Leaf:
    """Parse leaf ``i`` and check it against the log before it (``state``), then add it.

    An entry: its token (:func:`check_token`) and a nullifier no earlier entry has. A
    withdrawal: :func:`check_withdrawal`. :func:`checked_leaves` does the same for a whole log.
    """
    try:
        leaf = log_leaves.parse_leaf(data)
    except EncodingError as exc:
        raise CheckFailed(f"leaf {i}: not a valid log leaf ({exc})") from exc
    if isinstance(leaf, log_leaves.WithdrawalLeaf):
        check_withdrawal(i, leaf, state)
        return leaf
    if isinstance(leaf, log_leaves.EventLeaf):
        return leaf  # its place in the lifecycle is crypto.lifecycle's to check
    check_token(i, leaf, keys, campaign_id)
    return _add_entry(i, leaf, state)


def _add_entry(i: int, leaf: log_leaves.EntryLeaf, state: LogState) -> log_leaves.EntryLeaf:
    if leaf.nullifier in state.entries:
        raise CheckFailed(f"leaf {i}: the nullifier repeats leaf "
                          f"{state.entries[leaf.nullifier][0]}")
    state.entries[leaf.nullifier] = (i, leaf)
    return leaf


_KEYS: dict[tuple[tuple[str, bytes], ...], dict[str, rsa.RSAPublicKey]] = {}


def _loaded_keys(ders: Mapping[str, bytes]) -> dict[str, rsa.RSAPublicKey]:
    """Token keys from their DER, loaded once per process (worker processes get the DER)."""
    cache_key = tuple(sorted(ders.items()))
    if cache_key not in _KEYS:
        _KEYS[cache_key] = {slug: blindrsa.load_public_key(der) for slug, der in ders.items()}
    return _KEYS[cache_key]


def _leaves_chunk(datas: Sequence[bytes], ders: Mapping[str, bytes], campaign_id: bytes
                  ) -> list[log_leaves.Leaf | str]:
    """Each leaf parsed and, for an entry, its token checked: the leaf, or what is wrong."""
    keys = _loaded_keys(ders)
    out: list[log_leaves.Leaf | str] = []
    for data in datas:
        try:
            leaf = log_leaves.parse_leaf(data)
        except EncodingError as exc:
            out.append(f"not a valid log leaf ({exc})")
            continue
        if isinstance(leaf, log_leaves.EntryLeaf):
            problem = token_problem(leaf, keys, campaign_id)
            if problem is not None:
                out.append(problem)
                continue
        out.append(leaf)
    return out


def checked_leaves(
    leaves: Sequence[bytes], manifest: Manifest, campaign_id: bytes, state: LogState, *,
    jobs: int | None = None,
) -> Iterator[tuple[int, log_leaves.Leaf]]:
    """:func:`check_leaf` of every leaf in order, yielding ``(index, leaf)``; stops with a
    :class:`CheckFailed` at the first failure.

    Parsing leaves and checking tokens needs nothing but the leaf, so it is spread over worker
    processes (:mod:`crypto.parallel`); the checks against the log before each leaf (unique
    nullifiers, withdrawals) stay here, in order. The first failure is the one :func:`check_leaf`
    would meet first. Shared by ``pledge-trustee decrypt`` and ``pledge-verify``, so both read
    a log the same way.
    """
    token_keys(manifest)  # refuse an unusable key here, before any worker loads it
    ders = dict(manifest.token_keys)
    with closing(parallel.map_chunks(_leaves_chunk, leaves, ders, campaign_id,
                                     jobs=jobs)) as results:
        for start, chunk in results:
            for offset, leaf in enumerate(chunk):
                i = start + offset
                if isinstance(leaf, str):
                    raise CheckFailed(f"leaf {i}: {leaf}")
                if isinstance(leaf, log_leaves.WithdrawalLeaf):
                    check_withdrawal(i, leaf, state)
                elif isinstance(leaf, log_leaves.EntryLeaf):
                    _add_entry(i, leaf, state)
                yield i, leaf


FrozenEvent = tuple[int, log_leaves.EventLeaf]


@dataclass
class _Events:
    """Where the package's events are: the last ``round-frozen`` event (the round this package
    is for) and the last entry or withdrawal."""

    frozen: FrozenEvent | None = None
    last_signed: int = -1


def _check_leaves(rnd: RoundPackage, jobs: int | None) -> tuple[LogState, _Events]:
    """Parse and check every leaf of the log in order, and which leaves carry a ciphertext; no
    entry or withdrawal may follow a deadline event (docs/protocol.md §8.3, §10.3)."""
    manifest = rnd.package.manifest
    state = LogState()
    events = _Events()
    deadline: int | None = None
    datas = [item.leaf for item in rnd.leaves]
    for i, leaf in checked_leaves(datas, manifest, manifest.campaign_id.encode("ascii"), state,
                                  jobs=jobs):
        if isinstance(leaf, log_leaves.EventLeaf):
            if leaf.event == "round-frozen":
                events.frozen = (i, leaf)
            if leaf.is_deadline_event and deadline is None:
                deadline = i
        else:
            if deadline is not None:
                raise CheckFailed(f"leaf {i}: an entry or withdrawal after the deadline event "
                                  f"at leaf {deadline}")
            events.last_signed = i
        ciphertext = rnd.leaves[i].ciphertext
        if not isinstance(leaf, log_leaves.EntryLeaf):
            if ciphertext is not None:
                raise CheckFailed(f"leaf {i}: only an entry may carry a ciphertext")
        elif i < rnd.start and ciphertext is not None:
            raise CheckFailed(f"leaf {i}: carries a ciphertext but belongs to an earlier round")
    if events.frozen is not None and events.last_signed > events.frozen[0]:
        raise CheckFailed(f"leaf {events.last_signed}: an entry or withdrawal after the "
                          f"round-frozen event at leaf {events.frozen[0]}")
    return state, events


def _check_frozen_event(rnd: RoundPackage, events: _Events, plan: RoundPlan) -> None:
    """The round is what its ``round-frozen`` event lists (docs/protocol.md §8, §10.1): the
    event is in the part of the log this head added to the previous round's head (and no entry
    or withdrawal follows it: :func:`_check_leaves`), and it lists exactly the live entries of
    that part, which are the entries to decrypt."""
    if events.frozen is None or events.frozen[0] < rnd.start:
        raise CheckFailed("round package: no round-frozen event after the previous round's head: "
                          "there is no round to decrypt at this head")
    index, event = events.frozen
    decrypting = [entry.leaf_index for entry in plan.to_decrypt]
    if list(event.leaves) != decrypting:
        differ = sorted(set(event.leaves) ^ set(decrypting))
        raise CheckFailed(f"round package: the round-frozen event at leaf {index} does not list "
                          f"exactly the live entries of round {event.round} (leaf {differ[0]} "
                          "differs); refusing to decrypt")
    plan.round_number = event.round


def _check_rule(manifest: Manifest, state: LogState, plan: RoundPlan) -> None:
    counts: dict[str, int] = {}
    for nullifier, (_, entry) in state.entries.items():
        if nullifier not in state.withdrawn:
            counts[entry.lab] = counts.get(entry.lab, 0) + 1
    plan.live_entries = sum(counts.values())
    rule = manifest.rule
    plan.labs_meeting = sum(1 for c in counts.values() if c >= rule.min_per_lab)
    if plan.live_entries < rule.min_total or plan.labs_meeting < rule.min_labs:
        raise CheckFailed(
            f"round package: the log at this head does not meet the threshold rule "
            f"({plan.live_entries} of {rule.min_total} entries; {plan.labs_meeting} of "
            f"{rule.min_labs} labs with {rule.min_per_lab} each); refusing to decrypt")


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


def check_round(rnd: RoundPackage, Y: bytes, *, jobs: int | None = None) -> RoundPlan:
    """Every check of docs/protocol.md §10 on a round package; returns the entries to decrypt.

    The first failure is reported, in the order of the checks and, within the ciphertexts, in
    leaf order; the ciphertexts' proofs are checked by worker processes (``jobs``, default
    the CPU count; see :mod:`crypto.parallel`).
    """
    _check_heads(rnd)
    _check_root(rnd)
    state, events = _check_leaves(rnd, jobs)
    plan = RoundPlan()
    _check_rule(rnd.package.manifest, state, plan)
    ctx = rnd.package.ctx
    seen_R: dict[bytes, int] = {}
    proofs: list[tuple[bytes, bytes]] = []
    early: CheckFailed | None = None  # the first failure found before checking any proof
    for nullifier, (i, entry) in state.entries.items():
        if i < rnd.start:
            continue
        item = rnd.leaves[i]
        try:
            if nullifier in state.withdrawn:
                if item.ciphertext is not None and \
                        hashlib.sha256(item.ciphertext).digest() != entry.ciphertext_sha256:
                    raise CheckFailed(f"leaf {i}: the ciphertext does not match the leaf's "
                                      "ciphertext_sha256")
                plan.withdrawn.append(i)
                continue
            ciphertext = _precheck_ciphertext(item, entry, seen_R)
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
    _check_frozen_event(rnd, events, plan)
    return plan
