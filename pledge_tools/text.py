"""Text from a server or a file made safe to show on a terminal."""

from __future__ import annotations

import re


def printable(text: object, limit: int = 500) -> str:
    """Server-supplied text made safe for a terminal: control characters (escape sequences
    included) become spaces, and the length is bounded."""
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(text))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_QUOTE = re.compile(r"^\s{0,3}>\s?")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_LINK = re.compile(r"!?\[([^\]]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_CODE = re.compile(r"`+([^`]*)`+")
_EMPHASIS = (
    re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"),   # **strong**, __strong__
    re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"),           # ~~struck~~
    re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"),  # *em*
    re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"),    # _em_ (not snake_case)
)
_ASIDE = 0xE000  # private-use characters stand in for escaped marks while the rules run
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!~>|])")


def plain_text(markdown: str) -> str:
    """The organizer's Markdown as plain text for a terminal: headings, emphasis, code marks,
    quote marks and escapes dropped, bullets shown as "•", links as "text (address)". Line by
    line, so what the page shows as separate paragraphs stays separate."""
    lines = []
    for raw in markdown.splitlines():
        # Escaped marks (\*) are literal: set them aside so no rule below reads them.
        line = _ESCAPE.sub(lambda m: chr(_ASIDE + ord(m.group(1))), raw)
        if _RULE.match(line):
            lines.append("")
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _QUOTE.sub("", line)
        line = _BULLET.sub(lambda m: f"{m.group(1)}• ", line)
        line = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1), line)
        line = _CODE.sub(r"\1", line)
        for pattern in _EMPHASIS:
            line = pattern.sub(lambda m: m.group(m.lastindex or 1), line)
        lines.append("".join(chr(ord(ch) - _ASIDE) if _ASIDE <= ord(ch) < _ASIDE + 128 else ch
                             for ch in line))
    return "\n".join(lines)
