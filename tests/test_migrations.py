"""The migrations build exactly the schema the models describe, and go down and up again."""

import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from pledge import create_app
from pledge.extensions import db
from pledge.models import Base
from tests import dbkit
from tests.kit.config import make_config


@pytest.fixture
def empty_app(tmp_path):
    """An app on an empty database of the backend under test."""
    overrides = {}
    if dbkit.BACKEND == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = dbkit.create_database(f"empty_{secrets.token_hex(6)}")
    app = create_app(make_config(tmp_path, **overrides))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if overrides:
        dbkit.drop_database(overrides["SQLALCHEMY_DATABASE_URI"])


def _diff(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrated_schema_equals_the_models(empty_app):
    upgrade()
    assert _diff(db.engine) == []


def test_every_migration_goes_down_and_up(empty_app):
    upgrade()
    downgrade(revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade()
    assert _diff(db.engine) == []


def test_state_is_guarded_by_constraints(empty_app):
    upgrade()
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, name, password_hash, session_version, active, created_at) "
            "VALUES (1, 'o@x.org', 'O', 'h', 1, TRUE, '2026-01-01')"))

    def insert(**overrides):
        row = dict(public_id="a" * 32, slug="s", title="t", pledge_text="p", organizer_id=1, state="draft",
                   min_total=10, min_per_lab=0, min_labs=0, deadline="2027-01-01", trustee_quorum=2,
                   trustee_count=3, suppress_below=5, batch_interval_seconds=3600, created_at="2026-01-01",
                   updated_at="2026-01-01", frozen_at=None, launched_at=None)
        row.update(overrides)
        columns = ", ".join(row)
        values = ", ".join(f":{k}" for k in row)
        with db.engine.begin() as connection:
            connection.execute(text(f"INSERT INTO campaigns ({columns}) VALUES ({values})"), row)

    for bad in (
        {"state": "published"},  # not a lifecycle state
        {"state": "open", "frozen_at": "2026-01-02"},  # open without a launch time
        {"state": "ceremony"},  # frozen state without a freeze time
        {"trustee_quorum": 4},  # t > n
        {"min_labs": 2},  # per-lab count without a per-lab minimum
        {"min_total": 0},
        {"suppress_below": 0},
        {"batch_interval_seconds": 5},
        {"public_id": "short"},
    ):
        with pytest.raises(IntegrityError):
            insert(**bad)
    insert()  # the same row without the defect is accepted


@dbkit.sqlite_only
def test_sqlite_connections_get_the_protective_pragmas(empty_app):
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


@dbkit.postgresql_only
def test_postgresql_write_transactions_take_the_shared_write_lock(empty_app):
    from pledge.database import WRITE_LOCK_KEY, write_intent

    held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND granted AND (classid::bigint << 32 | objid::bigint) = :key")
    assert db.session.execute(held, {"key": WRITE_LOCK_KEY}).scalar() == 0  # a read takes nothing
    db.session.rollback()
    with write_intent():
        assert db.session.execute(held, {"key": WRITE_LOCK_KEY}).scalar() == 1
        db.session.commit()
    assert db.session.execute(held, {"key": WRITE_LOCK_KEY}).scalar() == 0  # released at commit
    db.session.rollback()


@dbkit.postgresql_only
def test_a_failed_rewrite_leaves_no_autocommit_connection_in_the_pool(empty_app, monkeypatch):
    import pledge.database as database
    from pledge.database import WRITE_LOCK_KEY, purge_deleted_rows, write_intent

    upgrade()
    db.session.remove()
    db.engine.dispose()  # the pool starts empty: the next checkout reuses purge_deleted_rows's connection
    monkeypatch.setattr(database, "RANDOM_KEYED_TABLES", ("no_such_table", "entries"))
    purge_deleted_rows()  # best effort: a table it cannot vacuum is skipped, not an error for the caller
    held = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                "AND granted AND (classid::bigint << 32 | objid::bigint) = :key")
    with write_intent():
        db.session.execute(text("SELECT 1"))
        # Still inside one transaction: the lock taken at its start is held until commit.
        assert db.session.execute(held, {"key": WRITE_LOCK_KEY}).scalar() == 1
        db.session.rollback()


