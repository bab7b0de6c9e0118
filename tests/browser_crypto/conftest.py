"""A page that loads the vendored crypto bundle under a strict CSP, driven in Chromium.

The page, the bundle and a CSP-violation listener (a static script, never inline) are served by
a tiny WSGI app whose every response carries ``Content-Security-Policy: default-src 'none';
script-src 'self'``, the policy the real pages use. Tests call into ``window.PledgeCrypto`` with
``page.evaluate``, passing and receiving hex strings.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import live_server
from tests.browser_crypto.kit import CryptoPage, crypto_test_app


@pytest.fixture(scope="module")
def crypto_server() -> Iterator[str]:
    """The crypto test app (tests/browser_crypto/kit.py) on a loopback port, shared by a module's tests."""
    with live_server(crypto_test_app) as url:
        yield url


@pytest.fixture
def crypto_page(browser_page, crypto_server) -> Iterator[CryptoPage]:
    """The test page, loaded, with ``PledgeCrypto`` defined; no CSP violation allowed."""
    page = CryptoPage(browser_page)
    browser_page.goto(crypto_server + "/")
    assert browser_page.evaluate("typeof window.PledgeCrypto") == "object"
    yield page
    assert page.violations() == []
