"""Rows of the benchmark table and how they print.

A row is a dict ``{"name", "value", "floor", "ratio", "target", "ok", "peak_mb"}`` (and an
optional ``"note"``). ``ratio`` is always oriented so that 1.0 means "as good as the floor" and
higher is better: figure/floor for rates, floor/figure for times, sizes and latencies.
``ok`` is True or False against ``target``, or None for a figure shown for information.
"""

from __future__ import annotations

from collections.abc import Iterable

COLUMNS = ("measurement", "figure", "floor", "ratio", "target", "ok?", "peak MB")


def row(name: str, value: float, *, floor: float | None = None, higher_is_better: bool = True,
        target: str = "—", ok: bool | None = None, peak_mb: float | None = None, note: str | None = None) -> dict:
    """A row; the ratio is computed from the floor in the direction that makes 1.0 the floor."""
    ratio = None
    if floor is not None and value:
        ratio = value / floor if higher_is_better else floor / value
    out = {"name": name, "value": value, "floor": floor, "ratio": ratio, "target": target, "ok": ok,
           "peak_mb": peak_mb}
    if note:
        out["note"] = note
    return out


def ratio_row(name: str, value: float, floor: float, *, minimum: float, higher_is_better: bool = True,
              peak_mb: float | None = None, note: str | None = None) -> dict:
    """A row whose target is ``ratio >= minimum``."""
    out = row(name, value, floor=floor, higher_is_better=higher_is_better, target=f"ratio ≥ {minimum:g}",
              peak_mb=peak_mb, note=note)
    out["ok"] = out["ratio"] is not None and out["ratio"] >= minimum
    return out


def error_row(name: str, error: BaseException | str) -> dict:
    """A benchmark that could not run."""
    return {"name": name, "value": None, "floor": None, "ratio": None, "target": "runs", "ok": False,
            "peak_mb": None, "note": str(error)}


def _number(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, (int, float)):
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.0f}"
        if magnitude >= 10:
            return f"{value:.1f}"
        if magnitude >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


def _ok(value: object) -> str:
    if value is None:
        return "—"
    return "yes" if value else "NO"


def table(rows: Iterable[dict]) -> str:
    """The rows as one aligned text table, then their notes."""
    rows = list(rows)
    cells = [COLUMNS] + [
        (str(r.get("name", "?")), _number(r.get("value")), _number(r.get("floor")), _number(r.get("ratio")),
         str(r.get("target") or "—"), _ok(r.get("ok")), _number(r.get("peak_mb")))
        for r in rows
    ]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = []
    for index, line in enumerate(cells):
        parts = [line[0].ljust(widths[0])] + [line[i].rjust(widths[i]) for i in range(1, len(COLUMNS))]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  [{i}] {r['name']}: {r['note']}" for i, r in enumerate(rows, 1) if r.get("note")]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines)
