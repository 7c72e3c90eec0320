"""JSON Feed 1 and 1.1 with the standard json module, as leniently as the readers people use.

A bad item (a value of the wrong type, a date that is not one) is left out with a
warning naming it (``items[3]: ...``); a value of the wrong type at feed level is
a warning, and that field is read as absent. Only bytes that are not a JSON Feed
at all (no ``jsonfeed.org`` version, ``items`` not a list) are refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

from dateutil.parser import isoparse

from newsfeed._errors import FeedParseError
from newsfeed._ingest._bodies import html_body
from newsfeed._ingest._clean import Cleaner, dates, hubs, items_site, web_link
from newsfeed._ingest._ids import fallback_id, uri_id
from newsfeed._ingest._media import enclosure, unique_by_url
from newsfeed._ingest._people import person, unique
from newsfeed._ingest._result import Dating, ReadFeed, assemble
from newsfeed._model import ArchiveLinks, Enclosure, FeedInfo, NewsItem, Person, Source
from newsfeed._text import derive_title, html_to_text, normalise_text

# Version 1 and 1.1 are written with either scheme in the wild.
_VERSION = re.compile(r"https?://jsonfeed\.org/version/")


class _Fields:
    """Typed access to one JSON object's members; *where* names it in messages.

    A value of the wrong type is this object's error (:class:`FeedParseError`), or,
    with *warnings*, a warning and an absent value.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        where: str,
        *,
        url: str | None,
        warnings: list[str] | None,
    ) -> None:
        self.document, self.where, self.url, self.warnings = document, where, url, warnings

    def problem(self, message: str) -> None:
        if self.warnings is None:
            raise FeedParseError(self.where + message, source=self.url)
        self.warnings.append(self.where + message)

    def string(self, key: str) -> str | None:
        value = self.document.get(key)
        if value is None or isinstance(value, str):
            return value
        self.problem(f"{key}: expected a string, not {type(value).__name__}")
        return None

    def date(self, key: str) -> datetime | None:
        value = self.document.get(key)
        if value is None:
            return None
        parsed = _parse_date(value) if isinstance(value, str) else None
        if parsed is None:
            self.problem(f"{key}: not an RFC 3339 date: {value!r}")
        elif parsed.tzinfo is None:
            self.problem(f"{key}: date without a time zone: {value!r}")
        else:
            return parsed
        return None


def _parse_date(value: str) -> datetime | None:
    """An RFC 3339 date, as JSON Feed asks; an RFC 822 one, as hand-made feeds write, too."""
    try:
        return isoparse(value)
    except (ValueError, OverflowError):
        pass
    try:
        return parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError):
        return None


def _people(document: Mapping[str, Any], clean: Cleaner) -> tuple[Person, ...]:
    """JSON Feed 1.1 ``authors``, else 1.0's single ``author``; a ``mailto:`` URL is an address."""
    authors = document.get("authors")
    if not isinstance(authors, list):
        author = document.get("author")
        authors = [author] if isinstance(author, dict) else []
    found: list[Person | None] = []
    for author in authors:
        if not isinstance(author, dict):
            continue
        url = author.get("url")
        is_address = isinstance(url, str) and url.startswith("mailto:")
        # newsfeed writes the address of a person with a web page in "_email".
        email = url if is_address else author.get("_email")
        found.append(person(clean.line(author.get("name")), email, None if is_address else url))
    return unique(found)


def _bodies(fields: _Fields, *, url: str | None, clean: Cleaner) -> tuple[str, str]:
    """The plain-text summary (``content_text``, else ``summary``) and the sanitized HTML
    body (``content_html``, its relative URLs resolved against the document's URL)."""
    text = fields.string("content_text")
    teaser = fields.string("summary")
    markup = fields.string("content_html")
    if text is not None or teaser is not None:
        summary = normalise_text(clean(text if text is not None else teaser or ""))
        return summary, html_body(markup, base=url, summary=summary, clean=clean)
    # An HTML body alone leaves the summary empty, as it was written (newsfeed writes
    # content_text next to the rendering of an item's plain text).
    body = html_body(markup, base=url, summary="", clean=clean)
    return ("", body) if body else (html_to_text(clean(markup or "")), "")


def _attachments(raw: object, clean: Cleaner) -> tuple[Enclosure, ...]:
    found = raw if isinstance(raw, list) else []
    return unique_by_url(
        enclosure(one.get("url"), one.get("mime_type"), one.get("size_in_bytes"), clean)
        for one in found
        if isinstance(one, dict)
    )


