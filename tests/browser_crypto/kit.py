"""The crypto test page: a tiny WSGI app serving a page, the vendored crypto bundle and a
CSP-violation listener, every response under the strict CSP the real pages use; the page as
tests drive it (``CryptoPage``), and the shared test vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "static" / "vendor"
BUNDLE = VENDOR / "pledge-crypto.js"
VECTORS = ROOT / "tests" / "vectors"
HERE = Path(__file__).resolve().parent
CSP = "default-src 'none'; script-src 'self'"

ROUTES = {
    "/": (HERE / "page.html", "text/html; charset=utf-8"),
    "/pledge-crypto.js": (BUNDLE, "text/javascript; charset=utf-8"),
    "/csp-listener.js": (HERE / "csp_listener.js", "text/javascript; charset=utf-8"),
}


def crypto_test_app(environ, start_response):
    """Serve the test page and its two scripts, each with the strict CSP header."""
    route = ROUTES.get(environ.get("PATH_INFO", ""))
    headers = [("Content-Security-Policy", CSP), ("Cache-Control", "no-store")]
    if route is None:
        start_response("404 Not Found", [*headers, ("Content-Type", "text/plain")])
        return [b"not found"]
    path, content_type = route
    body = path.read_bytes()
    start_response("200 OK", [*headers, ("Content-Type", content_type),
                              ("Content-Length", str(len(body)))])
    return [body]


def load_vectors(name: str) -> Any:
    """Load ``tests/vectors/NAME`` (a missing file is a failure, not a skip)."""
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


class CryptoPage:
    """A loaded test page: run JavaScript against ``PledgeCrypto`` and read CSP reports."""

    def __init__(self, page) -> None:
        self.page = page
        self.console_csp_errors: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.console_csp_errors.append(message.text)

    def run(self, script: str, arg: Any = None) -> Any:
        """Evaluate ``script`` (a JS function expression taking one argument) on the page.

        Inside it, ``P`` is ``window.PledgeCrypto``, ``h`` is hex to bytes and ``x`` bytes to
        hex, so tests read like the operations they check.
        """
        wrapped = (
            "async (arg) => { const P = window.PledgeCrypto; const h = P.fromHex; "
            f"const x = P.toHex; return await ({script})(arg); }}"
        )
        return self.page.evaluate(wrapped, arg)

    def violations(self) -> list[Any]:
        """CSP violations seen by the page's listener and on the console."""
        return [*self.page.evaluate("window.cspViolations"), *self.console_csp_errors]
