"""Static analysis: bandit over the app and the crypto library finds nothing that has not been
reviewed. Every finding of medium or high severity or confidence must be listed, with a reason,
in ``bandit_allowlist.json`` (by test id, file and a snippet of the flagged code, so an entry
survives edits above it but not a change of the flagged code); low-severity test ids may be
allowed in bulk. ``# nosec`` comments are ignored, so nothing is silenced outside the list, and an
entry that no longer matches a finding fails too, so the list stays short and current."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ALLOWLIST = Path(__file__).with_name("bandit_allowlist.json")
MAX_STATEMENT_LINES = 10  # a snippet may sit anywhere in a flagged statement this short


@pytest.fixture(scope="module")
def report() -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "pledge", "crypto", "-f", "json", "-q", "--ignore-nosec"],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr  # 1 means "findings present"
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def allowlist() -> dict:
    return json.loads(ALLOWLIST.read_text(encoding="utf-8"))


def flagged_text(finding: dict) -> str:
    """The reported line, or the whole statement when it spans only a few lines."""
    lines = (ROOT / finding["filename"]).read_text(encoding="utf-8").splitlines()
    span = finding["line_range"] or [finding["line_number"]]
    if len(span) > MAX_STATEMENT_LINES:
        span = [finding["line_number"]]
    return "\n".join(lines[n - 1] for n in span)


def matches(entry: dict, finding: dict) -> bool:
    return (entry["test_id"] == finding["test_id"] and entry["file"] == finding["filename"]
            and entry["snippet"] in flagged_text(finding))


def describe(finding: dict) -> str:
    return (f"{finding['test_id']} {finding['issue_severity']}/{finding['issue_confidence']} "
            f"{finding['filename']}:{finding['line_number']} {finding['issue_text']}")


def test_bandit_scanned_the_whole_code_base(report):
    assert report["errors"] == []
    scanned = {Path(name).parts[0] for name in report["metrics"] if name != "_totals"}
    assert scanned == {"pledge", "crypto"}
    assert report["metrics"]["_totals"]["loc"] > 5000


def test_every_finding_is_reviewed(report, allowlist):
    bulk = allowlist["low_severity_by_test_id"]
    unreviewed = []
    for finding in report["results"]:
        if any(matches(entry, finding) for entry in allowlist["findings"]):
            continue
        if finding["issue_severity"] == "LOW" and finding["test_id"] in bulk:
            continue
        unreviewed.append(describe(finding))
    assert unreviewed == [], "bandit findings not in tests/adversarial/bandit_allowlist.json:\n" + "\n".join(unreviewed)


def test_the_allowlist_is_short_honest_and_current(report, allowlist):
    for entry in allowlist["findings"]:
        assert set(entry) == {"test_id", "file", "snippet", "reason"}, entry
        assert len(entry["reason"]) >= 40, f"give a real reason for {entry}"
        assert entry["snippet"].strip() and "\n" not in entry["snippet"]
        hits = [f for f in report["results"] if matches(entry, f)]
        assert hits, f"stale allowlist entry (no such finding any more): {entry}"
    for test_id, reason in allowlist["low_severity_by_test_id"].items():
        assert len(reason) >= 40, f"give a real reason for bulk {test_id}"
        found = [f for f in report["results"] if f["test_id"] == test_id]
        assert found, f"stale bulk entry {test_id}"
        # Bulk entries cover low severity only: anything stronger needs its own entry.
        assert all(f["issue_severity"] == "LOW" for f in found), [describe(f) for f in found]
    assert len(allowlist["findings"]) <= 15
