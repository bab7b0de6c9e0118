"""The server address a signer names, as it is checked and kept in a receipt.

Only an origin is accepted: ``https://host[:port]``, or ``http://`` to this machine
(development and tests), without credentials, path, query or fragment.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """The server's origin (``scheme://host[:port]``); ``ValueError`` with a reason if the URL
    is not HTTPS (or HTTP to this machine) or carries credentials, a query or a fragment."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("the server must be an https:// URL")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ValueError("use https:// (plain http:// is allowed only to this machine)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError("the server URL must not carry a user name, query or fragment")
    if parts.path not in ("", "/"):
        raise ValueError("give the site's address only (for example https://pledge.example)")
    return f"{parts.scheme}://{parts.netloc}"
