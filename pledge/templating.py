"""Template filters and globals."""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from crypto.formats.counts import count as count_of
from crypto.formats.counts import plural
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
            number = seconds // size
            return count_of(number, unit)
    return f"{seconds} seconds"  # unreachable for whole seconds; keeps the type checker sure


def quorum_sentence(quorum: int, trustees: int) -> str:
    """Who can reveal, in words: "Any 2 of the 3 trustees together can reveal the signatures once
    the threshold is met; fewer cannot." (and the right sentence for 1 of n and n of n)."""
    after = "can reveal the signatures once the threshold is met"
    if trustees == 1:
        return f"The one trustee alone {after}."
    if quorum == 1:
        return f"Any one of the {trustees} trustees alone {after}."
    if quorum == trustees:
        return f"All {trustees} trustees together {after}; fewer cannot."
    return f"Any {quorum} of the {trustees} trustees together {after}; fewer cannot."


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
    # ``count(n, "signature")`` → "1 signature" / "2 signatures"; ``plural(n, "entry", "entries")``.
    app.add_template_global(count_of, "count")
    app.add_template_global(plural, "plural")
    app.add_template_global(quorum_sentence, "quorum_sentence")
    app.add_template_filter(fingerprint_of, "fingerprint")
    # Absolute addresses (feeds, command lines shown on pages) come from PUBLIC_URL only.
    app.add_template_global(public_url, "public_url")
    app.add_template_global(public_base, "public_base")
    app.jinja_env.globals["BATCH_INTERVALS"] = BATCH_INTERVALS  # a table, not a function: Flask types globals as callables

    @app.context_processor
    def _env() -> dict:
        return {"pledge_env": app.config["PLEDGE_ENV"]}
