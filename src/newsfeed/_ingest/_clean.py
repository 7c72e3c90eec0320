"""Cleaning foreign values on their way into the model, shared by every format's reader."""

from __future__ import annotations

import calendar
import html
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from newsfeed._errors import ValidationError
from newsfeed._model import (
    NewsItem,
    check_summary,
    find_uncarried,
    is_web_url,
    reads_as_mojibake,
)
from newsfeed._text import html_to_text, normalise_text, rendered_body, text_to_html

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_LINE_BREAK = re.compile(r"\r\n?|\n")
# The tags plain text rendered as HTML is written with, but its paragraphs' (a line break
# as text_to_html writes it and as the sanitizer does, and a web address made a link).
_RENDERED_TAG = re.compile(r'<(?:br />|br>|a href="[^"<>]*">|/a>)')
#: The site of a feed that names none, read from no URL, whose items have no link either:
#: a host name reserved never to resolve (RFC 2606), rather than a guess at someone's site.
UNKNOWN_SITE = "https://unknown.invalid/"


class Cleaner:
    """Cleans foreign text, and counts the characters XML cannot carry it had to remove."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, text: str) -> str:
        if find_uncarried(text) is None:
            return text
        kept = "".join(char for char in text if find_uncarried(char) is None)
        self.removed += len(text) - len(kept)
        # UTF-8 misread as Latin-1, which the model refuses: decoded as feedparser does
        # for RSS and Atom, so that JSON Feed text gets the same repair.
        while reads_as_mojibake(kept):
            kept = kept.encode("latin-1").decode("utf-8")
        return kept

    def line(self, value: object) -> str | None:
        if not isinstance(value, str):
            return None
        # Only CR and LF end lines: U+2028 and the like are text to the model.
        text = " ".join(_LINE_BREAK.split(self(value))).strip()
        return text or None


def from_struct_time(value: object) -> datetime | None:
    if isinstance(value, time.struct_time):
        try:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    return None


def dates(
    published: datetime | None, updated: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Published, then updated; an update time not after publication says nothing."""
    if published is None:
        return updated, None
    if updated is not None and updated <= published:
        return published, None
    return published, updated


def text_of(detail: Mapping[str, Any] | None, clean: Cleaner) -> str:
    """The plain text of a feedparser text construct (or of a dict shaped like one)."""
    if not detail:
        return ""
    # Each read once: feedparser's dicts map old key names on every access.
    value = detail.get("value")
    if not isinstance(value, str):
        return ""
    value = clean(value)
    if detail.get("type") in HTML_TYPES:
        return html_text(value)
    return normalise_text(value)


def html_text(markup: str) -> str:
    """What :func:`html_to_text` gives, without parsing HTML that only renders plain text."""
    text = _rendered_text(markup)
    return html_to_text(markup) if text is None else text


def _rendered_text(markup: str) -> str | None:
    """The summary whose rendering *markup* is, if it is one; ``None`` if it may be no rendering.

    Many bodies are plain text rendered as newsfeed does (``text_to_html``, and the
    sanitizer's form of it): those are told by rendering the text read from them back.
    ``html_to_text`` gives any summary back from its rendering (a property test checks it).
    """
    if not (markup.startswith("<p>") and markup.endswith("</p>")):
        return None
    paragraphs = markup[3:-4].split("</p><p>")
    text = "\n\n".join(_RENDERED_TAG.sub(_line_or_nothing, paragraph) for paragraph in paragraphs)
    if "<" in text:
        return None
    text = html.unescape(text)
    try:
        check_summary("", text)
    except ValidationError:
        return None
    return text if renders(markup, text) else None


# An entry's text is told from its rendering, and then its body, from the same rendering.
@lru_cache(maxsize=64)
def renders(markup: str, text: str) -> bool:
    """Whether *markup* is *text* rendered as HTML as newsfeed renders it, or sanitized so."""
    return markup == text_to_html(text) or markup == rendered_body(text)


def _line_or_nothing(tag: re.Match[str]) -> str:
    return "\n" if tag.group().startswith("<br") else ""


def web_link(value: object, clean: Cleaner) -> str | None:
    """An http(s) URL, or ``None``: a ``javascript:`` or ``data:`` link is never republished."""
    href = clean.line(value)
    # A link the model refuses ("http://", "http://a b/") is left out, not the entry or the feed.
    if href is None or not is_web_url(href):
        return None
    return href


def link(links: Iterable[Mapping[str, Any]], rel: str, clean: Cleaner) -> str | None:
    """The first http(s) link with relation *rel* (an RSS or Atom link without one is alternate)."""
    for candidate in links:
        if candidate.get("rel", "alternate") == rel and (
            href := web_link(candidate.get("href"), clean)
        ):
            return href
    return None


def hubs(links: Iterable[Mapping[str, Any]], clean: Cleaner) -> tuple[str, ...]:
    # A foreign feed may name a hub twice; the model holds each hub once.
    return tuple(
        dict.fromkeys(
            href
            for candidate in links
            if candidate.get("rel") == "hub" and (href := web_link(candidate.get("href"), clean))
        )
    )


def items_site(items: Sequence[NewsItem]) -> str:
    """The site of a feed that names none: its first linked item's, or :data:`UNKNOWN_SITE`."""
    first = next((item.link for item in items if item.link), None)
    if first is None:
        return UNKNOWN_SITE
    parts = urlsplit(first)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
