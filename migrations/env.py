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
    """Run against the app's database."""
    with migrate_ext.db.engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
