"""The floor of publishing a batch: ``python -m bench.tick_floor DATABASE CAMPAIGN_ID``.

The irreducible work of ``flask --app pledge tick`` on a campaign with pending entries, in plain
``sqlite3`` and ``hashlib`` on a copy of the same database, with Pledge's connection settings
(WAL, ``synchronous = NORMAL``, ``secure_delete``, ``BEGIN IMMEDIATE``): read the pending leaves,
shuffle them, hash them into an RFC 9162 tree, insert the log leaves, number the entries, store
a signed head, commit, then ``VACUUM`` and truncate the WAL as the tick command does. No ORM, no
app, no checks. Prints how many leaves it published. (The root covers the batch alone: the
benchmark publishes into an empty log, where that is the whole tree.)
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import sys
import time

from nacl.signing import SigningKey


def _root(hashes: list[bytes]) -> bytes:
    """MTH (RFC 9162), bottom-up: an odd node is carried up unchanged."""
    level = hashes
    while len(level) > 1:
        paired = [hashlib.sha256(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0] if level else hashlib.sha256(b"").digest()


def publish(path: str, campaign_id: int) -> int:
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                   "PRAGMA busy_timeout = 30000", "PRAGMA secure_delete = ON"):
        connection.execute(pragma)
    connection.execute("BEGIN IMMEDIATE")
    pending = connection.execute(
        "SELECT entry_id, leaf FROM entries WHERE campaign_id = ? AND leaf_index IS NULL", (campaign_id,)).fetchall()
    secrets.SystemRandom().shuffle(pending)
    start = connection.execute("SELECT count(*) FROM log_leaves WHERE campaign_id = ?", (campaign_id,)).fetchone()[0]
    batch = connection.execute("SELECT coalesce(max(batch), 0) + 1 FROM tree_heads WHERE campaign_id = ?",
                               (campaign_id,)).fetchone()[0]
    hashes = [hashlib.sha256(b"\x00" + leaf).digest() for _, leaf in pending]
    connection.executemany(
        "INSERT INTO log_leaves (campaign_id, leaf_index, leaf, leaf_hash, batch) VALUES (?, ?, ?, ?, ?)",
        [(campaign_id, start + i, leaf, hashes[i], batch) for i, (_, leaf) in enumerate(pending)])
    connection.executemany("UPDATE entries SET leaf_index = ? WHERE campaign_id = ? AND entry_id = ?",
                           [(start + i, campaign_id, entry_id) for i, (entry_id, _) in enumerate(pending)])
    root = _root(hashes)
    timestamp = int(time.time())
    signature = SigningKey(secrets.token_bytes(32)).sign(root + timestamp.to_bytes(8, "little")).signature
    connection.execute("INSERT INTO tree_heads (campaign_id, batch, size, timestamp, root, signature) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (campaign_id, batch, start + len(pending), timestamp, root, signature))
    connection.execute("COMMIT")
    connection.execute("VACUUM")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return len(pending)


if __name__ == "__main__":
    print(publish(sys.argv[1], int(sys.argv[2])))
