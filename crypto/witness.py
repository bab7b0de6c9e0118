"""A witness's check of a campaign log before it cosigns a head (docs/protocol.md §9).

A witness keeps one small state per campaign: the last head it cosigned. Shown a newer head,
it cosigns only if every one of these holds, in this order:

1. the head is signed by the manifest's ``log_key``;
2. the log is one log: the new head extends the cosigned one (same size means same root; a
   larger size needs a consistency proof that verifies), and every head the server lists is
   signed, strictly later than the one before it, and has the root of the leaves served;
3. every leaf parses (:func:`crypto.log_leaves.parse_leaf`); every withdrawal and every
   statement is signed by the withdrawal key of the entry with its nullifier (so a head that
   adds a forged "stopped" or "withholding" is never cosigned); and the lifecycle replays
   (:func:`crypto.lifecycle.replay`, condition leaves against the manifest's conditions and
   labs): no entry after the deadline event, no event out of place, no statement out of turn;
4. the head is fresh: its timestamp lies in ``[now - batch_interval - slack, now + slack]``.

Then it signs :func:`crypto.merkle.cosign_message` of the head and moves its state there.
Anything else raises :class:`WitnessRefusal`, whose ``reason`` names the failed check. A head
the witness has already cosigned is cosigned again (Ed25519 signatures are deterministic: the
same bytes), without the freshness check, so a lost upload can be repeated.

This module is pure: the caller fetches heads, leaves and proofs and keeps the state file.
The command-line witness (``pledge-witness``) and the web app's demo witness both call
:func:`check_and_cosign`.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from . import merkle
from .errors import CryptoError, EncodingError, InvalidProof, LifecycleError
from .formats.files import Manifest
from .lifecycle import Replay, replay
from .log_leaves import EntryLeaf, Leaf, StatementLeaf, WithdrawalLeaf, parse_leaf, verify_statement, verify_withdrawal

#: Why a witness refused, as :attr:`WitnessRefusal.reason` (the command line prints it first).
BAD_SIGNATURE = "bad-signature"
FORK = "fork"
ROLLBACK = "rollback"
MALFORMED = "malformed-leaf"
LIFECYCLE = "lifecycle"
STALE = "stale"
FUTURE = "future"
WRONG_LOG = "wrong-log"
INCOMPLETE = "incomplete"
LEAF_SIGNATURE = "bad-leaf-signature"


class WitnessRefusal(CryptoError):
    """The witness will not cosign; ``reason`` is one of this module's reason names."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(f"{reason}: {message}")
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class Head:
    """A signed tree head as the server lists it."""

    size: int
    timestamp: int
    root: bytes
    signature: bytes = b""
    #: ``(witness key, cosignature)`` pairs the server lists with the head.
    cosignatures: tuple[tuple[bytes, bytes], ...] = ()

    def same_head(self, other: Head) -> bool:
        """Same size, timestamp and root (signatures aside)."""
        return (self.size, self.timestamp) == (other.size, other.timestamp) and _same(self.root, other.root)


@dataclass(frozen=True)
class LifecycleSummary:
    """What the replay said at the cosigned head (kept in the state file, for people)."""

    batch: int
    deadline_event: bool
    outcome: str
    rounds: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class WitnessState:
    """The last head a witness cosigned for one campaign (size 0 and the empty root before the
    first), pinned to one manifest by ``ctx`` and to its log key."""

    campaign: str
    ctx: bytes
    log_key: bytes
    size: int = 0
    timestamp: int = 0
    root: bytes = merkle.EMPTY_ROOT
    lifecycle: LifecycleSummary = LifecycleSummary(0, False, "open")

    @property
    def head(self) -> Head:
        return Head(self.size, self.timestamp, self.root)


@dataclass(frozen=True)
class Cosigned:
    """A cosignature over ``head`` and the state to keep; ``new`` is False when the head was
    the one already cosigned."""

    head: Head
    cosignature: bytes
    state: WitnessState
    new: bool
    replay: Replay


def initial_state(manifest: Manifest, ctx: bytes) -> WitnessState:
    """The state of a witness that has cosigned nothing yet."""
    return WitnessState(manifest.campaign_id, bytes(ctx), manifest.log_key)


