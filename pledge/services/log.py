"""A campaign's public log: its signed tree heads, its published leaves, and proofs over them.

Every service that reads the log (receipts, batch publication, reveal rounds, expiry) reads it
here, so "the latest head" and "the leaves in log order" mean one thing everywhere.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crypto import merkle
from crypto.lifecycle import Replay, replay
from crypto.log_leaves import parse_leaf
from pledge.models import Campaign, LogLeaf, TreeHead


def latest_head(session: Session, campaign: Campaign) -> TreeHead | None:
    """The campaign's newest signed tree head."""
    return session.scalar(
        select(TreeHead).where(TreeHead.campaign_id == campaign.id).order_by(TreeHead.batch.desc()).limit(1)
    )


def leaf_hashes(session: Session, campaign: Campaign) -> list[bytes]:
    """Every published leaf hash in log order."""
    return list(session.scalars(
        select(LogLeaf.leaf_hash).where(LogLeaf.campaign_id == campaign.id).order_by(LogLeaf.leaf_index)
    ))


def inclusion_proof(session: Session, campaign: Campaign, index: int, size: int) -> list[bytes]:
    """The proof that leaf ``index`` is in the tree of the first ``size`` leaves."""
    return merkle.MerkleTree(leaf_hashes(session, campaign)[:size]).inclusion_proof(index, size)


def consistency_proof(session: Session, campaign: Campaign, old_size: int, size: int) -> list[bytes]:
    """The proof that the tree of ``old_size`` leaves is a prefix of the tree of ``size``."""
    return merkle.MerkleTree(leaf_hashes(session, campaign)[:size]).consistency_proof(old_size, size)


def cosignatures_by_batch(session: Session, campaign: Campaign) -> dict[int, dict[bytes, bytes]]:
    """Witness cosignatures of each head, ``{batch: {witness Ed25519 key: signature}}``
    (docs/protocol.md §9); the witnessing service keeps them."""
    from pledge.services import witnessing  # witnessing reads the log through this module

    return witnessing.cosignatures_by_batch(session, campaign)


def published_lifecycle(session: Session, campaign: Campaign) -> Replay:
    """The campaign's lifecycle as its published log tells it (docs/protocol.md §8): every leaf
    and head replayed through :func:`crypto.lifecycle.replay`, so what the server reports about
    rounds and outcome can never disagree with the log. Raises
    :class:`crypto.errors.LifecycleError` if the log breaks the lifecycle."""
    leaves = [parse_leaf(leaf) for leaf in session.scalars(
        select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign.id).order_by(LogLeaf.leaf_index))]
    heads = session.execute(select(TreeHead.size, TreeHead.timestamp).where(TreeHead.campaign_id == campaign.id)
                            .order_by(TreeHead.batch)).all()
    return replay(leaves, [(size, timestamp) for size, timestamp in heads],
                  deadline=int(campaign.deadline.timestamp()), reveal_window=campaign.reveal_window_seconds)
