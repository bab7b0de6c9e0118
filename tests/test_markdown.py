"""Organizer Markdown is rendered, and nothing executable or third-party survives."""

from html.parser import HTMLParser

import pytest

from pledge.services.markdown import render_markdown

ALLOWED_TAGS = {"p", "br", "hr", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "a",
                "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "del"}


class ElementCollector(HTMLParser):
    """What a browser would build: elements and their attributes (escaped text is just text)."""

    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "![tracker](https://tracker.example/pixel.png)",
    "<iframe src=https://evil.example></iframe>",
    '<a href="https://x.example" onclick="alert(1)">x</a>',
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    '<div style="background:url(https://evil.example)">x</div>',
    "[x](https://ok.example \"t\" onmouseover=alert(1))",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_nothing_executable_or_remote_survives(payload):
    html = str(render_markdown(f"Text before.\n\n{payload}\n\nText after."))
    parser = ElementCollector()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, (payload, html)
        assert set(attrs) <= {"href", "title", "rel", "start", "align"}, (payload, html)
        if "href" in attrs:
            assert attrs["href"].split(":", 1)[0].lower() in ("https", "http", "mailto"), (payload, html)
    assert "Text before." in html and "Text after." in html


def test_markdown_renders_emphasis_lists_links_and_tables():
    html = str(render_markdown("# Title\n\n**bold** and *it*\n\n- a\n- b\n\n[site](https://ok.example)"
                               "\n\n| a | b |\n|---|---|\n| 1 | 2 |"))
    assert "<h2>Title</h2>" in html  # the page owns its single <h1>
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<li>a</li>" in html
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">site</a>' in html
    assert "<td>1</td>" in html
