"""A count and its noun, in the singular or the plural: one spelling for the web pages, the
e-mails and the command-line programs (which may import ``crypto`` but not the web app)."""

from __future__ import annotations


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """``singular`` for exactly one, else ``plural_form`` (default: ``singular`` + "s").
    Irregular plurals are given explicitly: ``plural(n, "entry", "entries")``."""
    if number == 1:
        return singular
    return plural_form if plural_form is not None else singular + "s"


def count(number: int, singular: str, plural_form: str | None = None) -> str:
    """``1 signature``, ``2 signatures``, ``0 signatures``; ``count(2, "person", "people")``."""
    return f"{number} {plural(number, singular, plural_form)}"