def test_a_campaign_frozen_before_the_ceremony_deadline_existed_gets_seven_days_from_its_freeze(empty_app):
    upgrade(revision="5c7d2e9a4b18")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, name, password_hash, session_version, active, created_at) "
            "VALUES (1, 'o@x.org', 'O', 'h', 1, TRUE, '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO campaigns (id, public_id, slug, title, pledge_text, organizer_id, state, min_total, "
            "min_per_lab, min_labs, deadline, trustee_quorum, trustee_count, suppress_below, batch_interval_seconds, "
            "created_at, updated_at, frozen_at, manifest, ctx) VALUES (1, :pid, 's', 't', 'p', 1, 'ceremony', 10, 0, "
            "0, '2027-01-01', 2, 3, 5, 3600, '2026-01-01', '2026-01-01', '2026-03-01 10:00:00', '{}', :ctx)"),
            {"pid": "a" * 32, "ctx": bytes(32)})
        connection.execute(text(
            "INSERT INTO trustees (campaign_id, seat, name, email, invited_at) "
            "VALUES (1, 1, 'A', 'a@x.org', '2026-01-01')"))
        for complainant, resolved in ((1, "2026-03-02 10:00:00"), (1, None)):
            connection.execute(text(
                "INSERT INTO ceremony_complaints (campaign_id, complainant_seat, accused_seat, reason, body, filed_at, "
                "resolved_at) VALUES (1, :c, 2, 'feldman-check-failed', '{}', '2026-03-01 12:00:00', :r)"),
                {"c": complainant, "r": resolved})
    upgrade()
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM trustees")).scalar() == 1
        deadline, days = connection.execute(text("SELECT ceremony_deadline, ceremony_days FROM campaigns")).one()
        complaints = connection.execute(text("SELECT answer_due_at, at_fault_seat FROM ceremony_complaints")).all()
    assert (str(deadline)[:19], days) == ("2026-03-08 10:00:00", 7)
    # The complaint resolved under the old rule belonged to a board already cleared; the open one stays.
    assert [(str(due)[:19], fault) for due, fault in complaints] == [("2026-03-01 12:00:00", None)]
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(text("UPDATE campaigns SET ceremony_days = 31"))
    # Nothing that references the campaign is lost on the way up or down (a rebuilt campaigns table
    # would have cascaded its implicit DELETE on SQLite).
    downgrade(revision="5c7d2e9a4b18")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM trustees")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM ceremony_complaints")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM campaigns")).scalar() == 1


def test_campaigns_frozen_before_review_existed_count_as_approved_and_keep_their_rows(empty_app):
    upgrade(revision="5d7e3b9c1a48")
    with db.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (id, email, name, password_hash, session_version, active, created_at) "
            "VALUES (1, 'o@x.org', 'O', 'h', 1, TRUE, '2026-01-01')"))
        for cid, state, frozen in ((1, "ceremony", "2026-03-01 10:00:00"), (2, "draft", None)):
            connection.execute(text(
                "INSERT INTO campaigns (id, public_id, slug, title, pledge_text, organizer_id, state, min_total, "
                "min_per_lab, min_labs, deadline, trustee_quorum, trustee_count, suppress_below, "
                "batch_interval_seconds, created_at, updated_at, frozen_at) VALUES (:id, :pid, :slug, 't', 'p', 1, "
                ":state, 10, 0, 0, '2027-01-01', 2, 3, 5, 3600, '2026-01-01', '2026-01-01', :frozen)"),
                {"id": cid, "pid": f"{cid:032x}", "slug": f"s{cid}", "state": state, "frozen": frozen})
            connection.execute(text("INSERT INTO conditions (campaign_id, position, text) VALUES (:id, 0, 'c')"),
                               {"id": cid})
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT id, submitted_at, approved_at FROM campaigns ORDER BY id")).all()
        assert connection.execute(text("SELECT count(*) FROM conditions")).scalar() == 2
    assert [(cid, str(sub)[:19], str(app)[:19]) for cid, sub, app in rows] == [
        (1, "2026-03-01 10:00:00", "2026-03-01 10:00:00"), (2, "None", "None")]
    with pytest.raises(IntegrityError), db.engine.begin() as connection:  # a frozen campaign is approved
        connection.execute(text("UPDATE campaigns SET approved_at = NULL, submitted_at = NULL WHERE id = 1"))
    with pytest.raises(IntegrityError), db.engine.begin() as connection:  # a takedown carries its notice
        connection.execute(text("UPDATE campaigns SET state = 'taken-down' WHERE id = 1"))
    downgrade(revision="5d7e3b9c1a48")
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM conditions")).scalar() == 2