def _verify_head(manifest: Manifest, head: Head, what: str) -> None:
    try:
        merkle.verify_tree_head(manifest.log_key, manifest.log_id, head.size, head.timestamp, head.root,
                                head.signature)
    except CryptoError as exc:
        raise WitnessRefusal(BAD_SIGNATURE, f"{what} (size {head.size}) is not signed by the manifest's log key") from exc


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(bytes(a), bytes(b))


def _check_state_fits(state: WitnessState, manifest: Manifest, ctx: bytes) -> None:
    if state.campaign != manifest.campaign_id or not _same(state.ctx, ctx) or not _same(state.log_key, manifest.log_key):
        raise WitnessRefusal(WRONG_LOG, "the state file belongs to another campaign or manifest")


def _check_extends(state: WitnessState, latest: Head, proof: Sequence[bytes]) -> None:
    if latest.size < state.size:
        raise WitnessRefusal(ROLLBACK, f"the latest head has size {latest.size}, smaller than the size "
                                       f"{state.size} this witness already cosigned")
    if latest.size == state.size and not _same(latest.root, state.root):
        raise WitnessRefusal(FORK, f"two heads of size {latest.size} with different roots: "
                                   f"{state.root.hex()} (cosigned) and {latest.root.hex()} (shown now)")
    try:
        merkle.verify_consistency(state.size, latest.size, state.root, latest.root, list(proof))
    except (InvalidProof, EncodingError) as exc:
        raise WitnessRefusal(FORK, f"the head of size {latest.size} does not extend the cosigned head of size "
                                   f"{state.size}: the consistency proof fails") from exc


def _check_heads(manifest: Manifest, state: WitnessState, heads: Sequence[Head], latest: Head,
                 tree: merkle.MerkleTree) -> None:
    """Every listed head is signed, in order, of the served leaves, ends at ``latest`` and
    contains the cosigned head."""
    if not heads or not heads[-1].same_head(latest):
        raise WitnessRefusal(INCOMPLETE, "the head list does not end at the latest head")
    saw_state = state.size == 0 and state.timestamp == 0
    previous: Head | None = None
    for number, head in enumerate(heads, start=1):
        _verify_head(manifest, head, f"the head of batch {number}")
        if previous is not None and head.size < previous.size:
            raise WitnessRefusal(ROLLBACK, f"the head of batch {number} is smaller than the head before it")
        if head.size > tree.size:
            raise WitnessRefusal(INCOMPLETE, f"the head of batch {number} covers leaves the server did not send")
        if not _same(tree.root(head.size), head.root):
            raise WitnessRefusal(FORK, f"the head of batch {number} (size {head.size}) does not have the root of "
                                       "the leaves the server sent")
        _check_listed_cosignatures(manifest, head, number)
        saw_state = saw_state or head.same_head(state.head)
        previous = head
    if not saw_state:
        raise WitnessRefusal(FORK, f"the log no longer lists the head this witness cosigned (size {state.size}, "
                                   f"time {state.timestamp})")


def _check_listed_cosignatures(manifest: Manifest, head: Head, number: int) -> None:
    """A cosignature the server lists by a manifest witness must verify over the head it is
    listed with: one that does not was made over another head of that batch (a fork)."""
    for key, signature in head.cosignatures:
        name = manifest.witnesses.get(bytes(key))
        if name is None:
            continue  # not a witness of this campaign: it counts for nothing, so it proves nothing
        try:
            merkle.verify_cosignature(key, manifest.log_id, head.size, head.timestamp, head.root, signature)
        except CryptoError as exc:
            raise WitnessRefusal(FORK, f"{name}'s cosignature listed with the head of batch {number} (size {head.size}) "
                                       f"does not verify over it: {name} was shown another head") from exc


def _parse_leaves(leaves: Sequence[bytes]) -> list[Leaf]:
    parsed = []
    for index, data in enumerate(leaves):
        try:
            parsed.append(parse_leaf(data))
        except EncodingError as exc:
            raise WitnessRefusal(MALFORMED, f"leaf {index} is malformed: {exc}") from exc
    return parsed


