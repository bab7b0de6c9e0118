"""Posting the site's HTML forms as a browser would: the CSRF token read from the page first."""

from __future__ import annotations

import re

_CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = _CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


def post_form(client, page_url: str, data: dict, action: str | None = None, **kwargs):
    """GET ``page_url`` for its CSRF token, then POST ``data`` (to ``action`` or the same URL)."""
    page = client.get(page_url)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(action or page_url, data={**data, "csrf_token": token}, **kwargs)
