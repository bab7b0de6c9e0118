"""Alembic environment for Pledge, run through Flask-Migrate (``flask --app pledge db ...``).

The app's engine and metadata are used as they are; SQLite gets batch mode so that columns and
constraints can be altered. Python logging is left alone (no ``fileConfig``), so running
migrations inside tests or the app never silences the app's loggers.
"""

from __future__ import annotations

from alembic import context
from flask import current_app

from pledge.models.base import UTCDateTime

config = context.config
migrate_ext = current_app.extensions["migrate"]
target_metadata = migrate_ext.db.metadata


def render_item(type_, obj, autogen_context):
    """Write our column type as the plain DateTime it stores, so migrations import no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _configure(**kwargs) -> None:
    options = {"render_as_batch": True, "compare_type": True, **migrate_ext.configure_args, **kwargs}
    context.configure(target_metadata=target_metadata, render_item=render_item, **options)


def run_offline() -> None:
    """Emit SQL without a connection (``flask db upgrade --sql``)."""
    _configure(url=str(migrate_ext.db.engine.url), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run against the app's database.

    On SQLite, foreign keys are off while migrating: batch mode rebuilds a table by copying it and
    dropping the old one, and with foreign keys on, that drop would delete (``ON DELETE CASCADE``)
    or block every row that refers to it. The pragma only takes effect outside a transaction, so
    it is set on the driver's connection before the migration's transaction begins; afterwards
    every reference is checked and foreign keys are turned back on.
    """
    with migrate_ext.db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _driver_pragma(connection, "PRAGMA foreign_keys = OFF")
        try:
            _configure(connection=connection)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
            if sqlite and connection.in_transaction():
                connection.commit()
        finally:
            if sqlite:
                _driver_pragma(connection, "PRAGMA foreign_keys = ON")


def _driver_pragma(connection, pragma: str) -> None:
    """Run ``pragma`` on the driver's connection, outside any transaction."""
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(pragma)
    finally:
        cursor.close()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
