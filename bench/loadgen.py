"""The load generator: a separate process (so it never shares a GIL with a server) that sends
HTTP/1.1 requests to 127.0.0.1 from a bounded number of threads.

``python -m bench.loadgen`` reads one JSON job on standard input::

    {"port": 8000, "concurrency": 8, "seconds": 5.0, "warmup_seconds": 1.0,
     "max_requests": 100000, "method": "GET", "path": "/x",            # one request, repeated
     "bodies_file": "subs.jsonl", "first": 0, "count": 1000}           # or: POST each line once

and prints one JSON result: requests completed in the measured window, their status codes,
throughput and latency percentiles (ms), and the client's own peak memory. Each request opens
its own connection (gunicorn's sync workers close every connection after one response) and is
written as raw bytes, so that the client's cost per request stays small next to the server's.
Warm-up requests are sent the same way but not counted. Nothing is sent anywhere but 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import resource
import socket
import sys
import threading
import time
from collections import Counter

HOST = "127.0.0.1"


def _request(method: str, path: str, port: int, body: bytes = b"") -> bytes:
    head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Connection: close", "Accept-Encoding: identity"]
    if method != "GET":
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


def _send(port: int, raw: bytes) -> int:
    """Send one request on a fresh connection; the response's status code (0 on a failure)."""
    try:
        with socket.create_connection((HOST, port), timeout=60) as conn:
            conn.sendall(raw)
            chunks = []
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except OSError:
        return 0
    data = b"".join(chunks)
    try:
        return int(data[9:12])
    except ValueError:
        return 0


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values`` (sorted here)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def run(job: dict) -> dict:
    port = int(job["port"])
    if "bodies_file" in job:
        with open(job["bodies_file"], "rb") as handle:
            lines = handle.read().splitlines()
        lines = lines[job["first"]: job["first"] + job["count"]]
        requests = [_request("POST", job["path"], port, line) for line in lines]
        repeat = False
    else:
        requests = [_request(job.get("method", "GET"), job["path"], port)]
        repeat = True
    concurrency = int(job["concurrency"])
    max_requests = int(job.get("max_requests", 1_000_000))
    warmup = float(job.get("warmup_seconds", 0.0))
    seconds = float(job["seconds"])

    lock = threading.Lock()
    state = {"next": 0, "sent": 0}
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    start = time.perf_counter()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    finished: list[float] = []

    def take() -> bytes | None:
        with lock:
            if state["sent"] >= max_requests or time.perf_counter() >= stop_at:
                return None
            if repeat:
                state["sent"] += 1
                return requests[0]
            if state["next"] >= len(requests):
                return None
            state["next"] += 1
            state["sent"] += 1
            return requests[state["next"] - 1]

    def worker() -> None:
        while (raw := take()) is not None:
            began = time.perf_counter()
            status = _send(port, raw)
            ended = time.perf_counter()
            if began >= measure_from:
                with lock:
                    statuses[status] += 1
                    latencies.append((ended - began) * 1000)
                    finished.append(ended)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + warmup + 120)
    measured_start = max(measure_from, start)
    window = (max(finished) - measured_start) if finished else 0.0
    done = len(latencies)
    return {
        "requests": done,
        "statuses": {str(code): n for code, n in sorted(statuses.items())},
        "ok": sum(n for code, n in statuses.items() if 200 <= code < 300),
        "seconds": window,
        "per_second": (sum(n for code, n in statuses.items() if 200 <= code < 300) / window) if window else 0.0,
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "sent": state["sent"],
        "client_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    print(json.dumps(run(json.loads(sys.stdin.read()))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
