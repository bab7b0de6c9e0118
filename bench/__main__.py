"""``python -m bench`` (``make bench``): run every benchmark and print one table.

Each figure is measured in the same run as its floor, and the ratio says how close the figure
comes to that floor (1.0 = as good as the floor; see :mod:`bench.rows`). Options:

- ``--quick``: smaller sizes and shorter loads (a few minutes in all), for development;
- ``--only NAME`` (repeatable, or comma-separated): run only some benchmarks, among
  ``crypto``, ``http`` (= ``signing``, ``reading``, ``tick``), ``browser``, ``reveal``,
  ``verify_record``.

The exit status is 1 when a target is missed or a benchmark could not run.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import sys
import time
import traceback
from collections.abc import Callable
from types import ModuleType

from bench.rows import error_row, row, table

MEMORY_LIMIT_MB = 1024
HTTP_PARTS = ("signing", "reading", "tick")
GROUPS = ("crypto", "http", "browser", "reveal", "verify_record")


def _optional(name: str) -> ModuleType | None:
    """``bench.<name>``, or None when that file does not exist (yet)."""
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"bench.{name}":
            return None
        raise


def _self_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def crypto_rows(quick: bool) -> list[dict]:
    """The figures of bench/crypto.py: µs per operation against one raw scalar multiplication."""
    from bench import crypto

    results = crypto.measure()
    raw = results.pop(crypto.RAW_NAME)
    return [row(f"crypto: {name} (µs)", micros, floor=raw, higher_is_better=False, peak_mb=_self_peak_mb())
            for name, micros in results.items()]


def http_rows(quick: bool, parts: set[str]) -> list[dict]:
    from bench import http

    return http.run(quick=quick, only=parts)


def browser_rows(quick: bool) -> list[dict]:
    from bench import browser

    return browser.run(quick=quick)


def reveal_rows(quick: bool) -> list[dict]:
    module = _optional("reveal")
    if module is None:
        return [error_row("reveal", "bench/reveal.py is not there yet (another change adds it)")]
    return module.run(sizes=(1_000,) if quick else (10_000, 100_000))


def verify_record_rows(quick: bool) -> list[dict]:
    module = _optional("verify_record")
    if module is None:
        return [error_row("verify_record", "bench/verify_record.py is not there yet (another change adds it)")]
    return module.run(size=10_000 if quick else 100_000)


def _selection(only: list[str]) -> tuple[set[str], set[str]]:
    """The groups to run and the HTTP parts among them."""
    if not only:
        return set(GROUPS), set(HTTP_PARTS)
    names = {name.strip().replace("-", "_") for item in only for name in item.split(",") if name.strip()}
    unknown = names - set(GROUPS) - set(HTTP_PARTS)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose among "
                         f"{', '.join(GROUPS + HTTP_PARTS)}")
    parts = set(HTTP_PARTS) if "http" in names else names & set(HTTP_PARTS)
    groups = (names & set(GROUPS)) | ({"http"} if parts else set())
    return groups, parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and shorter loads")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help=f"run only these: {', '.join(GROUPS + HTTP_PARTS)} (repeatable, or comma-separated)")
    args = parser.parse_args(argv)
    groups, parts = _selection(args.only)

    runners: list[tuple[str, Callable[[], list[dict]]]] = [
        ("crypto", lambda: crypto_rows(args.quick)),
        ("http", lambda: http_rows(args.quick, parts)),
        ("browser", lambda: browser_rows(args.quick)),
        ("reveal", lambda: reveal_rows(args.quick)),
        ("verify_record", lambda: verify_record_rows(args.quick)),
    ]
    started = time.monotonic()
    rows: list[dict] = []
    for name, runner in runners:
        if name not in groups:
            continue
        print(f"[bench] {name}…", file=sys.stderr, flush=True)
        began = time.monotonic()
        try:
            rows += runner()
        except Exception as error:  # noqa: BLE001  (one failed benchmark must not hide the others)
            traceback.print_exc(file=sys.stderr)
            rows.append(error_row(name, f"{type(error).__name__}: {error}".splitlines()[0]))
        print(f"[bench] {name} done in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)

    peaks = [r["peak_mb"] for r in rows if isinstance(r.get("peak_mb"), (int, float))]
    if peaks:
        top = max(peaks)
        rows.append(row("largest peak memory of any step (MB)", top, target=f"≤ {MEMORY_LIMIT_MB} MB",
                        ok=top <= MEMORY_LIMIT_MB, peak_mb=top))
    load = os.getloadavg()
    print(f"Pledge benchmarks{' (--quick)' if args.quick else ''}: {os.cpu_count()} cores, "
          f"load average {load[0]:.1f} at the end, Python {platform.python_version()}, "
          f"{time.monotonic() - started:.0f} s in all.")
    print("ratio: figure against a floor measured in the same run (1.0 = as good as the floor, higher is better).")
    print()
    print(table(rows))
    missed = [r["name"] for r in rows if r.get("ok") is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed or benchmark(s) failed: {'; '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
