"""One entry of a campaign's Atom feed (its own module, so every source can import it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a campaign's feed.

    ``key`` is stable and unique within the campaign (it becomes the entry's Atom id, so a
    reader never sees one event twice); ``anchor`` is the fragment of the campaign page the
    entry links to (without ``#``), or ``""``; ``summary`` is plain text, ``html`` optional
    sanitised HTML for the content."""

    key: str
    title: str
    updated: datetime
    summary: str
    anchor: str = ""
    html: str = ""
