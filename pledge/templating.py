"""Template filters and globals."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from crypto.formats.messages import fingerprint
from pledge.links import public_base, public_url
from pledge.services.markdown import render_markdown
from pledge.services.rules import BATCH_INTERVALS


def format_utc(moment: datetime | None) -> str:
    """``2026-12-31 17:00 UTC``: one unambiguous spelling everywhere."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def iso_utc(moment: datetime | None) -> str:
    """Machine-readable time for ``<time datetime>``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def duration(seconds: int) -> str:
    """``30 days``, ``3 hours``, ``90 minutes``: a length of time as a person reads it."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute"), (1, "second")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"  # unreachable for whole seconds; keeps the type checker sure


def fingerprint_of(value: bytes | str | None) -> str:
    """The fingerprint the tools print for a key or hash (bytes, or its hex as stored), so a page or
    an e-mail shows people the very string they are told to compare; empty for no value."""
    if not value:
        return ""
    return fingerprint(bytes.fromhex(value) if isinstance(value, str) else value)


def install_template_helpers(app: Flask) -> None:
    """Register filters and globals used by the templates."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(format_utc, "utc")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(fingerprint_of, "fingerprint")
    # Absolute addresses (feeds, command lines shown on pages) come from PUBLIC_URL only.
    app.add_template_global(public_url, "public_url")
    app.add_template_global(public_base, "public_base")
    app.jinja_env.globals["BATCH_INTERVALS"] = BATCH_INTERVALS  # a table, not a function: Flask types globals as callables

    @app.context_processor
    def _env() -> dict:
        return {"pledge_env": app.config["PLEDGE_ENV"]}
