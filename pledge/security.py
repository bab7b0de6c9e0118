"""Response headers that hold on every route, error pages included.

The CSP allows only this origin's own scripts, styles, images and forms: no inline script, no
third-party request, no framing. The hardening issue extends this; the rule of no inline script
holds from the start so no page ever depends on one.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


#: JSON endpoints whose answers are the same for everyone (a campaign's counts and record), so a
#: shared cache may keep them like the public pages.
SHARED_API_ENDPOINTS = frozenset({"api.campaign", "api.record"})


def install_security_headers(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        # Pages behind a login (and anything that set a cookie) must not sit in a shared cache.
        endpoint = request.endpoint or ""
        public = endpoint.startswith(("public.", "static")) or endpoint in SHARED_API_ENDPOINTS
        if not public or current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        return response
