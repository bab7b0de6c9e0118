"""Time passing for the application, as cron's ``flask --app pledge tick`` makes it pass.

``publish_due`` publishes the batches due some hours from now (the part of the tick most tests
need); ``tick_at`` runs the whole tick at a given moment; ``cron_environment`` is what a tick
process on another machine would have. Every test that moves time forward goes through here.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta

from pledge.config import SECRET_NAMES
from pledge.database import write_intent
from pledge.extensions import db
from pledge.models import utcnow
from pledge.services import batches
from pledge.services.tick import run_tick


def publish_due(app, hours: float = 1) -> list:
    """Publish whatever batches are due ``hours`` from now, as the tick would; returns them."""
    db.session.rollback()  # end any read snapshot older than the last write
    with write_intent():
        done = batches.publish_due(db.session, utcnow() + timedelta(hours=hours), app.config["LOG_KEY_SECRET"])
        db.session.commit()
    return done


def tick_at(app, at: datetime):
    """The whole tick (``run_tick``: batches, expiry, purges, compaction) at ``at``; its report."""
    db.session.rollback()
    with write_intent():
        report = run_tick(db.session, at, log_key_secret=app.config["LOG_KEY_SECRET"])
        db.session.commit()
    return report


def cron_environment(app) -> dict[str, str]:
    """What a cron job on another machine would have: the same database and secrets."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PLEDGE_")}
    env.update({f"PLEDGE_{name}": app.config[name].hex() for name in SECRET_NAMES})
    env.update(PLEDGE_ENV="production", PLEDGE_INSTANCE_PATH=app.instance_path,
               DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], PLEDGE_MAIL_PORT="9",
               PLEDGE_PUBLIC_URL=app.config["PUBLIC_URL"])
    return env


def cli_tick(app, monkeypatch, hours: float) -> str:
    """``flask --app pledge tick`` as cron runs it (everything the command does, the files'
    compaction included), ``hours`` from now; its output (a failing command fails the test)."""
    from pledge.cli import main as cli_main

    later = utcnow() + timedelta(hours=hours)
    monkeypatch.setattr(cli_main, "utcnow", lambda: later)
    db.session.rollback()
    result = app.test_cli_runner().invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    return result.output
