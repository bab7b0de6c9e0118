"""Per-route request size limits.

The site accepts small bodies (``MAX_CONTENT_LENGTH``); a trustee's partials file grows with the
entries of its round. The larger limit must be set before the CSRF check reads the form, so it is
a before-request hook registered ahead of CSRF protection, keyed on the routed endpoint.
"""

from __future__ import annotations

from flask import Flask, request

from pledge.services.ceremony import MAX_PARTIALS_BYTES

LARGE_UPLOAD_ENDPOINTS = frozenset({"trustee.upload_partials"})


def install_upload_limits(app: Flask) -> None:
    """Raise the body limit for the endpoints that carry large trustee files."""

    @app.before_request
    def _raise_limit() -> None:
        if request.endpoint in LARGE_UPLOAD_ENDPOINTS:
            request.max_content_length = MAX_PARTIALS_BYTES
