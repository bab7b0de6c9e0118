"""JSON over HTTP(S) for ``pledge-sign``, with the standard library only.

What the client does, and why:

- **HTTPS, except to this machine.** The signer sends a work address and a one-time code; over
  plain HTTP anyone on the path reads both. ``http://`` is accepted only for loopback hosts
  (development and tests).
- **No redirects.** A redirect could send the address to another host; the API never redirects,
  so any redirect is refused.
- **No cookies.** The API sets and reads none (docs/affiliation-api.md); ``urllib`` keeps none
  unless asked to, and we never ask.
- **Same origin only.** URLs the server hands back (``manifest_url``) must point at the server
  the signer named.
- **Strict parsing.** Replies are parsed like the tool's own files: no duplicate keys (which
  would make a manifest's ``ctx`` ambiguous), no floats, bounded size.
- **A generic User-Agent**, so requests do not announce the Python version.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urljoin, urlsplit

from crypto.formats.errors import CheckFailed
from crypto.formats.jsonfile import parse_json
from crypto.formats.server_url import check_server_url

from ..text import printable
from .errors import BadReply, ServerRefused, ServerUnreachable

MAX_REPLY_BYTES = 4 << 20  # a manifest with many labs and trustees is a few tens of kilobytes
DEFAULT_TIMEOUT = 60.0  # /start waits a fixed minimum time on purpose; leave it room
USER_AGENT = "pledge-sign/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Follow no redirect: returning ``None`` makes ``urllib`` raise it as an HTTPError."""

    def redirect_request(
        self, req: urllib.request.Request, fp: object, code: int, msg: str, headers: object,
        newurl: str,
    ) -> None:
        return None


class JsonApi:
    """A client for one server origin: ``get(path)`` and ``post(path, body)`` return the JSON
    object of a 2xx reply and raise :class:`ServerRefused` for an error reply."""

    def __init__(self, origin: str, timeout: float = DEFAULT_TIMEOUT, *, max_reply_bytes: int = MAX_REPLY_BYTES,
                 user_agent: str = USER_AGENT) -> None:
        self.origin = check_server_url(origin)
        self.timeout = timeout
        self.max_reply_bytes = max_reply_bytes
        self.user_agent = user_agent
        self._opener = urllib.request.build_opener(_NoRedirect())

    def url(self, path: str) -> str:
        """Resolve ``path`` against the origin; refuse a URL on any other origin."""
        full = urljoin(self.origin + "/", path)
        parts = urlsplit(full)
        if f"{parts.scheme}://{parts.netloc}" != self.origin or parts.fragment:
            raise BadReply(f"the server pointed at another site ({printable(path, 120)})")
        return full

    def get(self, path: str) -> dict[str, Any]:
        """GET a JSON object."""
        return self._send(urllib.request.Request(self.url(path), method="GET"))  # noqa: S310  (self.url(): http(s), checked origin)

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON object as ``application/json``; return the JSON object of the reply."""
        data = json.dumps(body, separators=(",", ":")).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310  (self.url(): http(s), checked origin)
            self.url(path), data=data, method="POST",
            headers={"Content-Type": "application/json"},
        )
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> dict[str, Any]:
        request.add_header("Accept", "application/json")
        request.add_header("User-Agent", self.user_agent)
        where = urlsplit(request.full_url).path
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return _object(_read(response, self.max_reply_bytes), where)
        except urllib.error.HTTPError as exc:
            with exc:
                raise _refusal(exc, where) from None
        except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts included
            reason = getattr(exc, "reason", exc)
            raise ServerUnreachable(
                f"cannot reach {self.origin}: {printable(reason, 200)}"
            ) from None


def _read(response: Any, limit: int) -> bytes:
    data: bytes = response.read(limit + 1)
    if len(data) > limit:
        raise BadReply("the server's reply is too large")
    return data


def _object(data: bytes, where: str) -> dict[str, Any]:
    try:
        value = parse_json(data, f"the reply to {where}")
    except CheckFailed as exc:
        raise BadReply(str(exc)) from None
    if not isinstance(value, dict):
        raise BadReply(f"the reply to {where} is not a JSON object")
    return value


def _refusal(exc: urllib.error.HTTPError, where: str) -> ServerRefused:
    """The server's error body as a :class:`ServerRefused`, or a generic one if it has none."""
    status = exc.code
    try:
        body = _object(_read(exc, MAX_REPLY_BYTES), where)
    except (BadReply, OSError):
        body = {}
    code, message = body.get("error"), body.get("message")
    if not isinstance(code, str) or not isinstance(message, str) or not message:
        if 300 <= status < 400:
            return ServerRefused(status, "redirect", f"the server answered {where} with a "
                                 f"redirect (HTTP {status}); refusing to follow it")
        return ServerRefused(status, "http", f"the server answered {where} with HTTP {status}")
    return ServerRefused(status, printable(code, 64), printable(message))
