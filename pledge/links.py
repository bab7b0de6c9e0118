"""Absolute addresses, built from the configured public URL and nothing else.

Every absolute link the site sends out (in an email, the Atom feed, a command line shown on a
page) comes from :func:`public_url`, never from the request: a request's ``Host`` or
``X-Forwarded-Host`` header is chosen by whoever sends it, and a link built from it would point a
trustee or a signer at the sender's server. ``PUBLIC_URL`` (env ``PLEDGE_PUBLIC_URL``) is checked
at start by :func:`parse_public_url`; production refuses to start without it (pledge/config.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app

#: Hosts that may serve over plain http in production too: they never leave the machine.
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class PublicURLError(ValueError):
    """``PUBLIC_URL`` is not an address people can use."""


def parse_public_url(value: str, *, production: bool) -> str:
    """The public URL normalized (no trailing slash), or :class:`PublicURLError` saying why not."""
    text = str(value).strip()
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise PublicURLError("must not contain spaces or control characters")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise PublicURLError("must be an http:// or https:// address with a host, e.g. https://pledge.example")
    if parts.username is not None or parts.password is not None:
        raise PublicURLError("must not hold a user name or password")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise PublicURLError("must not have a query or a fragment")
    try:
        parts.port  # noqa: B018  # raises on a port that is not a number
    except ValueError:
        raise PublicURLError("has an invalid port") from None
    if production and parts.scheme != "https" and parts.hostname not in LOOPBACK_HOSTS:
        raise PublicURLError("must be an https:// address in production (links in emails must not be sent over plain http)")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def public_host(url: str) -> str:
    """The host of a public URL, without its port, as Flask's ``TRUSTED_HOSTS`` compares it."""
    netloc = urlsplit(url).netloc
    host = netloc.rsplit(":", 1)[0] if urlsplit(url).port is not None else netloc
    return host.lower()


def public_base() -> str:
    """The configured public URL without a trailing slash (``https://pledge.example``)."""
    return str(current_app.config["PUBLIC_URL"])


def public_url(endpoint: str, *, anchor: str | None = None, **values: Any) -> str:
    """The absolute address of ``endpoint`` under the configured public URL. Works with or
    without a request, and never reads one."""
    parts = urlsplit(public_base())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    return f"{url}#{anchor}" if anchor else url
