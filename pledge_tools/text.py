"""Text from a server or a file made safe to show on a terminal."""

from __future__ import annotations


def printable(text: object, limit: int = 500) -> str:
    """Server-supplied text made safe for a terminal: control characters (escape sequences
    included) become spaces, and the length is bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"
