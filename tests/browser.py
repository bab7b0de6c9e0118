"""Real-browser helpers: Debian's Chromium driven by Playwright, a live server thread, a watch
on what a page does that it must not, and the steps of the signer's pages (verify, sign).

Playwright cannot download its own browser here, so it launches ``/usr/bin/chromium``. The
extra flags stop Chromium from reaching for hosts this machine cannot (and pages must never)
contact.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from werkzeug.serving import BaseWSGIServer, make_server

from tests.mailsink import MailSink

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
CODE_RE = re.compile(r"\b(\d{8})\b")
#: The address the sign-page tests verify with unless they say otherwise.
SIGNER_ADDRESS = "grace.hopper@anthropic.com"


def _closing(wsgi_app):
    """``wsgi_app`` with each response read whole and closed before the server sends it.

    Werkzeug's development server skips ``close()`` on a response when the client hangs up in
    the middle of it (Chromium does this with the favicon: reading the reset socket raises
    before the close), so the open static file is left to the garbage collector, which warns,
    and the test run treats warnings as errors. The site streams nothing, so buffering here
    changes no response.
    """

    def app(environ, start_response):
        response = wsgi_app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    return app


@contextmanager
def live_server(wsgi_app) -> Iterator[str]:
    """Serve ``wsgi_app`` on a free loopback port in a thread; yield its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, _closing(wsgi_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


# --- what a page did that it must not -----------------------------------------------------------


@dataclass
class Watch:
    """What a page did that it must not (CSP violations, script errors, foreign requests), and
    every request it made."""

    base: str
    violations: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    foreign: list = field(default_factory=list)
    requests: list = field(default_factory=list)


CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def watch(page, base: str) -> Watch:
    """Record CSP reports (console and the DOM event), page errors and every request (those to
    other hosts apart)."""
    seen = Watch(base)
    page.add_init_script(CSP_LISTENER)

    def on_console(message) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            seen.violations.append(message.text)

    def on_request(request) -> None:
        url = request.url
        seen.requests.append(url)
        if not (url == base or url.startswith((base + "/", f"blob:{base}/"))):
            seen.foreign.append(url)

    page.on("console", on_console)
    page.on("pageerror", lambda error: seen.errors.append(str(error)))
    page.on("request", on_request)
    return seen


def assert_clean(page, seen: Watch) -> None:
    """No CSP violation (either channel), no script error, no request to another host."""
    assert seen.violations == []
    assert page.evaluate("window.__cspViolations") == []
    assert seen.errors == []
    assert seen.foreign == []


def fits_width(page) -> bool:
    """The page needs no horizontal scrolling at the current viewport."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# --- the signer's pages -----------------------------------------------------------------------


def code_from(sink: MailSink, address: str, before: int = 0, timeout: float = 15.0) -> str:
    """The 8-digit code in the newest message to ``address`` once more than ``before`` arrived."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sink.messages(address)
        if len(found) > before:
            match = CODE_RE.search(found[-1].body)
            assert match, "the code email holds no 8-digit code"
            return match.group(1)
        time.sleep(0.05)
    raise AssertionError("no code email arrived")


def verify_in_browser(page, site, sink: MailSink, address: str = SIGNER_ADDRESS) -> None:
    """Take ``page`` through /verify on ``site.url`` with the code from the SMTP sink; its tokens
    are then stored."""
    page.goto(f"{site.url}/verify")
    before = len(sink.messages(address))
    page.get_by_label("Work email address").fill(address)
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("8-digit code").fill(code_from(sink, address, before))
    page.get_by_role("button", name="Get my tokens").click()
    page.get_by_role("heading", name="Step 3 of 3: your tokens").wait_for()


def open_sign_page(page, site, slug: str) -> None:
    """Open the sign page and wait until its key check has answered (either way)."""
    page.goto(f"{site.url}/campaigns/{slug}/sign")
    page.wait_for_function(
        "() => { const s = document.getElementById('sign-status');"
        " return s && (s.classList.contains('is-ok') || s.classList.contains('is-error')); }")


def fill_signature(page, *, name: str, role: str, statement: str, display: str = "name") -> None:
    """Fill the sign form (the display choice first: an anonymous signature has no name field)."""
    label = ("Show my name at the reveal" if display == "name"
             else "Count me as a verified anonymous researcher at my lab")
    page.get_by_label(label).check()
    if display == "name":
        page.get_by_label("Your name").fill(name)
    page.get_by_label("Your role").fill(role)
    page.get_by_label("Statement (optional)").fill(statement)
