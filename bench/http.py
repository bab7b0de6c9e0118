"""Pledge over real HTTP, against a bare Flask + SQLAlchemy floor served the same way.

Both apps run under gunicorn on 127.0.0.1 with the same settings (:mod:`bench.server`); the
load comes from a separate process (:mod:`bench.loadgen`) with a bounded number of connections
for a bounded time. App and floor are measured in alternating rounds and each keeps its best
round, so a burst of other work on the machine is less likely to hit only one side.

1. **Signing**: distinct valid submissions (real tokens under the campaign's lab keys, sealed by
   ``pledge-sign``'s own code) POSTed to ``/api/campaigns/<slug>/entries``; every one must get
   201. Floor: the same bodies POSTed to :mod:`bench.floor_app`, which stores a row of the same
   size in the same kind of database and checks nothing.
2. **Reading**: the campaign page and its counts JSON, requests/s and latency, against the
   floor's trivial template page.
3. **Publishing**: ``flask --app pledge tick`` publishing one batch of 10,000 entries (in its own
   copy of the instance), against :mod:`bench.tick_floor` on an identical copy.

The campaign is the demo campaign of ``make run``: five labs, three trustees, a real ceremony.
Before the reading benchmark, a tick publishes the entries the signing benchmark stored, so the
pages show counts and a signed head. The application runs as in production (``PLEDGE_ENV``
production, rate limits counted in the database) except that the per-client limits are raised:
every request comes from 127.0.0.1.

Peak memory: for the HTTP rows, the largest ``VmHWM`` among the gunicorn master and workers of
the app (so far in the run); for the tick, the ``flask tick`` process's own ``ru_maxrss``.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import server
from bench.rows import ratio_row, row

SIGNING_TARGET = 0.7
PAGE_TARGET = 0.7
MEMORY_LIMIT_MB = 1024


@dataclass(frozen=True)
class Settings:
    rounds: int
    seconds: float  # per round and side
    warmup: float
    concurrency: int
    submissions: int  # split into slices, one per round (and contender, see signing())
    tick_entries: int
    tick_rounds: int


FULL = Settings(rounds=3, seconds=6.0, warmup=1.0, concurrency=8, submissions=15_000, tick_entries=10_000, tick_rounds=2)
QUICK = Settings(rounds=2, seconds=2.5, warmup=0.5, concurrency=8, submissions=3200, tick_entries=2_000, tick_rounds=1)


def load(port: int, **job) -> dict:
    """Run one load in the load-generator process; its result."""
    job["port"] = port
    result = subprocess.run([sys.executable, "-m", "bench.loadgen"], input=json.dumps(job), capture_output=True,
                            text=True, cwd=server.ROOT, timeout=job["seconds"] + job.get("warmup_seconds", 0) + 180)
    if result.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def best(results: list[dict]) -> dict:
    """The round with the highest throughput."""
    return max(results, key=lambda r: r["per_second"])


def _statuses(results: list[dict]) -> dict[str, int]:
    total: dict[str, int] = {}
    for result in results:
        for code, n in result["statuses"].items():
            total[code] = total.get(code, 0) + n
    return total


def signing(app: server.Server, floor: server.Server, slug: str, bodies: Path, settings: Settings,
            redis_app: server.Server | None = None) -> list[dict]:
    """Signatures per second over HTTP, the app and the floor in alternating rounds.

    Each round gives the app and the floor the same slice of bodies (their databases differ).
    With ``redis_app`` (the same app and database, rate limits counted in Redis) a third
    contender gets a slice of its own, for an informational row.
    """
    slices = settings.rounds * (2 if redis_app else 1)
    per_round = settings.submissions // slices
    app_runs, floor_runs, redis_runs = [], [], []
    for index in range(settings.rounds):
        common = dict(bodies_file=str(bodies), first=index * per_round, count=per_round,
                      concurrency=settings.concurrency, seconds=settings.seconds, warmup_seconds=0.0)
        app_runs.append(load(app.port, path=f"/api/campaigns/{slug}/entries", **common))
        floor_runs.append(load(floor.port, path="/floor/entries", **common))
        if redis_app is not None:
            common["first"] = (settings.rounds + index) * per_round
            redis_runs.append(load(redis_app.port, path=f"/api/campaigns/{slug}/entries", **common))
    mine, bare = best(app_runs), best(floor_runs)
    notes = []
    refused = {code: n for code, n in _statuses(app_runs + redis_runs).items() if code != "201"}
    if refused:
        notes.append(f"the app answered other than 201: {refused}")
    exhausted = [r for r in app_runs + floor_runs + redis_runs if r["sent"] >= per_round]
    if exhausted:
        notes.append(f"{len(exhausted)} round(s) used up their {per_round} submissions before {settings.seconds:g} s")
    notes.append(f"p50/p99 {mine['p50_ms']:.0f}/{mine['p99_ms']:.0f} ms (floor {bare['p50_ms']:.0f}/{bare['p99_ms']:.0f}) "
                 f"at {settings.concurrency} connections; {sum(r['ok'] for r in app_runs + redis_runs)} signatures stored")
    rows = [ratio_row("signing over HTTP (signatures/s)", mine["per_second"], bare["per_second"],
                      minimum=SIGNING_TARGET, peak_mb=app.peak_mb(), note="; ".join(notes))]
    if refused:
        rows[0]["ok"] = False
    if redis_app is not None:
        fast = best(redis_runs)
        rows.append(row("  same, rate limits in Redis (signatures/s)", fast["per_second"], floor=bare["per_second"],
                        peak_mb=redis_app.peak_mb(),
                        note="for information: RATELIMIT_REDIS_URL set, so a signature takes one database write "
                             "transaction instead of two"))
    return rows


def reading(app: server.Server, floor: server.Server, slug: str, settings: Settings) -> list[dict]:
    """The campaign page and the counts JSON under load, against a trivial template page."""
    targets = {"campaign page": f"/campaigns/{slug}", "counts JSON": f"/api/campaigns/{slug}"}
    runs: dict[str, list[dict]] = {name: [] for name in [*targets, "floor"]}
    common = dict(concurrency=settings.concurrency, seconds=settings.seconds, warmup_seconds=settings.warmup)
    for _ in range(settings.rounds):
        for name, path in targets.items():
            runs[name].append(load(app.port, path=path, **common))
        runs["floor"].append(load(floor.port, path="/floor/page", **common))
    bare = best(runs["floor"])
    rows = []
    for name in targets:
        mine = best(runs[name])
        bad = {code: n for code, n in _statuses(runs[name]).items() if code != "200"}
        rows.append(ratio_row(f"{name} (requests/s)", mine["per_second"], bare["per_second"], minimum=PAGE_TARGET,
                              peak_mb=app.peak_mb(), note=f"answers other than 200: {bad}" if bad else None))
        if bad:
            rows[-1]["ok"] = False
        rows.append(row(f"{name} p50 latency (ms)", mine["p50_ms"], floor=bare["p50_ms"], higher_is_better=False))
        rows.append(row(f"{name} p99 latency (ms)", mine["p99_ms"], floor=bare["p99_ms"], higher_is_better=False))
    return rows


def publishing(instance: server.Instance, slug: str, folder: Path, settings: Settings) -> list[dict]:
    """``flask tick`` publishing one batch of ``tick_entries`` against the bare-sqlite floor."""
    made = instance.setup("entries", "--slug", slug, "--count", str(settings.tick_entries))
    copies = []
    for index in range(settings.tick_rounds):
        copies.append((instance.copy(folder / f"tick-{index}"), instance.copy(folder / f"floor-{index}")))
    tick_runs, floor_runs = [], []
    for mine, bare in copies:
        seconds, peak, out = server.run_measured(mine.flask("tick"), mine.env)
        published = re.search(rf"{re.escape(slug)}: batch \d+ published \((\d+) new", out)
        if not published or int(published.group(1)) != made["entries"]:
            raise RuntimeError(f"tick did not publish the {made['entries']} entries: {out.strip()}")
        tick_runs.append((seconds, peak))
        froze = "frozen" in out
        seconds, peak, out = server.run_measured(
            [server.PYTHON, "-m", "bench.tick_floor", str(bare.database), str(made["campaign_id"])], bare.env)
        if int(out.strip()) != made["entries"]:
            raise RuntimeError(f"the tick floor published {out.strip()} leaves, not {made['entries']}")
        floor_runs.append((seconds, peak))
    seconds, peak = min(tick_runs)
    floor_seconds, floor_peak = min(floor_runs)
    result = row(f"tick: publish {made['entries']:,} entries (s)", seconds, floor=floor_seconds,
                 higher_is_better=False, target="≤ 60 s", ok=seconds <= 60 and peak <= MEMORY_LIMIT_MB, peak_mb=peak,
                 note="the whole `flask --app pledge tick` process (start-up, batch, VACUUM)"
                      + ("; the batch meets the demo's threshold, so the tick also freezes reveal round 1" if froze else "")
                      + f"; floor peak {floor_peak:.0f} MB")
    return [result]


def run(quick: bool = False, only: set[str] | None = None) -> list[dict]:
    """Every HTTP measurement; ``only`` picks among {"signing", "reading", "tick"}."""
    settings = QUICK if quick else FULL
    wanted = only or {"signing", "reading", "tick"}
    rows: list[dict] = []
    with server.scratch("pledge-bench-http-") as folder:
        instance = server.Instance.create(folder / "instance")
        slug = instance.setup("seed")["slug"]
        # A copy for the tick benchmark, taken while nothing has the database open.
        tick_instance = instance.copy(folder / "tick-instance") if "tick" in wanted else None
        if wanted & {"signing", "reading"}:
            bodies = folder / "submissions.jsonl"
            if "signing" in wanted:
                instance.setup("submissions", "--slug", slug, "--count", str(settings.submissions), "--out", str(bodies))
            else:
                instance.setup("entries", "--slug", slug, "--count", "300")  # something for the pages to count
            floor_env = {**instance.env, "FLOOR_DATABASE": str(folder / "floor.sqlite3")}
            with server.gunicorn("pledge:create_app()", instance.env, folder / "pledge.log", "/about") as app, \
                    server.gunicorn("bench.floor_app:create_app()", floor_env, folder / "floor.log", "/floor/page") as floor:
                if "signing" in wanted:
                    with contextlib.ExitStack() as stack:
                        redis_url = stack.enter_context(server.redis_server(folder / "redis"))
                        redis_app = None
                        if redis_url is not None:
                            redis_app = stack.enter_context(server.gunicorn(
                                "pledge:create_app()", {**instance.env, "PLEDGE_RATELIMIT_REDIS_URL": redis_url},
                                folder / "pledge-redis.log", "/about"))
                        rows += signing(app, floor, slug, bodies, settings, redis_app)
                # Publish what was signed, so the pages below show counts and a signed head.
                server.run(instance.flask("tick"), instance.env, what="flask tick")
                if "reading" in wanted:
                    rows += reading(app, floor, slug, settings)
        if tick_instance is not None:
            rows += publishing(tick_instance, slug, folder, settings)
    return rows


if __name__ == "__main__":
    from bench.rows import table

    print(table(run(quick="--quick" in sys.argv)))
