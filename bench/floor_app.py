"""The floor the HTTP benchmarks compare Pledge with: a bare Flask + SQLAlchemy app.

Served by gunicorn with exactly the settings Pledge gets (:data:`bench.server.GUNICORN_SETTINGS`),
on its own SQLite file with Pledge's connection settings (WAL, ``synchronous = NORMAL``, foreign
keys, busy timeout, ``BEGIN IMMEDIATE`` for requests that write). Two routes:

- ``POST /floor/entries`` takes the very body a signer posts to Pledge and inserts one row of the
  same size as Pledge's entry (the ciphertext, token, withdrawal key, a leaf of the same length,
  under the same unique constraints and random key) in one transaction, and answers 201 with a
  receipt-shaped JSON. It checks nothing: it is what storing a signature costs with no token, no
  proof check, no rate limit and no campaign lookup.
- ``GET /floor/page`` renders a tiny template: what any page costs in Flask.

Run: ``gunicorn 'bench.floor_app:create_app()'`` with ``FLOOR_DATABASE`` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from contextvars import ContextVar
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import LargeBinary, UniqueConstraint, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

HERE = Path(__file__).resolve().parent
_writes: ContextVar[bool] = ContextVar("floor_writes", default=False)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class Row(db.Model):
    """The same columns, sizes, key and unique constraints as Pledge's ``entries``."""

    __tablename__ = "floor_entries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "nullifier"),
        UniqueConstraint("campaign_id", "r_point"),
        UniqueConstraint("campaign_id", "leaf_hash"),
        {"sqlite_with_rowid": False},
    )

    campaign_id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    lab_id: Mapped[int]
    nullifier: Mapped[bytes] = mapped_column(LargeBinary(32))
    r_point: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    withdrawal_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)


def _on_connect(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in ("PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL",
                   "PRAGMA busy_timeout = 30000"):
        cursor.execute(pragma)
    cursor.close()


def _on_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _writes.get() else "BEGIN")


def create_app() -> Flask:
    """The floor app on ``$FLOOR_DATABASE``; the table is created if missing."""
    app = Flask(__name__, template_folder=str(HERE / "templates"))
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{os.environ['FLOOR_DATABASE']}"
    db.init_app(app)
    with app.app_context():
        event.listen(db.engine, "connect", _on_connect)
        event.listen(db.engine, "begin", _on_begin)
        db.create_all()

    @app.before_request
    def _mark() -> None:
        _writes.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _unmark(_exc: BaseException | None) -> None:
        _writes.set(False)

    @app.post("/floor/entries")
    def entries():
        body = request.get_json(silent=True)
        try:
            prepared = bytes.fromhex(body["token"]["prepared"])
            signature = bytes.fromhex(body["token"]["signature"])
            ciphertext = bytes.fromhex(body["ciphertext"])
            withdrawal_key = bytes.fromhex(body["withdrawal_key"])
        except (TypeError, KeyError, ValueError):
            abort(400)
        # A leaf of the size Pledge publishes: the hex of what it holds, with JSON's overhead.
        leaf = b"%s|%s|%s|%s" % (prepared.hex().encode(), signature.hex().encode(),
                                 hashlib.sha256(ciphertext).hexdigest().encode(), withdrawal_key.hex().encode())
        leaf = leaf + b" " * 140
        row = Row(campaign_id=1, entry_id=secrets.token_bytes(16), lab_id=1, nullifier=hashlib.sha256(prepared).digest(),
                  r_point=ciphertext[:32], leaf=leaf, leaf_hash=hashlib.sha256(leaf).digest(),
                  withdrawal_key=withdrawal_key, ciphertext=ciphertext)
        db.session.add(row)
        db.session.commit()
        return jsonify({"receipt": {"campaign": "0" * 32, "slug": "floor", "leaf_hash": row.leaf_hash.hex(),
                                    "nullifier": row.nullifier.hex()}}), 201

    @app.get("/floor/page")
    def page():
        return render_template("floor_page.html", title="A floor page", text="Nothing but a template.")

    return app
