"""The feed as a readable web page (``index.html``), rendered with Jinja2 with autoescaping.

The page lists the items and points feed readers at the feeds with
``<link rel="alternate">`` autodiscovery. It loads nothing from elsewhere and
runs no script; item text is always escaped, and only http(s) links become links.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

from newsfeed._dates import format_date_line
from newsfeed._model import Enclosure, Feed, NewsItem
from newsfeed._sanitize import sanitize_html
from newsfeed._text import text_to_html

if TYPE_CHECKING:
    import jinja2


@cache
def _environment() -> jinja2.Environment:
    # Imported when a page is first made: jinja2 costs every other run of a cron job
    # (build without --html, aggregate without [output] html) a quarter of its start-up.
    import jinja2  # noqa: PLC0415

    return jinja2.Environment(
        loader=jinja2.PackageLoader("newsfeed", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


#: The media type of each feed format, as autodiscovery announces it.
MEDIA_TYPES = {
    "rss": "application/rss+xml",
    "atom": "application/atom+xml",
    "json": "application/feed+json",
}
_LABELS = {
    "application/rss+xml": "RSS",
    "application/atom+xml": "Atom",
    "application/feed+json": "JSON Feed",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Alternate:
    """A feed the page points feed readers at."""

    #: ``application/rss+xml``, ``application/atom+xml`` or ``application/feed+json``.
    media_type: str
    #: The feed's URL, relative to the page or absolute.
    href: str


def alternates_for(page: Path, feeds: Iterable[tuple[Path, str]]) -> list[Alternate]:
    """Autodiscovery links from *page* to feed files (path, format), relative to the page.

    Relative links work wherever the folder is served: by ``newsfeed serve`` or in production.
    A path is percent-encoded into a URL: a file named ``javascript:x.xml`` is linked as that
    file, never as a ``javascript:`` URL, and ``#`` or ``?`` in a name stay part of it.
    """
    return [
        Alternate(
            media_type=MEDIA_TYPES[kind],
            href=quote(os.path.relpath(path, page.parent).replace(os.sep, "/")),
        )
        for path, kind in feeds
    ]


def safe_href(url: str | None) -> str | None:
    """*url* if a browser may follow it from our page: http(s) only, never ``javascript:``."""
    if url is None or urlsplit(url).scheme.lower() not in {"http", "https"}:
        return None
    return url


def _item_view(item: NewsItem) -> dict[str, Any]:
    # markupsafe comes with jinja2, which is imported by then (see _environment).
    import markupsafe  # noqa: PLC0415

    return {
        "title": item.title,
        "href": safe_href(item.link),
        "datetime": item.published.isoformat(),
        "date": format_date_line(item.published.date()).title(),
        "author": item.author,
        "source": item.source.title if item.source else None,
        "source_href": safe_href(item.source.url) if item.source else None,
        # The model sanitized the HTML body already; the page, which runs in a browser, does
        # not rely on that (it is cheap). Plain text is escaped by text_to_html.
        "body": markupsafe.Markup(  # noqa: S704 - sanitized or escaped, see above
            sanitize_html(item.content_html) or text_to_html(item.summary)
        ),
        "image": safe_href(item.image),
        "enclosures": [
            _enclosure_view(enclosure, href)
            for enclosure in item.enclosures
            if (href := safe_href(enclosure.url)) is not None
        ],
    }


def _enclosure_view(enclosure: Enclosure, href: str) -> dict[str, Any]:
    name = unquote(urlsplit(href).path.rsplit("/", 1)[-1]) or href
    return {
        "href": href,
        "media_type": enclosure.media_type,
        "kind": enclosure.media_type.split("/", 1)[0],
        "name": name,
        "size": _size(enclosure.length),
    }


_KILO = 1000


def _size(length: int | None) -> str | None:
    if length is None:
        return None
    if length < _KILO:
        return f"{length} bytes"
    if length < _KILO * _KILO:
        return f"{length / _KILO:.1f} KB"
    return f"{length / _KILO / _KILO:.1f} MB"


def to_html(feed: Feed, alternates: Sequence[Alternate] = ()) -> bytes:
    """The feed as an HTML page, UTF-8 encoded; deterministic like the feeds."""
    template = _environment().get_template("index.html.jinja")
    views = [
        {
            "media_type": alternate.media_type,
            "href": alternate.href,
            "label": _LABELS.get(alternate.media_type, alternate.media_type),
            "title": f"{feed.info.title} ({_LABELS.get(alternate.media_type, 'feed')})",
        }
        for alternate in alternates
    ]
    page = template.render(
        info=feed.info, alternates=views, items=[_item_view(i) for i in feed.items]
    )
    return page.encode()
