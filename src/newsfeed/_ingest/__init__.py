"""Reading feed bytes into the model: RSS and Atom with feedparser, JSON Feed with json.

Laid out like lemon24/reader's ``_parser``, one job per module:

- ``_formats``: the format registry, which reader takes which bytes;
- ``_guards``: byte checks around parsing (entity declarations, cut-off documents,
  references to impossible characters, XML errors recovered only in part);
- ``_feedparser``: the RSS and Atom mapping, the only module importing feedparser;
- ``_bases``: resolving against the document's URL after feedparser's parse, as
  feedparser would have (much faster where the base cannot change);
- ``_raw``: what feedparser's dicts get wrong (authors, title types), read again from
  the elements with lxml;
- ``_jsonfeed``: the JSON Feed reader;
- ``_people``: authors from every form feeds write them in;
- ``_clean``, ``_ids``: cleaning text, links and dates; ids that are always URIs;
- ``_result``: :class:`ReadFeed`, and how converted entries make one.

Only :func:`parse_feed` is public; :func:`read_feed` and :class:`ReadFeed` serve the
aggregator.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from newsfeed._ingest._formats import reader_for, reader_modules
from newsfeed._ingest._ids import uri_id
from newsfeed._ingest._result import ReadFeed
from newsfeed._model import Feed

__all__ = ["ReadFeed", "parse_feed", "read_feed", "reader_modules", "uri_id"]


def read_feed(
    data: bytes,
    *,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    scope: str | None = None,
) -> ReadFeed:
    """Read feed bytes, keeping the warnings and the count of entries left out.

    *url* is where the bytes came from: relative links resolve against it, and a
    feed without a link of its own links to it. An id that is not a URI becomes a
    ``urn:uuid:`` URN within *scope* (default: *url*, or ``""``; see :func:`uri_id`).

    Entries without any date are dated *now* if it is given (the aggregator's time of
    first sight). Without *now*, the clock is never read: they take the feed's own date
    (the newest of RSS ``pubDate`` and ``lastBuildDate``, Atom ``updated``), else the
    newest date of the feed's dated entries, else 1970-01-01T00:00:00Z. Either way
    :attr:`ReadFeed.undated` lists them.
    """
    if now is not None:
        now = now.replace(microsecond=0)
    read = reader_for(data)
    return read(
        data, url=url, headers=headers, now=now, scope=(url or "") if scope is None else scope
    )


def parse_feed(data: bytes, *, url: str | None = None, now: datetime | None = None) -> Feed:
    """Read RSS 0.9x/1.0/2.0, Atom (feed or entry document) or JSON Feed bytes into a Feed.

    *url*, where the bytes came from, resolves relative links and scopes ids that are
    not URIs. Entries without any date are dated *now* if given, else from the
    document, never from the clock (see ``docs/feeds.md``).
    Raises :class:`FeedParseError` for bytes that hold no feed.
    """
    return read_feed(data, url=url, now=now).feed
