"""Database engine settings that the ORM cannot express on its own.

Two backends: SQLite (the embedded default) and PostgreSQL (``DATABASE_URL``), with the same
guarantee on both: transactions that may write run one at a time, so every check-then-write step
(attempt counters, nullifier uniqueness, batch publication, round freezing, withdrawal against a
freeze) sees the state the previous writer committed. Reads never wait.

SQLite gets, on every connection: foreign keys on, WAL, a busy timeout,
and ``secure_delete`` so that deleted rows (ciphertexts of an expired campaign) are overwritten
rather than left readable in the file. Write transactions start with ``BEGIN IMMEDIATE``: in WAL
mode a deferred transaction that reads and then writes can fail at once with "database is
locked" when another writer committed in between, whatever the busy timeout.

PostgreSQL (READ COMMITTED) gets the same serialization from a transaction-scoped advisory lock
taken as a write transaction begins, shared by every process and machine using the database and
released at commit or rollback. Every statement then reads what earlier writers committed.
Deleted rows and the physical order of rows need their own care there too: see
:func:`compact_database`.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from flask import Flask, request
from sqlalchemy import event, literal_column
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from pledge.extensions import db

_write_intent: ContextVar[bool] = ContextVar("pledge_write_intent", default=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How long a write waits for the lock before failing: bursts queue rather than fail.
BUSY_TIMEOUT_MS = 30000
# The advisory lock key every PostgreSQL write transaction takes (any fixed 64-bit number; this
# one is the ASCII of "pledgeWL").
WRITE_LOCK_KEY = 0x706C65646765574C
# Tables whose rows are keyed by random values and whose physical order must not keep arrival
# order (PostgreSQL rebuilds them in key order after a published batch; see compact_database).
RANDOM_KEYED_TABLES = ("entries", "token_issuances", "spent_tokens")


def normalize_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings; drive them with psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@contextmanager
def write_intent() -> Iterator[None]:
    """Make the transactions begun inside this block take the write lock at once (SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def insert_if_absent(session: Session, model: type, **values: object) -> bool:
    """Insert a row unless its key is taken; True if this call inserted it.

    ``ON CONFLICT DO NOTHING`` on both backends: a duplicate is not an error (PostgreSQL would
    otherwise log the key), and ``RETURNING`` says whether the row is new (the driver's rowcount
    is not reliable for this statement under psycopg).
    """
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement: Executable = insert(model).values(**values).on_conflict_do_nothing().returning(literal_column("1"))
    return session.execute(statement).first() is not None


def changed_rows(session: Session, statement: Executable) -> int:
    """Run an ``UPDATE`` or ``DELETE`` and return how many rows it changed.

    The session returns a ``CursorResult`` for these statements, but types ``execute`` as a plain
    ``Result``, which has no ``rowcount``.
    """
    return cast("CursorResult[Any]", session.execute(statement)).rowcount


def _on_connect(dbapi_connection, _record) -> None:
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


def _on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")


def _on_begin_postgresql(connection) -> None:
    # psycopg has already opened the transaction; the lock lasts until it ends.
    if _write_intent.get():
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


def configure_engines(app: Flask) -> None:
    """Attach the backend's connection settings and the per-request write intent."""
    with app.app_context():
        engine: Engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _on_connect)
            event.listen(engine, "begin", _on_begin)
        elif engine.dialect.name == "postgresql":
            event.listen(engine, "begin", _on_begin_postgresql)

    @app.before_request
    def _mark_writes() -> None:
        # Requests that may change data take the write lock when their transaction begins.
        _write_intent.set(request.method not in SAFE_METHODS)

    @app.teardown_request
    def _clear_writes(_exc: BaseException | None) -> None:
        # Worker threads serve many requests: never carry the flag into the next one.
        _write_intent.set(False)


def purge_deleted_rows() -> None:
    """Make the bytes of deleted rows unreadable in the database's files, on either backend.

    SQLite: ``secure_delete`` overwrites deleted rows in the database file, but the pages that
    held them stay readable in ``-wal`` until a checkpoint rewrites it, so the WAL is folded into
    the file and truncated. PostgreSQL: each random-keyed table is ``VACUUM``-ed, which prunes
    deleted rows from its pages (see :func:`_vacuum_postgresql`). Called after deleting
    ciphertexts (withdrawal, expiry) and by every tick, so deleted data does not linger in a copy
    of the files. Best effort: a busy database is purged by the next tick.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        _vacuum_postgresql(engine, "VACUUM")
        return
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
    Best effort, like :func:`purge_deleted_rows`: a busy database is compacted by a later tick.

    PostgreSQL has the same property (a table's heap keeps rows in arrival order) and no
    ``secure_delete``: ``CLUSTER`` rewrites each random-keyed table into a new file in primary-key
    order, which also leaves the dead versions of deleted rows behind in the dropped file. It
    holds each table's lock for the rewrite (seconds at 100,000 entries), so a signature arriving
    meanwhile waits rather than fails.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql":
        _vacuum_postgresql(engine, "CLUSTER")
        return
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
    purge_deleted_rows()


def _vacuum_postgresql(engine: Engine, command: str) -> None:
    """``VACUUM`` or ``CLUSTER`` (by primary key) each random-keyed table, outside a transaction.

    ``VACUUM`` (after a withdrawal, and at every tick) prunes deleted rows from the tables' pages;
    PostgreSQL does not promise to overwrite their bytes, which the next ``CLUSTER`` drops.
    Waits at most a few seconds for a table's lock; a busy table is left to the next tick.
    """
    import psycopg

    connection = engine.raw_connection()
    driver = connection.driver_connection
    try:
        if driver is None:  # only a closed or invalidated connection has none
            raise RuntimeError("the pooled connection has no driver connection")
        driver.autocommit = True
        with driver.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")
            for table in RANDOM_KEYED_TABLES:
                try:
                    if command == "CLUSTER":
                        cursor.execute(
                            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'p'",
                            (table,),
                        )
                        row = cursor.fetchone()
                        if row is None:
                            continue
                        cursor.execute(f'CLUSTER "{table}" USING "{row[0]}"')
                    else:
                        cursor.execute(f'VACUUM "{table}"')
                except psycopg.Error as error:
                    # Busy (the lock timeout) or failed: best effort, the next tick tries again.
                    # The type only: a server message can quote values.
                    logging.getLogger(__name__).warning("%s %s skipped (%s)", command, table, type(error).__name__)
            cursor.execute("RESET lock_timeout")
        # Never hand a connection in autocommit mode back to the pool: its write transactions
        # would release the write lock after their first statement.
        driver.autocommit = False
    except BaseException:
        connection.invalidate()
        raise
    finally:
        connection.close()