def _check_leaf_signatures(parsed: Sequence[Leaf]) -> None:
    """Every withdrawal and every statement verifies under the withdrawal key of the earlier
    entry with its nullifier (docs/protocol.md §7.2)."""
    keys: dict[bytes, tuple[int, bytes]] = {}
    for index, leaf in enumerate(parsed):
        if isinstance(leaf, EntryLeaf):
            keys.setdefault(leaf.nullifier, (index, leaf.withdrawal_key))
        elif isinstance(leaf, (WithdrawalLeaf, StatementLeaf)):
            what = "withdrawal" if isinstance(leaf, WithdrawalLeaf) else "statement"
            if leaf.nullifier not in keys:
                raise WitnessRefusal(LIFECYCLE, f"leaf {index}: a {what} for a nullifier that no earlier entry has")
            entry, key = keys[leaf.nullifier]
            try:
                if isinstance(leaf, WithdrawalLeaf):
                    verify_withdrawal(key, leaf.nullifier, leaf.signature)
                else:
                    verify_statement(key, leaf)
            except CryptoError as exc:
                raise WitnessRefusal(LEAF_SIGNATURE, f"leaf {index}: {what} signature does not verify under the "
                                                     f"withdrawal key of leaf {entry}") from exc


def check_and_cosign(
    *,
    state: WitnessState,
    manifest: Manifest,
    ctx: bytes,
    latest: Head,
    heads: Sequence[Head],
    leaves: Sequence[bytes],
    proof: Sequence[bytes],
    now: int,
    slack: int,
    witness_seed: bytes,
) -> Cosigned:
    """Check the log up to ``latest`` and cosign it (see the module docstring for the checks).

    ``heads`` is every head the server lists, in batch order, ending with ``latest``;
    ``leaves`` are the raw leaves ``0 .. latest.size``; ``proof`` the consistency proof from
    ``state.size`` to ``latest.size``. ``now`` and ``slack`` are Unix seconds.
    Raises :class:`WitnessRefusal`.
    """
    _check_state_fits(state, manifest, ctx)
    _verify_head(manifest, latest, "the latest head")
    _check_extends(state, latest, proof)
    if len(leaves) != latest.size:
        raise WitnessRefusal(INCOMPLETE, f"the server sent {len(leaves)} leaves for a head of size {latest.size}")
    tree = merkle.MerkleTree.from_leaves(leaves)
    if not _same(tree.root(state.size), state.root):
        raise WitnessRefusal(FORK, f"the first {state.size} leaves the server sent do not have the root this "
                                   "witness cosigned")
    _check_heads(manifest, state, heads, latest, tree)
    parsed = _parse_leaves(leaves)
    try:
        replayed = replay(parsed, [(h.size, h.timestamp) for h in heads], deadline=manifest.deadline,
                          reveal_window=manifest.reveal_window,
                          conditions=len(manifest.raw.get("conditions", [])), labs=manifest.token_keys)
    except LifecycleError as exc:
        raise WitnessRefusal(LIFECYCLE, str(exc)) from exc
    _check_leaf_signatures(parsed)
    again = latest.same_head(state.head)
    if not again:
        earliest = now - manifest.batch_interval - slack
        if latest.timestamp < earliest:
            raise WitnessRefusal(STALE, f"the latest head is timestamped {latest.timestamp}, more than the batch "
                                        f"interval ({manifest.batch_interval} s) and {slack} s of slack before now ({now})")
        if latest.timestamp > now + slack:
            raise WitnessRefusal(FUTURE, f"the latest head is timestamped {latest.timestamp}, more than {slack} s "
                                         f"after now ({now})")
    cosignature = merkle.sign_cosignature(witness_seed, manifest.log_id, latest.size, latest.timestamp, latest.root)
    summary = LifecycleSummary(
        batch=replayed.batch, deadline_event=replayed.signing_ended, outcome=replayed.outcome,
        rounds=tuple((r.number, r.status) for r in replayed.rounds))
    new_state = WitnessState(state.campaign, state.ctx, state.log_key, latest.size, latest.timestamp,
                             bytes(latest.root), summary)
    return Cosigned(latest, cosignature, new_state, not again, replayed)
