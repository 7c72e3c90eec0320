"""The feed as a readable web page (``index.html``), rendered with Jinja2 with autoescaping.

The page lists the items and points feed readers at the feeds with
``<link rel="alternate">`` autodiscovery. It loads nothing from elsewhere and
runs no script; item text is always escaped, and only http(s) links become links.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit

from newsfeed._formats import FORMATS, FeedFormat, label_of
from newsfeed._model import Enclosure, Feed, NewsItem
from newsfeed._sanitize import sanitize_html

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Alternate:
    """A feed the page points feed readers at."""

    #: ``application/rss+xml``, ``application/atom+xml`` or ``application/feed+json``.
    media_type: str
    #: The feed's URL, relative to the page or absolute.
    href: str


def alternates_for(page: Path, feeds: Iterable[tuple[Path, FeedFormat]]) -> list[Alternate]:
    """Autodiscovery links from *page* to feed files (path, format), relative to the page.

    Relative links work wherever the folder is served: by ``newsfeed serve`` or in production.
    A path is percent-encoded into a URL: a file named ``javascript:x.xml`` is linked as that
    file, never as a ``javascript:`` URL, and ``#`` or ``?`` in a name stay part of it.
    """
    return [
        Alternate(media_type=FORMATS[kind].media_type, href=_relative_url(path, page.parent))
        for path, kind in feeds
    ]


def _relative_url(path: Path, folder: Path) -> str:
    return quote(os.path.relpath(path, folder).replace(os.sep, "/"))


def page_url(page: Path, *, feed: Path, feed_url: str) -> str:
    """The URL *page* is served at, when the file *feed* is served at *feed_url*.

    The page is served as it lies beside the feed on disk, as the aggregator's outputs are.
    """
    return urljoin(feed_url, _relative_url(page, feed.parent))


def item_anchor(item_id: str) -> str:
    """The ``id`` of an item's place on the page, from its id alone.

    Stable across rebuilds, whatever the item's position; a valid HTML id and URL fragment
    whatever characters the item id holds.
    """
    return "item-" + hashlib.sha256(item_id.encode()).hexdigest()[:16]


def linked_to_page(items: Iterable[NewsItem], url: str) -> list[NewsItem]:
    """*items*, each without a link of its own linked to its anchor on the page at *url*."""
    return [
        item if item.link is not None else replace(item, link=f"{url}#{item_anchor(item.id)}")
        for item in items
    ]


def safe_href(url: str | None) -> str | None:
    """*url* if a browser may follow it from our page: http(s) only, never ``javascript:``."""
    if url is None or urlsplit(url).scheme.lower() not in {"http", "https"}:
        return None
    return url


def _item_view(item: NewsItem) -> dict[str, Any]:
    # markupsafe comes with jinja2, which is imported by then (see _environment). The text and
    # date formatters too wait for a page: an aggregator run that publishes nothing imports
    # this module for its URLs only.
    import markupsafe  # noqa: PLC0415

    from newsfeed._dates import format_date_line  # noqa: PLC0415
    from newsfeed._text import text_to_html  # noqa: PLC0415

    return {
        "anchor": item_anchor(item.id),
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


def to_html(
    feed: Feed, alternates: Sequence[Alternate] = (), archives: Sequence[Alternate] = ()
) -> bytes:
    """The feed as an HTML page, UTF-8 encoded; deterministic like the feeds.

    *archives* are the newest archive documents (RFC 5005) of each feed, holding the
    items older than the page's: each links back to the one before it.
    """
    template = _environment().get_template("index.html.jinja")

    def views(links: Sequence[Alternate]) -> list[dict[str, str]]:
        return [
            {
                "media_type": alternate.media_type,
                "href": alternate.href,
                "label": label_of(alternate.media_type) or alternate.media_type,
                "title": f"{feed.info.title} ({label_of(alternate.media_type) or 'feed'})",
            }
            for alternate in links
        ]

    page = template.render(
        info=feed.info,
        alternates=views(alternates),
        archives=views(archives),
        items=[_item_view(i) for i in feed.items],
    )
    return page.encode()
