"""Database engine settings that the ORM cannot express on its own.

SQLite (the embedded default) gets, on every connection: foreign keys on, WAL, a busy timeout,
and ``secure_delete`` so that deleted rows (ciphertexts of an expired campaign) are overwritten
rather than left readable in the file. Write transactions start with ``BEGIN IMMEDIATE``: in WAL
mode a deferred transaction that reads and then writes can fail at once with "database is
locked" when another writer committed in between, whatever the busy timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from pledge.extensions import db

_write_intent: ContextVar[bool] = ContextVar("pledge_write_intent", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a write waits for the lock before failing: bursts queue rather than fail.
BUSY_TIMEOUT_MS = 30000


@contextmanager
def write_intent() -> Iterator[None]:
    """Make the transactions begun inside this block take the write lock at once (SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
    # The driver's own transaction handling is turned off; _on_begin emits BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "PRAGMA foreign_keys = ON",
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
        "PRAGMA secure_delete = ON",
    ):
        cursor.execute(pragma)
    cursor.close()


def _on_begin(connection) -> None:  # noqa: ANN001
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def configure_engines(app: Flask) -> None:
    """Attach the SQLite connection settings and the per-request write intent."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _on_begin)

    @app.before_request
    def _mark_writes() -> None:
        # Requests that may change data take the write lock when their transaction begins.
        _write_intent.set(request.method not in SAFE_METHODS)

    @app.teardown_request
    def _clear_writes(_exc: BaseException | None) -> None:
        # Worker threads serve many requests: never carry the flag into the next one.
        _write_intent.set(False)


def scrub_wal() -> None:
    """Fold the WAL into the database file and truncate it (SQLite only).

    ``secure_delete`` overwrites deleted rows in the database file, but the pages that held them
    stay readable in ``-wal`` until a checkpoint rewrites it. Called after deleting ciphertexts
    (withdrawal, expiry) and by every tick, so deleted data does not linger in a copy of the
    files. Best effort: a checkpoint blocked by a reader is retried by the next tick.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    # Outside any transaction (a checkpoint cannot run inside one): the raw driver connection,
    # which is in autocommit mode (see _on_connect).
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        # Never hold up a request behind a long reader: wait briefly, else leave it to the next tick.
        cursor.execute("PRAGMA busy_timeout = 250")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.close()
    except sqlite3.OperationalError:
        pass  # busy: the next tick checkpoints again
    finally:
        connection.close()


def compact_database() -> None:
    """Rebuild the SQLite file (``VACUUM``) so rows sit in the order of their random keys.

    SQLite appends a row's overflow pages to the file as it arrives, so the file itself would
    record the order in which people signed. After each published batch, ``tick`` rebuilds the
    file, which lays every table out in key order (random ids, nullifiers, tags); then the WAL is
    truncated. Entries that arrive between two ticks stay in arrival order until the next one.
    Best effort, like :func:`scrub_wal`: a busy database is compacted by a later tick.
    """
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 2000")
        try:
            cursor.execute("VACUUM")
        except sqlite3.OperationalError:
            pass  # busy: the next tick compacts
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        connection.close()
    scrub_wal()
