"""The database under test: SQLite files by default, or a throwaway PostgreSQL cluster.

``make test`` runs the suite twice: once on SQLite, once under ``.ci/with-postgres``, which
starts a cluster and sets ``PLEDGE_TEST_DATABASE_URL`` (a superuser on its ``postgres``
database). On PostgreSQL the migrations run once into a template database and each test gets a
fresh ``CREATE DATABASE ... TEMPLATE`` copy, the counterpart of copying the migrated SQLite file.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

SERVER_URL = os.environ.get("PLEDGE_TEST_DATABASE_URL", "")
BACKEND = "postgresql" if SERVER_URL else "sqlite"
PG_DATA = os.environ.get("PLEDGE_TEST_PG_DATA", "")

#: Tests of SQLite's own files (its -wal, its pages, its pragmas); their PostgreSQL counterparts
#: are separate tests marked ``postgresql_only``.
sqlite_only = pytest.mark.sqlite_only
postgresql_only = pytest.mark.postgresql_only


def _server_engine():
    # Autocommit: CREATE/DROP DATABASE cannot run inside a transaction.
    return create_engine(SERVER_URL, isolation_level="AUTOCOMMIT", poolclass=None)


def database_url(name: str) -> str:
    """The URL of database ``name`` on the test cluster."""
    return make_url(SERVER_URL).set(database=name).render_as_string(hide_password=False)


def create_database(name: str, template: str | None = None) -> str:
    """Create database ``name`` (optionally as a copy of ``template``); return its URL."""
    engine = _server_engine()
    try:
        with engine.connect() as connection:
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    finally:
        engine.dispose()
    return database_url(name)


def drop_database(url: str) -> None:
    """Drop the database at ``url``, closing any connection still open to it."""
    name = make_url(url).database
    engine = _server_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def instance_database(instance: Path) -> str:
    """The database provisioned for an instance folder (its SQLite file by default)."""
    marker = Path(instance) / "database-url"
    return marker.read_text() if marker.exists() else f"sqlite:///{Path(instance) / 'pledge.sqlite3'}"


class Template:
    """A migrated database to copy: a SQLite file, or a PostgreSQL template database."""

    def __init__(self, sqlite_file: Path | None = None, pg_name: str | None = None) -> None:
        self.sqlite_file = sqlite_file
        self.pg_name = pg_name

    def provision(self, instance: Path) -> str:
        """A fresh copy for one test's instance folder; returns its SQLAlchemy URL."""
        if BACKEND == "postgresql":
            target = instance / "database-url"
            if target.exists():
                return target.read_text()
            url = create_database(f"t_{secrets.token_hex(6)}", template=self.pg_name)
            target.write_text(url)
            return url
        target = instance / "pledge.sqlite3"
        if not target.exists():
            shutil.copyfile(self.sqlite_file, target)
        return f"sqlite:///{target}"

    def release(self, instance: Path) -> None:
        """Drop the copy made for ``instance`` (PostgreSQL; SQLite files go with tmp_path)."""
        marker = instance / "database-url"
        if BACKEND == "postgresql" and marker.exists():
            drop_database(marker.read_text())
            marker.unlink()


def stored_bytes(app, *, wal: bool = True) -> bytes:
    """Every byte the database keeps on disk for this app, as a reader of its files sees them.

    SQLite: the database file and (``wal``) its ``-wal``. PostgreSQL: after a ``CHECKPOINT`` (so
    pages in memory reach the files), this database's files and, with ``wal``, the cluster's
    write-ahead log and the server's log. The cluster is shared by the run's tests: look there
    only for values unique to the test.
    """

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if BACKEND == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        paths = (path, path.with_name(path.name + "-wal")) if wal else (path,)
        return b"".join(p.read_bytes() for p in paths if p.exists())
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            oid = connection.scalar(text("SELECT oid FROM pg_database WHERE datname = current_database()"))
    finally:
        engine.dispose()
    data = Path(PG_DATA)
    files = [p for p in (data / "base" / str(oid)).iterdir() if p.is_file()]
    if wal:
        files += [p for p in (data / "pg_wal").iterdir() if p.is_file()]
        files.append(data.parent / "server.log")
    return b"".join(p.read_bytes() for p in files if p.exists())


def snapshot(app, folder: Path):
    """Save the app's database as it is now; return a function that puts it back.

    The app's engine is disposed first (and by each restore): no connection may hold the
    database while it is copied.
    """
    from pledge.extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()
    if BACKEND == "postgresql":
        name = make_url(url).database
        saved = f"{name}_snap"
        create_database(saved, template=name)

        def restore_postgresql() -> None:
            db.session.remove()
            db.engine.dispose()
            drop_database(url)
            create_database(name, template=saved)

        return restore_postgresql

    import sqlite3

    database = Path(url.removeprefix("sqlite:///"))
    connection = sqlite3.connect(database)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    saved_file = folder / "snapshot.sqlite3"
    shutil.copyfile(database, saved_file)

    def restore_sqlite() -> None:
        db.session.remove()
        db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(saved_file, database)

    return restore_sqlite