def _tags(raw: object, clean: Cleaner) -> tuple[str, ...]:
    # A string where a list belongs is one tag, not one per character.
    tags = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
    return tuple(dict.fromkeys(term for tag in tags if (term := clean.line(tag))))


def _item(
    raw: object, index: int, *, url: str | None, scope: str, clean: Cleaner, dating: Dating
) -> NewsItem | None:
    if not isinstance(raw, dict):
        raise FeedParseError(f"items[{index}]: expected an object", source=url)
    fields = _Fields(raw, f"items[{index}]: ", url=url, warnings=None)
    raw_id = raw.get("id")
    entry_id = clean.line(str(raw_id)) if isinstance(raw_id, str | int) else None
    summary, content_html = _bodies(fields, url=url, clean=clean)
    title = clean.line(fields.string("title"))
    link = web_link(fields.string("url"), clean)
    if entry_id is None and title is None and link is None and not summary:
        return None
    published, updated = dates(fields.date("date_published"), fields.date("date_modified"))
    entry_id = uri_id(scope, entry_id or link or fallback_id(title or summary, published))
    published, updated = dating(entry_id, published, updated)
    source = raw.get("_source")
    source_title = clean.line(source.get("title")) if isinstance(source, dict) else None
    source_url = web_link(source.get("url"), clean) if isinstance(source, dict) else None
    return NewsItem(
        id=entry_id,
        title=title or derive_title(summary or html_to_text(content_html)) or link or "Untitled",
        summary=summary,
        content_html=content_html,
        enclosures=_attachments(raw.get("attachments"), clean),
        image=web_link(fields.string("image"), clean)
        or web_link(fields.string("banner_image"), clean),
        published=published,
        updated=updated,
        link=link,
        authors=_people(raw, clean),
        categories=_tags(raw.get("tags"), clean),
        source=Source(title=source_title, url=source_url) if source_title and source_url else None,
    )


def _hubs(document: Mapping[str, Any], clean: Cleaner) -> tuple[str, ...]:
    found = document.get("hubs")
    if not isinstance(found, list):
        return ()
    # JSON Feed names each hub's protocol (rssCloud among them); only WebSub is read.
    return hubs(
        (
            {"rel": "hub", "href": hub.get("url")}
            for hub in found
            if isinstance(hub, dict) and str(hub.get("type", "")).lower() == "websub"
        ),
        clean,
    )


def _info(
    fields: _Fields, items: Sequence[NewsItem], *, url: str | None, clean: Cleaner
) -> FeedInfo:
    title = clean.line(fields.string("title")) or url or "Untitled feed"
    feed_url = web_link(fields.string("feed_url"), clean)
    people = _people(fields.document, clean)
    return FeedInfo(
        title=title,
        link=web_link(fields.string("home_page_url"), clean)
        or feed_url
        or url
        or items_site(items),
        description=clean.line(fields.string("description")) or title,
        feed_url=feed_url,
        language=clean.line(fields.string("language")),
        author=people[0].label if people else None,
        hubs=_hubs(fields.document, clean),
        # JSON Feed's icon is the large picture (512 x 512), its favicon the small one.
        icon=web_link(fields.string("favicon"), clean),
        logo=web_link(fields.string("icon"), clean),
    )


def _archive(fields: _Fields, clean: Cleaner) -> ArchiveLinks | None:
    # JSON Feed pages backwards with next_url: the older items, as RSS 5005's prev-archive.
    older = web_link(fields.string("next_url"), clean)
    return None if older is None else ArchiveLinks(prev_archive=older)


def read_json(
    data: bytes,
    *,
    url: str | None,
    headers: Mapping[str, str] | None,  # noqa: ARG001 - JSON Feed is always UTF-8
    now: datetime | None,
    scope: str,
) -> ReadFeed:
    """Read JSON Feed bytes."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    # ValueError covers integers too long to convert; RecursionError, hostile nesting.
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(f"not valid JSON: {exc}", source=url) from exc
    if not isinstance(document, dict) or not _VERSION.match(str(document.get("version", ""))):
        raise FeedParseError("JSON, but not a JSON Feed (no jsonfeed.org version)", source=url)
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError("items: expected a list", source=url)
    clean = Cleaner()
    dating = Dating()
    warnings: list[str] = []
    fields = _Fields(document, "", url=url, warnings=warnings)
    return assemble(
        clean,
        dating,
        [
            partial(_item, raw, index, url=url, scope=scope, clean=clean, dating=dating)
            for index, raw in enumerate(raw_items)
        ],
        lambda items: _info(fields, items, url=url, clean=clean),
        warnings,
        url=url,
        now=now,
        archive=_archive(fields, clean),
    )
