"""The lifecycle a campaign's published log tells, read as an outsider reads it: the leaves and
heads (from the database, or from an exported record), replayed through
:func:`crypto.lifecycle.replay`, which refuses any log that breaks the lifecycle."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select

from crypto import merkle
from crypto.lifecycle import Replay, replay
from crypto.log_leaves import parse_leaf
from pledge.extensions import db
from pledge.models import LogLeaf, TreeHead


def _events(leaves: list[bytes], heads: list[tuple[int, int]]) -> list[list[dict]]:
    out, start = [], 0
    for size, _ in heads:
        out.append([json.loads(leaf) for leaf in leaves[start:size] if json.loads(leaf)["kind"] == "event"])
        start = size
    return out


def published(campaign_id: int) -> tuple[list[bytes], list[tuple[int, int]]]:
    """Every published leaf and every head's ``(size, timestamp)``, in order."""
    db.session.rollback()
    leaves = list(db.session.scalars(select(LogLeaf.leaf).where(LogLeaf.campaign_id == campaign_id)
                                     .order_by(LogLeaf.leaf_index)))
    heads = [(size, ts) for size, ts in db.session.execute(
        select(TreeHead.size, TreeHead.timestamp).where(TreeHead.campaign_id == campaign_id).order_by(TreeHead.batch))]
    return leaves, heads


def events_by_batch(campaign_id: int) -> list[list[dict]]:
    """The event leaves of each batch, batch by batch (an empty list for a batch without any)."""
    return _events(*published(campaign_id))


def event_names(campaign_id: int) -> list[list[str]]:
    """Each batch's event names, with a round number where the event has one."""
    return [[f"{e['event']} {e['round']}" if "round" in e else e["event"] for e in batch]
            for batch in events_by_batch(campaign_id)]


def replayed(campaign_id: int, deadline: datetime, reveal_window: int) -> Replay:
    """The published log through :func:`crypto.lifecycle.replay` (it raises if the log breaks
    the lifecycle)."""
    leaves, heads = published(campaign_id)
    return replay([parse_leaf(leaf) for leaf in leaves], heads, deadline=int(deadline.timestamp()),
                  reveal_window=reveal_window)


def replayed_record(record: dict) -> Replay:
    """An exported record's log, replayed; each head's root and signature are checked (under the
    manifest's log key) on the way."""
    manifest, log = record["manifest"], record["log"]
    leaves = [bytes.fromhex(leaf) for leaf in log["leaves"]]
    key, log_id = bytes.fromhex(manifest["log_key"]), bytes.fromhex(log["id"])
    for head in log["heads"]:
        root = merkle.MerkleTree.from_leaves(leaves[: head["size"]]).root()
        assert root.hex() == head["root"]
        merkle.verify_tree_head(key, log_id, head["size"], head["timestamp"], root, bytes.fromhex(head["signature"]))
    deadline = int(datetime.strptime(manifest["deadline"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())
    return replay([parse_leaf(leaf) for leaf in leaves], [(h["size"], h["timestamp"]) for h in log["heads"]],
                  deadline=deadline, reveal_window=manifest["reveal_window"])
