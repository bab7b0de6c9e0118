"""What a trustee checks at an expiry before confirming that its share is destroyed
(docs/protocol.md §8; docs/trustee-files.md, the openings package).

At the deadline without a round 1 the campaign expires and nothing is ever revealed. The public
cannot tell whether round 1 was owed (it sees no lab), so the trustees check it from the
openings of every entry, withdrawn ones included: :func:`check_expiry` checks every signed head
and the whole log, replays the lifecycle, checks every opening, then replays the heads in order
and refuses, naming the head and the labs, if round 1 was due at any head published before the
deadline event. Each failure is a :class:`~crypto.formats.errors.CheckFailed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import lifecycle, merkle, rounds
from .errors import EncodingError, InvalidSignature, LifecycleError
from .formats.errors import CheckFailed
from .formats.files import Manifest
from .formats.roundfile import OpeningsPackage
from .log_leaves import EntryLeaf, Leaf, WithdrawalLeaf
from .round_check import LogState, check_openings, checked_leaves, describe_counts, round_rule


@dataclass
class ExpiryPlan:
    """What :func:`check_expiry` found."""

    heads: int = 0  # signed heads checked
    heads_before_deadline: int = 0  # heads published before the deadline event's batch
    entries: int = 0
    withdrawn: int = 0
    #: Live entries by lab at the last head before the deadline event: what the trustees learn.
    counts: dict[str, int] = field(default_factory=dict)


def _check_heads(pkg: OpeningsPackage) -> None:
    """Every head: signed by the manifest's log key, its root that of the leaves up to its
    size; the latest covers every leaf."""
    manifest = pkg.package.manifest
    if pkg.log_key != manifest.log_key:
        raise CheckFailed("openings package: the log's public key is not the manifest's log_key")
    if pkg.log_id != manifest.log_id:
        raise CheckFailed("openings package: the log id is not the ASCII of the manifest's id")
    if not pkg.heads:
        raise CheckFailed("openings package: it holds no signed head")
    tree = merkle.MerkleTree.from_leaves(pkg.leaves)
    for batch, head in enumerate(pkg.heads, start=1):
        where = f"openings package: the head of batch {batch} (size {head.size})"
        try:
            merkle.verify_tree_head(pkg.log_key, pkg.log_id, head.size, head.timestamp, head.root,
                                    head.signature)
        except (InvalidSignature, EncodingError) as exc:
            raise CheckFailed(f"{where}: its signature does not verify under the log's key") from exc
        if head.size > tree.size or tree.root(head.size) != head.root:
            raise CheckFailed(f"{where}: its root is not the Merkle root of the package's leaves")
    if pkg.heads[-1].size != len(pkg.leaves):
        raise CheckFailed(f"openings package: it holds {len(pkg.leaves)} leaves, but its latest "
                          f"head covers {pkg.heads[-1].size}")


def _replay(pkg: OpeningsPackage, leaves: list[Leaf]) -> lifecycle.Replay:
    """The lifecycle from the log, which must end in an expiry."""
    manifest = pkg.package.manifest
    try:
        state = lifecycle.replay(leaves, [(h.size, h.timestamp) for h in pkg.heads],
                                 deadline=manifest.deadline, reveal_window=manifest.reveal_window,
                                 conditions=len(manifest.raw.get("conditions", [])), labs=manifest.token_keys)
    except LifecycleError as exc:
        raise CheckFailed(f"openings package: {exc}") from None
    if state.ended != lifecycle.EXPIRED or state.deadline_event is None:
        raise CheckFailed("openings package: the log does not end in an expired event: this "
                          "campaign did not expire (use the ceremony package for a closed "
                          "campaign)")
    return state


def _owed_at(manifest: Manifest, counts: Mapping[str, int]) -> bool:
    live = {slug: range(count) for slug, count in counts.items()}
    return rounds.round_one_due(round_rule(manifest), live, manifest.k)


def _replay_heads(pkg: OpeningsPackage, leaves: list[Leaf], labs: Mapping[int, str],
                  deadline_event: int, plan: ExpiryPlan) -> None:
    """Live entries by lab at each head before the deadline event's batch; refuse at the first
    head where round 1 was due."""
    manifest = pkg.package.manifest
    counts: dict[str, int] = {}
    entry_at: dict[bytes, int] = {}
    done = 0
    for batch, head in enumerate(pkg.heads, start=1):
        if head.size > deadline_event:
            break
        for i in range(done, head.size):
            leaf = leaves[i]
            if isinstance(leaf, EntryLeaf):
                entry_at[leaf.nullifier] = i
                counts[labs[i]] = counts.get(labs[i], 0) + 1
            elif isinstance(leaf, WithdrawalLeaf):
                counts[labs[entry_at[leaf.nullifier]]] -= 1
        done = head.size
        plan.heads_before_deadline = batch
        plan.counts = {slug: count for slug, count in sorted(counts.items()) if count}
        if _owed_at(manifest, counts):
            due = rounds.labs_reached(round_rule(manifest), counts)
            raise CheckFailed(
                f"openings package: the threshold rule held at the head of batch {batch} (size "
                f"{head.size}) with k = {manifest.k}: labs {', '.join(due)} reached "
                f"min_per_lab ({describe_counts(manifest, counts)}); round 1 was owed, so this "
                "campaign should not have expired; refusing to confirm")


def check_expiry(pkg: OpeningsPackage, *, jobs: int | None = None) -> ExpiryPlan:
    """Every check of an openings package (docs/trustee-files.md): heads and root, every leaf,
    the lifecycle (it ends expired), the opening of every entry (withdrawn ones included), and
    that round 1 was due at no head published before the deadline event."""
    _check_heads(pkg)
    manifest = pkg.package.manifest
    state = LogState()
    leaves = [leaf for _, leaf in checked_leaves(pkg.leaves, manifest, manifest.log_id, state,
                                                 jobs=jobs)]
    replayed = _replay(pkg, leaves)
    entries = state.by_index()
    for i in sorted(entries):
        if i not in pkg.openings:
            raise CheckFailed(f"leaf {i}: the opening of this entry is missing from the package; "
                              "refusing to confirm")
    labs = check_openings(pkg.openings, entries, manifest, jobs=jobs)
    plan = ExpiryPlan(heads=len(pkg.heads), entries=len(entries), withdrawn=len(state.withdrawn))
    _replay_heads(pkg, leaves, labs, replayed.deadline_event or 0, plan)
    return plan
