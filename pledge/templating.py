"""Template filters and globals."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from crypto.formats.messages import fingerprint
from pledge.services.markdown import render_markdown
from pledge.services.rules import BATCH_INTERVALS


def format_utc(moment: datetime | None) -> str:
    """``2026-12-31 17:00 UTC``: one unambiguous spelling everywhere."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def iso_utc(moment: datetime | None) -> str:
    """Machine-readable time for ``<time datetime>``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def install_template_helpers(app: Flask) -> None:
    """Register filters and globals used by the templates."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(format_utc, "utc")
    app.add_template_filter(iso_utc, "iso_utc")
    app.add_template_filter(lambda value: fingerprint(value) if value else "", "fingerprint")
    app.jinja_env.globals["BATCH_INTERVALS"] = BATCH_INTERVALS  # a table, not a function: Flask types globals as callables

    @app.context_processor
    def _env() -> dict:
        return {"pledge_env": app.config["PLEDGE_ENV"]}
