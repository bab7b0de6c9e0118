"""The schema allowlist: every column of the migrated database is classified in the reviewed file
``schema_classification.json``, and the tables about signers hold no sub-day time, no IP, no user
agent and no address, except the listed short-lived columns, whose rows are shown to be purged.

A new column fails ``test_every_column_is_classified`` until someone classifies it, and the rules
below decide whether its class is allowed where it sits.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, inspect, select

from pledge.extensions import db
from pledge.models import VerificationCode, utcnow
from tests.kit.ticks import tick_at
from tests.mailsink import MailSink

CLASSIFICATION = Path(__file__).with_name("schema_classification.json")

#: Tables whose rows are about signers (their verification, tokens, signatures and requests).
SIGNER_TABLES = {
    "entries", "token_issuances", "spent_tokens", "log_leaves", "verification_codes", "issuance_counts",
    "rate_limits",
}

#: The only sub-day times allowed on signer tables, and why each is tolerable. Each is purged
#: (shown by a test below), so a copy of the database never holds one older than a day.
EPHEMERAL_EXCEPTIONS = {
    ("verification_codes", "expires_at"):
        "a code must expire after 10 minutes and sends are capped per hour; the row holds only a keyed tag "
        "and tick deletes it a day after expiry",
    ("verification_codes", "ticket_expires_at"):
        "the issuance ticket's 10-minute lifetime, at most expires_at + 10 minutes; deleted with its row",
    ("rate_limits", "window_start"):
        "a fixed rate-limit window (an hour at most) keyed by an HMAC, deleted by the first tick after it ends",
    ("rate_limits", "window_end"):
        "the end of that window, by which tick deletes the row",
}

ALLOWED_ON_SIGNER_TABLES = {
    "identifier", "keyed-tag", "secret-hash", "signer-public-leaf", "signer-sealed", "signer-revealed", "signer-lab",
    "counter", "coarse-time", "ephemeral-time",
}

# Column names that would betray a network address, a browser or a mailbox. "ip" is matched as a
# word of the name (``ip``, ``client_ip``, ``ip_hash``) since "ciphertext" contains the letters.
IP_WORD = re.compile(r"(^|_)(ip|ipv4|ipv6|ipaddr|ipaddress|ips)(_|$)")
SIGNER_FORBIDDEN_NAME_PARTS = ("user_agent", "useragent", "agent", "email", "mail", "address", "addr",
                               "remote", "forwarded", "referer", "referrer", "host")
ANYWHERE_FORBIDDEN_PARTS = ("user_agent", "useragent", "remote_addr", "x_forwarded")
TIME_NAME = re.compile(r"(^|_)(at|time|times|timestamp|stamp|when|date|day|start|end|seconds|created|updated|seen)($|_)")


def load_classification() -> dict:
    with CLASSIFICATION.open(encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture
def columns(app) -> dict[tuple[str, str], sa.types.TypeEngine]:
    """Every column of the database as the real migrations built it."""
    inspector = inspect(db.engine)
    return {(table, column["name"]): column["type"]
            for table in inspector.get_table_names() for column in inspector.get_columns(table)}


def test_every_column_is_classified(columns):
    tables = load_classification()["tables"]
    classified = {(table, column) for table, found in tables.items() for column in found}
    missing = sorted(set(columns) - classified)
    stale = sorted(classified - set(columns))
    assert missing == [], f"classify these columns in {CLASSIFICATION.name}: {missing}"
    assert stale == [], f"these classified columns no longer exist: {stale}"


def test_every_classification_names_a_known_class_and_a_one_line_reason():
    data = load_classification()
    classes = set(data["classes"])
    for table, found in data["tables"].items():
        for column, entry in found.items():
            assert set(entry) == {"class", "why"}, (table, column)
            assert entry["class"] in classes, (table, column, entry["class"])
            reason = entry["why"]
            assert reason.strip() and "\n" not in reason and len(reason) <= 160, (table, column)


def test_signer_tables_hold_only_what_the_signer_model_allows(columns):
    tables = load_classification()["tables"]
    assert set(tables) >= SIGNER_TABLES, "a signer table is missing from the database"
    for table in SIGNER_TABLES:
        for column, entry in tables[table].items():
            assert entry["class"] in ALLOWED_ON_SIGNER_TABLES, (table, column, entry["class"])
            if entry["class"] == "ephemeral-time":
                assert (table, column) in EPHEMERAL_EXCEPTIONS, f"{table}.{column}: a sub-day time on a signer table"


def test_no_sub_day_time_on_signer_tables(columns):
    tables = load_classification()["tables"]
    for (table, column), kind in columns.items():
        if table not in SIGNER_TABLES or (table, column) in EPHEMERAL_EXCEPTIONS:
            continue
        # DATETIME, TIMESTAMP and TIME hold sub-day times; a DATE is a day.
        assert not isinstance(kind, (sa.DateTime, sa.Time)), f"{table}.{column} is a {kind}"
        if isinstance(kind, sa.Date):
            assert tables[table][column]["class"] == "coarse-time", f"{table}.{column}"
        # A number can be a Unix time too: a time-like name needs a listed exception.
        assert not TIME_NAME.search(column) or tables[table][column]["class"] == "coarse-time", f"{table}.{column}"
    exceptions_on_codes = {c for (t, c) in EPHEMERAL_EXCEPTIONS if t == "verification_codes"}
    times_on_codes = {c for (t, c), kind in columns.items() if t == "verification_codes" and isinstance(kind, sa.DateTime)}
    assert times_on_codes == exceptions_on_codes


def test_no_ip_user_agent_or_address_column_on_signer_tables(columns):
    for table, column in columns:
        name = column.lower()
        if table in SIGNER_TABLES:
            assert not any(part in name for part in SIGNER_FORBIDDEN_NAME_PARTS), f"{table}.{column}"
        # Nowhere, staff tables included, does the platform keep an IP or a browser's identity.
        assert not IP_WORD.search(name), f"{table}.{column}"
        assert not any(part in name for part in ANYWHERE_FORBIDDEN_PARTS), f"{table}.{column}"


def test_no_staff_data_or_event_time_on_signer_tables():
    tables = load_classification()["tables"]
    for table in SIGNER_TABLES:
        assert not {e["class"] for e in tables[table].values()} & {"staff", "event-time", "public"}, table


# --- the exceptions are short-lived: shown, not assumed ----------------------------------------


def test_verification_codes_with_their_times_are_purged_within_a_day_of_expiry(app, client, make_open_campaign, tmp_path):
    make_open_campaign()
    sink = MailSink(tmp_path / "mail")
    app.config["MAIL_PORT"] = sink.port
    try:
        sent = client.post("/api/verify/start", json={"email": "ada@anthropic.com"})
        assert sent.status_code == 200
        code = re.search(r"\b(\d{8})\b", sink.wait_for("ada@anthropic.com", "code").body).group(1)
    finally:
        sink.stop()
    checked = client.post("/api/verify/check", json={"email": "ada@anthropic.com", "code": code,
                                                     "handle": sent.get_json()["handle"]})
    assert checked.status_code == 200
    row = db.session.scalar(select(VerificationCode))
    assert row.ticket_expires_at is not None and row.ticket_expires_at <= row.expires_at + timedelta(minutes=10)
    tick_at(app, row.expires_at + timedelta(days=1, minutes=1))
    assert db.session.scalar(select(func.count()).select_from(VerificationCode)) == 0


def test_rate_limit_windows_last_at_most_an_hour_and_are_purged_when_they_end(app, client, make_open_campaign):
    make_open_campaign()
    windows = [value[1] for key, value in app.config.items() if key.startswith("RATELIMIT_") and isinstance(value, tuple)]
    assert windows and max(windows) <= 3600, "a rate-limit window longer than an hour keeps a keyed IP longer"
    client.post("/api/verify/start", json={"email": "bo@anthropic.com"})
    client.post("/api/campaigns/no-such-campaign/entries", json={})
    count = sa.text("SELECT count(*) FROM rate_limits")
    db.session.rollback()
    assert db.session.execute(count).scalar() > 0
    tick_at(app, utcnow() + timedelta(seconds=max(windows) + 1))
    assert db.session.execute(count).scalar() == 0
