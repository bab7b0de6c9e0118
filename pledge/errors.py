"""Error pages: the same layout and headers as every other page, never a traceback.

Also the one place where a domain refusal (:class:`ServiceError`, which knows no HTTP) becomes
an HTTP answer: under ``/api/`` a JSON body ``{"error": code, "message": ...}`` with the status
:func:`pledge.refusals.status_of` gives its code; a :class:`NotFound` is the site's ordinary 404 everywhere.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from pledge.ratelimit import RateLimited, RateLimitUnavailable
from pledge.refusals import status_of
from pledge.services.errors import NotFound, ServiceError
from pledge.unit_of_work import settle_refusal

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    401: ("Please log in", "This page needs a staff login."),
    403: ("Not allowed", "Your account cannot open this page."),
    404: ("Not found", "There is nothing here. The address may be mistyped, or the page may not be public."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    409: ("Conflict", "That change is no longer possible."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many requests", "Please wait a little and try again."),
    503: ("Unavailable", "The site cannot take this request just now. Nothing was changed; try again in a minute."),
    500: ("Something went wrong", "The server could not finish that request. Nothing you sent was lost; try again later."),
}


API_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             409: "conflict", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited", 500: "server_error",
             503: "unavailable"}


def render_error(code: int, detail: str | None = None):
    """An error answer with the site's template, or as JSON under /api/."""
    title, message = MESSAGES.get(code, (f"Error {code}", "The request could not be completed."))
    if request.path.startswith("/api/"):
        return {"error": API_CODES.get(code, "error"), "message": detail or message}, code
    return render_template("errors/error.html", title=title, message=detail or message), code


def install_error_pages(app: Flask) -> None:
    """Render HTTP errors with the site's template (JSON under /api/), and domain refusals."""
    _render = render_error

    @app.errorhandler(ServiceError)
    def _refused(error: ServiceError):
        settle_refusal(error)
        if isinstance(error, NotFound):
            return _render(404)  # the same answer as any unknown address: existence does not show
        if not request.path.startswith("/api/"):
            return _unexpected(error)  # a page lets a refusal through only by mistake
        return {"error": error.code, "message": error.message}, status_of(error)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return _render(400, "The form expired or was sent from elsewhere. Reload the page and try again.")

    @app.errorhandler(RateLimited)
    def _rate_limited(error: RateLimited):
        body, code = _render(429, error.message)
        return body, code, {"Retry-After": str(error.retry_after_seconds)}

    @app.errorhandler(RateLimitUnavailable)
    def _limit_unavailable(error: RateLimitUnavailable):
        body, code = _render(503, error.message)
        return body, code, {"Retry-After": str(error.retry_after_seconds)}

    @app.errorhandler(SecurityError)
    def _untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: no page can be built (its links need a URL adapter, which
        # Flask refuses to make for that host), so a plain answer, naming nothing of the request.
        return "Bad request: this site does not answer to that host name.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        return _render(error.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if app.config["TESTING"]:
            raise error
        # The type and the route only: an exception's text can quote what a user submitted.
        app.logger.error("unhandled %s on %s %s", type(error).__name__, request.method, request.endpoint)
        return _render(500)
