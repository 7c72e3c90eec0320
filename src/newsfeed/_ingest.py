"""Reading feed bytes into the model: RSS and Atom with feedparser, JSON Feed with json.

The only module that touches feedparser. Its untyped dicts and ``bozo`` flag
stop here: what comes out is a typed :class:`Feed` plus plain-language
warnings, or a :class:`FeedParseError`.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from newsfeed._errors import FeedParseError
from newsfeed._model import Feed, FeedInfo, NewsItem, Source, find_uncarried
from newsfeed._text import derive_title, html_to_text, normalise_text

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_JSON_FEED_PREFIX = "https://jsonfeed.org/version/"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadFeed:
    """A feed as read, with what had to be repaired or left out on the way."""

    #: The feed, its items in document order, one per id.
    feed: Feed
    #: Problems the feed was read despite (recovered XML errors, removed characters).
    warnings: tuple[str, ...] = ()
    #: Entries left out: no title, no link and no id, or values the model rejects.
    skipped: int = 0


class _Cleaner:
    """Removes characters XML cannot carry from foreign text, and remembers that it did."""

    def __init__(self) -> None:
        self.removed = 0

    def __call__(self, text: str) -> str:
        if find_uncarried(text) is None:
            return text
        kept = "".join(char for char in text if find_uncarried(char) is None)
        self.removed += len(text) - len(kept)
        return kept

    def line(self, value: object) -> str | None:
        if not isinstance(value, str):
            return None
        text = " ".join(self(value).splitlines()).strip()
        return text or None


def _datetime(value: object) -> datetime | None:
    if isinstance(value, time.struct_time):
        try:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    return None


def _text_of(detail: Mapping[str, Any] | None, clean: _Cleaner) -> str:
    if not detail or not isinstance(detail.get("value"), str):
        return ""
    value = clean(detail["value"])
    if detail.get("type") in _HTML_TYPES:
        return html_to_text(value)
    return normalise_text(value)


def _alternate_link(links: Iterable[Mapping[str, Any]], clean: _Cleaner) -> str | None:
    for link in links:
        if link.get("rel", "alternate") == "alternate":
            href = clean.line(link.get("href"))
            if href and "://" in href:
                return href
    return None


def _self_link(links: Iterable[Mapping[str, Any]]) -> str | None:
    return next((link.get("href") for link in links if link.get("rel") == "self"), None)


def _entry_item(
    entry: Mapping[str, Any], *, is_rss: bool, now: datetime, clean: _Cleaner
) -> NewsItem | None:
    link = _alternate_link(entry.get("links", ()), clean)
    entry_id = clean.line(entry.get("id"))
    if link is None and entry.get("guidislink") and entry_id and entry_id.startswith("http"):
        link = entry_id  # an RSS guid that is a permalink is the item's link
    summary = ""
    for detail in (*entry.get("content", ()), entry.get("summary_detail")):
        summary = _text_of(detail, clean)
        if summary:
            break
    title_detail = entry.get("title_detail")
    # RSS titles are plain text as written; Atom says which type its titles are.
    if is_rss and title_detail:
        title_detail = {**title_detail, "type": "text/plain"}
    title = clean.line(_text_of(title_detail, clean).replace("\n", " "))
    if title is None and entry_id is None and link is None:
        return None
    published = _datetime(entry.get("published_parsed"))
    updated = _datetime(entry.get("updated_parsed"))
    if published is None:
        published, updated = updated or now, None
    if updated is not None and updated <= published:
        updated = None
    if entry_id is None:
        entry_id = (
            link
            or "urn:sha256:"
            + hashlib.sha256(f"{title}\n{published.isoformat()}".encode()).hexdigest()
        )
    author_detail = entry.get("author_detail") or {}
    source = entry.get("source") or {}
    source_url = clean.line(source.get("href")) or _alternate_link(source.get("links", ()), clean)
    source_title = clean.line(source.get("title"))
    return NewsItem(
        id=entry_id,
        title=title or derive_title(summary) or link or entry_id,
        summary=summary,
        published=published,
        updated=updated,
        link=link,
        author=clean.line(author_detail.get("name")) or clean.line(entry.get("author")),
        categories=tuple(
            term
            for tag in entry.get("tags", ())
            if (term := clean.line(tag.get("term") or tag.get("label")))
        ),
        source=Source(title=source_title, url=source_url) if source_title and source_url else None,
    )


def _feed_info(meta: Mapping[str, Any], *, url: str | None, clean: _Cleaner) -> FeedInfo:
    title = clean.line(_text_of(meta.get("title_detail"), clean)) or url or "Untitled feed"
    links = meta.get("links", ())
    feed_url = clean.line(_self_link(links))
    author_detail = meta.get("author_detail") or {}
    return FeedInfo(
        title=title,
        link=_alternate_link(links, clean) or clean.line(meta.get("link")) or feed_url or url or "",
        description=clean.line(_text_of(meta.get("subtitle_detail"), clean)) or title,
        feed_url=feed_url,
        language=clean.line(meta.get("language")),
        author=clean.line(author_detail.get("name")) or clean.line(meta.get("author")),
    )


def _unique(items: Iterable[NewsItem]) -> tuple[NewsItem, ...]:
    """One item per id: where a feed repeats an id, the most recently changed version wins."""
    chosen: dict[str, NewsItem] = {}
    for item in items:
        kept = chosen.get(item.id)
        if kept is None or item.last_changed > kept.last_changed:
            chosen[item.id] = item
    return tuple(chosen.values())


def _read_xml(
    data: bytes, *, url: str | None, headers: Mapping[str, str] | None, now: datetime
) -> ReadFeed:
    # A file object, never bytes or str: feedparser would take those for a path or URL to open.
    parsed = feedparser.parse(
        io.BytesIO(data), response_headers=dict(headers or {}), resolve_relative_uris=True
    )
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        detail = f": {reason}" if parsed.get("bozo") and reason else ""
        raise FeedParseError(f"not an RSS, Atom or JSON feed{detail}", source=url)
    warnings = []
    if parsed.get("bozo"):
        warnings.append(f"recovered from: {parsed.get('bozo_exception')}")
    clean = _Cleaner()
    is_rss = parsed["version"].startswith("rss")
    items: list[NewsItem] = []
    skipped = 0
    for entry in parsed.entries:
        try:
            item = _entry_item(entry, is_rss=is_rss, now=now, clean=clean)
        except ValueError:
            item = None
        if item is None:
            skipped += 1
        else:
            items.append(item)
    try:
        info = _feed_info(parsed.feed, url=url, clean=clean)
    except ValueError as exc:
        raise FeedParseError(f"feed metadata unusable: {exc}", source=url) from exc
    if clean.removed:
        warnings.append(f"removed {clean.removed} characters XML cannot carry")
    return ReadFeed(
        feed=Feed(info=info, items=_unique(items)), warnings=tuple(warnings), skipped=skipped
    )


def _json_str(document: Mapping[str, Any], key: str, where: str, *, url: str | None) -> str | None:
    value = document.get(key)
    if value is None or isinstance(value, str):
        return value
    raise FeedParseError(f"{where}{key}: expected a string, not {type(value).__name__}", source=url)


def _json_date(value: object, where: str, *, url: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise FeedParseError(f"{where}: not an RFC 3339 date: {value!r}", source=url) from exc
    if parsed.tzinfo is None:
        raise FeedParseError(f"{where}: date without a time zone: {value!r}", source=url)
    return parsed


def _json_author(document: Mapping[str, Any], clean: _Cleaner) -> str | None:
    authors = document.get("authors") or ([document["author"]] if document.get("author") else [])
    for author in authors:
        if isinstance(author, dict) and (name := clean.line(author.get("name"))):
            return name
    return None


def _json_item(
    raw: object, index: int, *, url: str | None, now: datetime, clean: _Cleaner
) -> NewsItem | None:
    where = f"items[{index}]."
    if not isinstance(raw, dict):
        raise FeedParseError(f"items[{index}]: expected an object", source=url)
    raw_id = raw.get("id")
    entry_id = clean.line(str(raw_id)) if isinstance(raw_id, str | int) else None
    text = _json_str(raw, "content_text", where, url=url)
    markup = _json_str(raw, "content_html", where, url=url)
    summary = normalise_text(clean(text)) if text is not None else html_to_text(clean(markup or ""))
    title = clean.line(_json_str(raw, "title", where, url=url))
    link = clean.line(_json_str(raw, "url", where, url=url))
    if entry_id is None and title is None and link is None:
        return None
    published = _json_date(raw.get("date_published"), where + "date_published", url=url)
    updated = _json_date(raw.get("date_modified"), where + "date_modified", url=url)
    if published is None:
        published, updated = updated or now, None
    if updated is not None and updated <= published:
        updated = None
    source = raw.get("_source")
    source_title = clean.line(source.get("title")) if isinstance(source, dict) else None
    source_url = clean.line(source.get("url")) if isinstance(source, dict) else None
    tags = raw.get("tags") or []
    return NewsItem(
        id=entry_id or link or f"urn:sha256:{hashlib.sha256(f'{title}'.encode()).hexdigest()}",
        title=title or derive_title(summary) or link or "Untitled",
        summary=summary,
        published=published,
        updated=updated,
        link=link,
        author=_json_author(raw, clean),
        categories=tuple(term for tag in tags if (term := clean.line(tag))),
        source=Source(title=source_title, url=source_url) if source_title and source_url else None,
    )


def _read_json(data: bytes, *, url: str | None, now: datetime) -> ReadFeed:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedParseError(f"not valid JSON: {exc}", source=url) from exc
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        _JSON_FEED_PREFIX
    ):
        raise FeedParseError("JSON, but not a JSON Feed (no jsonfeed.org version)", source=url)
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError("items: expected a list", source=url)
    clean = _Cleaner()
    items: list[NewsItem] = []
    skipped = 0
    for index, raw in enumerate(raw_items):
        try:
            item = _json_item(raw, index, url=url, now=now, clean=clean)
        except (ValueError, TypeError):
            item = None
        if item is None:
            skipped += 1
        else:
            items.append(item)
    title = clean.line(_json_str(document, "title", "", url=url)) or url or "Untitled feed"
    try:
        info = FeedInfo(
            title=title,
            link=clean.line(_json_str(document, "home_page_url", "", url=url))
            or clean.line(_json_str(document, "feed_url", "", url=url))
            or url
            or "",
            description=clean.line(_json_str(document, "description", "", url=url)) or title,
            feed_url=clean.line(_json_str(document, "feed_url", "", url=url)),
            language=clean.line(_json_str(document, "language", "", url=url)),
            author=_json_author(document, clean),
        )
    except ValueError as exc:
        raise FeedParseError(f"feed metadata unusable: {exc}", source=url) from exc
    warnings = (f"removed {clean.removed} characters XML cannot carry",) if clean.removed else ()
    return ReadFeed(feed=Feed(info=info, items=_unique(items)), warnings=warnings, skipped=skipped)


def read_feed(
    data: bytes,
    *,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> ReadFeed:
    """Read feed bytes, keeping the warnings and the count of entries left out."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return _read_json(data, url=url, now=now)
    return _read_xml(data, url=url, headers=headers, now=now)


def parse_feed(data: bytes, *, url: str | None = None, now: datetime | None = None) -> Feed:
    """Read RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into a :class:`Feed`.

    Entries without any date are dated *now* (default: the current time).
    Raises :class:`FeedParseError` for bytes that hold no feed.
    """
    return read_feed(data, url=url, now=now).feed
