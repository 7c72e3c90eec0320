"""An entry's two bodies: the plain-text summary and the sanitized HTML body."""

from __future__ import annotations

import re

from newsfeed._ingest._clean import Cleaner, renders
from newsfeed._sanitize import sanitize_html
from newsfeed._text import rendered_body

_TAG = re.compile(r"<[A-Za-z]")


def has_markup(markup: str) -> bool:
    """Whether HTML text has any element (a plain-text description served as HTML has none)."""
    return _TAG.search(markup) is not None


def html_body(markup: str | None, *, base: str | None, summary: str, clean: Cleaner) -> str:
    """*markup* sanitized, its relative URLs resolved against *base*; ``""`` if it is no body.

    An HTML body that is only the rendering of the plain-text summary (what newsfeed
    writes in RSS ``description``, Atom ``content`` and JSON ``content_html`` for an
    item without one) is no HTML body.
    """
    if not markup or not has_markup(markup):
        return ""
    markup = clean(markup)
    # The rendering of the summary (as newsfeed writes a body) has no relative URL (it
    # links absolute addresses only) and is sanitized already (text_to_html's, once more):
    # it is no body, without sanitizing it (a property test checks it).
    if renders(markup, summary):
        return ""
    return sanitized_body(markup, base=base, summary=summary)


def sanitized_body(markup: str, *, base: str | None, summary: str) -> str:
    """*markup* (cleaned) sanitized; ``""`` if nothing is left or only *summary* rendered."""
    body = sanitize_html(markup, base=base or None)
    if not body or body == rendered_body(summary):
        return ""
    return body
