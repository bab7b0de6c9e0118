"""Production serving helpers: an access log that cannot identify a visitor.

Gunicorn's access log can print the client address, the user agent, the referrer, any request
header and the query string. :class:`AccessLogger` offers a format only the request's time,
method, path, status, size and duration, whatever format an operator configures (anything else
prints as ``-``), and replaces the leaf hash in a receipt check's path, so the log cannot tie a
receipt (and so an entry of the public log) to a moment of checking.
"""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

#: Atoms an access log line may show.
ALLOWED_ATOMS = frozenset({"t", "m", "U", "s", "B", "b", "L", "M", "D", "T", "p", "H"})
_RECEIPT = re.compile(r"(/receipts/)[^/]+")


def redact_path(path: str) -> str:
    """The request path with a receipt's leaf hash replaced by ``:leaf``."""
    return _RECEIPT.sub(r"\1:leaf", path)


class AccessLogger(Logger):
    """Gunicorn's logger with every identifying atom removed from access lines."""

    def atoms(self, resp, req, environ, request_time):
        full = super().atoms(resp, req, environ, request_time)
        kept = {name: value for name, value in full.items() if name in ALLOWED_ATOMS}
        kept["U"] = redact_path(kept.get("U") or "")
        return kept
