"""Real-browser helpers: Debian's Chromium driven by Playwright, and a live server thread.

Playwright cannot download its own browser here, so it launches ``/usr/bin/chromium``. The
extra flags stop Chromium from reaching for hosts this machine cannot (and pages must never)
contact.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def live_server(wsgi_app) -> Iterator[str]:
    """Serve ``wsgi_app`` on a free loopback port in a thread; yield its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
