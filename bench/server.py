"""Benchmark plumbing: a fresh Pledge instance, gunicorn on a loopback port, and peak memory.

Every server the benchmarks start runs under the same :data:`GUNICORN_SETTINGS` (the app and its
floor alike), binds 127.0.0.1 only, and is stopped by its own process id.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent

#: One setting for every server: 2 synchronous workers (the machine has 2 cores), no access log.
GUNICORN_SETTINGS = ["--workers", "2", "--worker-class", "sync", "--timeout", "120", "--backlog", "2048",
                     "--log-level", "warning"]

#: Per-client limits high enough for one load generator acting as thousands of signers (the
#: limits are still counted in the database on every request, as in production).
BENCH_RATE_LIMITS = {
    f"PLEDGE_RATELIMIT_{action}_PER_CLIENT": json.dumps([10_000_000, 600])
    for action in ("ENTRIES", "WITHDRAWALS", "VERIFY_START", "VERIFY_CHECK", "VERIFY_ISSUE")
}


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list[str], env: dict[str, str], *, what: str, timeout: float = 600) -> str:
    """Run a setup command; its standard output, or a clear failure."""
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"{what} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result.stdout


class Instance:
    """A Pledge instance folder with fresh secrets and a migrated SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {
            **os.environ, **BENCH_RATE_LIMITS, "PLEDGE_INSTANCE_PATH": str(path), "PLEDGE_ENV": "production",
            "PYTHONPATH": str(ROOT),
        }
        for name in ("DATABASE_URL", "PLEDGE_SQLALCHEMY_DATABASE_URI"):
            self.env.pop(name, None)

    @classmethod
    def create(cls, path: Path) -> Instance:
        instance = cls(path)
        run([PYTHON, "-m", "pledge.instance", "init"], instance.env, what="pledge.instance init")
        run(instance.flask("db", "upgrade"), instance.env, what="flask db upgrade")
        return instance

    def flask(self, *args: str) -> list[str]:
        return [PYTHON, "-m", "flask", "--app", "pledge", *args]

    def setup(self, *args: str, timeout: float = 900) -> dict:
        """Run a :mod:`bench.campaign_setup` command in this instance; its JSON answer."""
        out = run([PYTHON, "-m", "bench.campaign_setup", *args], self.env, what=f"campaign_setup {args[0]}",
                  timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    @property
    def database(self) -> Path:
        return self.path / "pledge.sqlite3"

    def copy(self, path: Path) -> Instance:
        """A copy of this instance (call while no process has the database open)."""
        shutil.copytree(self.path, path)
        return Instance(path)


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- memory -----------------------------------------------------------------------------------


def vm_hwm_mb(pid: int) -> float:
    """The peak resident set of a live process (``VmHWM``), in MB; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


def children(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8", errors="replace") as handle:
                stat = handle.read()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # The command name may hold spaces and parentheses: fields restart after the last ')'.
        fields = stat[stat.rfind(")") + 2:].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def descendants(pid: int) -> list[int]:
    """Every process below ``pid``."""
    out, todo = [], [pid]
    while todo:
        below = children(todo.pop())
        out.extend(below)
        todo.extend(below)
    return out


def run_measured(command: list[str], env: dict[str, str], *, timeout: float = 600) -> tuple[float, float, str]:
    """Run ``command``; return (wall seconds, the child's own peak RSS in MB, its stdout).

    ``os.wait4`` gives the rusage of exactly this child, unlike ``RUSAGE_CHILDREN``, which keeps
    the largest of every child ever waited for.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                process.kill()
                os.waitpid(process.pid, 0)
                raise RuntimeError(f"{' '.join(command[2:6])} took longer than {timeout} s")
            time.sleep(0.005)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command[2:6])} failed ({process.returncode}):\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


@contextmanager
def redis_server(folder: Path) -> Iterator[str | None]:
    """A throwaway ``redis-server`` on 127.0.0.1 (nothing saved to disk); its URL, or None when
    redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# --- gunicorn ---------------------------------------------------------------------------------


class Server:
    """A gunicorn master and its workers on 127.0.0.1."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.log = log

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def peak_mb(self) -> float:
        """The largest peak resident set among the master and its workers."""
        return max([vm_hwm_mb(self.process.pid), *(vm_hwm_mb(pid) for pid in self.workers())])


@contextmanager
def gunicorn(app: str, env: dict[str, str], log: Path, ready_path: str) -> Iterator[Server]:
    """Serve the WSGI ``app`` ("module:factory()") under :data:`GUNICORN_SETTINGS`."""
    port = free_port()
    handle = log.open("w")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), *GUNICORN_SETTINGS, "--bind", f"127.0.0.1:{port}", app],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited at start:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(server.base + ready_path, timeout=5) as answer:
                    answer.read()
                if len(server.workers()) >= 2:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app} did not answer on {ready_path}:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        handle.close()
