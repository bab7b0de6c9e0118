"""The suite's lanes, computed at collection rather than written on each test.

``browser``: drives real Chromium (by directory or file, or through the Chromium fixtures).
``slow``: the long tests, listed here in one place (from ``pytest --durations``).
``db``: reaches the migrated database; computed from each test's fixture closure, so a new test
that asks for ``app``, ``client``, ``app_factory`` or anything built on them is ``db`` without
anyone remembering to say so. The PostgreSQL pass of ``make test`` runs ``-m db``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

#: The fixtures that provision a database: the migrated copy (``app``, ``app_factory`` and
#: everything built on them ask for it) and the empty one the migration tests upgrade
#: (tests/test_migrations.py). A new way to get a database belongs here.
DATABASE_FIXTURES = frozenset({"migrated_db", "empty_app"})
#: The Chromium fixtures of tests/conftest.py.
BROWSER_FIXTURES = frozenset({"browser", "browser_page"})
#: Directories and files (relative to tests/) whose tests drive Chromium (the last: a name prefix).
BROWSER_PATHS = ("browser_crypto/", "browser_sign/", "browser_verify/", "test_browser_")
#: The long tests (several seconds each, or a long file in all): the quick lane leaves them out.
SLOW_PATHS = (
    "adversarial/test_enumeration.py",
    "adversarial/test_row_order.py",
    "adversarial/test_crash_consistency.py",
    "adversarial/test_state_machine.py",
    "lifecycle/",
    "signer/test_sign_forty.py",
    "crypto/test_batch.py",
    "test_tick_concurrency.py",
    "test_signing_concurrency.py",
    "test_demo_walkthrough.py",
    "test_make_run.py::test_make_run_on_another_port_with_8025_taken_runs_the_readme_walkthrough",
    "test_affiliation.py::test_a_thousand_concurrent_wrong_guesses_evaluate_at_most_five",
    "test_ratelimit_redis.py::test_keys_expire_with_their_window_and_the_limit_resets",
)


def relative_id(item: pytest.Item) -> str:
    """The test's id relative to tests/ (``adversarial/test_csrf.py::test_x[1]``)."""
    path = Path(str(item.path)).resolve()
    name = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else ""
    return f"{path.relative_to(TESTS).as_posix()}::{name}"


def _starts_with_any(test_id: str, prefixes: tuple[str, ...]) -> bool:
    return any(test_id.startswith(prefix) for prefix in prefixes)


def lanes(item: pytest.Item) -> set[str]:
    """The lane markers ``item`` belongs to."""
    test_id = relative_id(item)
    fixtures = set(getattr(item, "fixturenames", ()))
    found = set()
    # A PostgreSQL-only test exists for the PostgreSQL pass, which runs the ``db`` lane alone.
    if fixtures & DATABASE_FIXTURES or item.get_closest_marker("postgresql_only"):
        found.add("db")
    if fixtures & BROWSER_FIXTURES or _starts_with_any(test_id, BROWSER_PATHS):
        found.add("browser")
    if _starts_with_any(test_id, SLOW_PATHS):
        found.add("slow")
    return found


def check_paths() -> None:
    """Every listed file or directory exists: a renamed one would silently leave its lane."""
    missing = [path for path in (*BROWSER_PATHS[:-1], *SLOW_PATHS) if not (TESTS / path.split("::")[0]).exists()]
    if missing:
        raise pytest.UsageError(f"tests/kit/markers.py names paths that do not exist: {missing}")


def apply(items: list[pytest.Item]) -> None:
    """Add the lane markers to every collected test."""
    check_paths()
    for item in items:
        for name in sorted(lanes(item)):
            item.add_marker(name)
