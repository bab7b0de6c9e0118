"""Organizer Markdown to safe HTML.

markdown-it-py renders CommonMark with raw HTML turned off; nh3 (ammonia) then keeps only an
allowlist of tags and attributes, so no script, event attribute, style or foreign URL scheme
survives even if the renderer had a bug. Images are not allowed: an image would make every
visitor's browser fetch from a host the organizer chose, which the platform promises never to do.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del",
}
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    return md


@lru_cache(maxsize=256)
def render_markdown(text: str) -> Markup:
    """Render organizer Markdown to sanitised HTML safe to place in a page.

    A pure function of the text, cached per process: campaign pages render the same pledge on
    every view (parsing and sanitising took a few milliseconds each time).
    """
    html = _renderer().render(text or "")
    # A level-1 heading belongs to the page; demote to keep one <h1> per page.
    html = html.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704  (nh3 has just sanitized it to the allowed tags)
