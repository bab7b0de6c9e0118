"""A throwaway ``redis-server`` for tests: loopback only, nothing written to disk, stopped after.

``make test`` installs Debian's redis-server; without it the fixtures fail (never skip) and say so.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

INSTALL_HINT = ("redis-server is not installed: `make test` installs it "
                "(or run `sudo apt-get install -y redis-server`)")


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisServer:
    """``redis-server --port <free port> --bind 127.0.0.1 --save '' --appendonly no`` in ``directory``.

    ``start()`` waits until it answers PING; ``stop()`` ends it (and only it). ``start()`` after
    ``stop()`` brings it back on the same port, empty.
    """

    def __init__(self, directory: Path) -> None:
        self.executable = shutil.which("redis-server")
        if self.executable is None:
            raise RuntimeError(INSTALL_HINT)
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        """A plain client of this server (the test's view of what Redis holds)."""
        return redis.Redis(host="127.0.0.1", port=self.port, decode_responses=True, socket_timeout=5)

    def start(self, timeout: float = 10.0) -> RedisServer:
        command = [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                   "no", "--dir", str(self.directory), "--daemonize", "no", "--loglevel", "warning"]
        log_path = self.directory / "redis.log"
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        probe = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1)
        try:
            while True:
                if self.process.poll() is not None:
                    output = log_path.read_text(errors="replace")
                    raise RuntimeError(f"redis-server exited with {self.process.returncode}: {output.strip()}")
                try:
                    if probe.ping():
                        return self
                except redis.ConnectionError:
                    pass
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout} s")
                time.sleep(0.05)
        finally:
            probe.close()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
