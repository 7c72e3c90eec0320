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
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any
from xml.parsers.expat import errors as expat_errors
from xml.sax import SAXParseException

import feedparser
from dateutil.parser import isoparse

from newsfeed._errors import FeedParseError
from newsfeed._model import (
    ArchiveLinks,
    Feed,
    FeedInfo,
    NewsItem,
    Person,
    Source,
    find_uncarried,
    is_item_id,
    is_web_url,
    reads_as_mojibake,
)
from newsfeed._text import derive_title, html_to_text, normalise_text

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_JSON_FEED_PREFIX = "https://jsonfeed.org/version/"
_LINE_BREAK = re.compile(r"\r\n?|\n")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadFeed:
    """A feed as read, with what had to be repaired or left out on the way."""

    #: The feed, its items in document order, one per id.
    feed: Feed
    #: Problems the feed was read despite (recovered XML errors, removed characters).
    warnings: tuple[str, ...] = ()
    #: Entries left out: no title, no link and no id, or values the model rejects.
    skipped: int = 0
    #: Ids of the items whose entries had no date, and were dated *now*.
    undated: frozenset[str] = frozenset()


class _Cleaner:
    """Cleans foreign values on the way in, and remembers what it had to do.

    Characters XML cannot carry are removed; entries without any date are dated
    with the time of reading.
    """

    def __init__(self, now: datetime, scope: str = "") -> None:
        self.now = now
        #: What makes a non-URI id unique: the document's URL.
        self.scope = scope
        self.removed = 0
        self.undated: set[str] = set()

    def dated(
        self, entry_id: str, published: datetime | None, updated: datetime | None
    ) -> tuple[datetime, datetime | None]:
        if published is None:
            self.undated.add(entry_id)
            return self.now, None
        return published, updated

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


def _datetime(value: object) -> datetime | None:
    if isinstance(value, time.struct_time):
        try:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
    return None


def _dates(
    published: datetime | None, updated: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """Published, then updated; an update time not after publication says nothing."""
    if published is None:
        return updated, None
    if updated is not None and updated <= published:
        return published, None
    return published, updated


# Ids that are not URIs (RSS allows any guid) become URNs in this namespace: Atom needs URIs.
_ID_NAMESPACE = uuid.UUID("5c0f8f0e-2b1a-5d55-8b7e-6e65777366ee")


def _uri_id(entry_id: str, scope: str) -> str:
    """*entry_id* if the model takes it (an absolute URI), else a stable URN for it."""
    if is_item_id(entry_id):
        return entry_id
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, scope + chr(10) + entry_id)}"


def _fallback_id(title: str | None, published: datetime | None) -> str:
    # Stable across runs: an undated entry's id must not depend on when it was read.
    key = f"{title}\n{published.isoformat() if published else ''}"
    return "urn:sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _text_of(detail: Mapping[str, Any] | None, clean: _Cleaner) -> str:
    if not detail or not isinstance(detail.get("value"), str):
        return ""
    value = clean(detail["value"])
    if detail.get("type") in _HTML_TYPES:
        return html_to_text(value)
    return normalise_text(value)


def _web_link(value: object, clean: _Cleaner) -> str | None:
    """An http(s) URL, or ``None``: a ``javascript:`` or ``data:`` link is never republished."""
    href = clean.line(value)
    # A link the model refuses ("http://", "http://a b/") is left out, not the entry or the feed.
    if href is None or not is_web_url(href):
        return None
    return href


def _link(links: Iterable[Mapping[str, Any]], rel: str, clean: _Cleaner) -> str | None:
    for link in links:
        if link.get("rel", "alternate") == rel and (href := _web_link(link.get("href"), clean)):
            return href
    return None


def _hubs(links: Iterable[Mapping[str, Any]], clean: _Cleaner) -> tuple[str, ...]:
    # A foreign feed may name a hub twice; the model holds each hub once.
    return tuple(
        dict.fromkeys(
            href
            for link in links
            if link.get("rel") == "hub" and (href := _web_link(link.get("href"), clean))
        )
    )


def _entry_item(entry: Mapping[str, Any], *, is_rss: bool, clean: _Cleaner) -> NewsItem | None:
    link = _link(entry.get("links", ()), "alternate", clean)
    entry_id = clean.line(entry.get("id"))
    # An RSS guid that is a permalink is the item's link. feedparser says the same of every
    # Atom id (it reads <id> as a guid), but an Atom id is a name, never a link.
    if link is None and is_rss and entry.get("guidislink") and entry_id:
        link = _web_link(entry_id, clean)
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
    # feedparser answers a missing updated_parsed with published_parsed and a
    # DeprecationWarning; membership is tested without that fallback.
    published, updated = _dates(
        _datetime(entry.get("published_parsed")),
        _datetime(entry["updated_parsed"]) if "updated_parsed" in entry else None,
    )
    entry_id = _uri_id(entry_id or link or _fallback_id(title, published), clean.scope)
    published, updated = clean.dated(entry_id, published, updated)
    author_detail = entry.get("author_detail") or {}
    source = entry.get("source") or {}
    # RSS <source url>; an Atom source names its feed with a self link (or, loosely, alternate).
    source_links = source.get("links", ())
    source_url = (
        _web_link(source.get("href"), clean)
        or _link(source_links, "self", clean)
        or _link(source_links, "alternate", clean)
    )
    source_title = clean.line(source.get("title"))
    return NewsItem(
        id=entry_id,
        title=title or derive_title(summary) or link or entry_id,
        summary=summary,
        published=published,
        updated=updated,
        link=link,
        author=clean.line(author_detail.get("name")) or clean.line(entry.get("author")),
        # A term repeated (with another scheme or label) is one category to the model.
        categories=tuple(
            dict.fromkeys(
                term
                for tag in entry.get("tags", ())
                if (term := clean.line(tag.get("term") or tag.get("label")))
            )
        ),
        source=Source(title=source_title, url=source_url) if source_title and source_url else None,
    )


def _feed_info(
    meta: Mapping[str, Any], *, is_rss: bool, url: str | None, clean: _Cleaner
) -> FeedInfo:
    title_detail = meta.get("title_detail")
    # As for items: an RSS title is plain text, even where feedparser guesses it is HTML.
    if is_rss and title_detail:
        title_detail = {**title_detail, "type": "text/plain"}
    title = clean.line(_text_of(title_detail, clean)) or url or "Untitled feed"
    links = meta.get("links", ())
    feed_url = _link(links, "self", clean)
    author_detail = meta.get("author_detail") or {}
    return FeedInfo(
        title=title,
        link=_link(links, "alternate", clean)
        or _web_link(meta.get("link"), clean)
        or feed_url
        or url
        or "",
        description=clean.line(_text_of(meta.get("subtitle_detail"), clean)) or title,
        feed_url=feed_url,
        language=clean.line(meta.get("language")),
        author=clean.line(author_detail.get("name")) or clean.line(meta.get("author")),
        hubs=_hubs(links, clean),
    )


def _unique(items: Iterable[NewsItem]) -> tuple[NewsItem, ...]:
    """One item per id: where a feed repeats an id, the most recently changed version wins."""
    chosen: dict[str, NewsItem] = {}
    for item in items:
        kept = chosen.get(item.id)
        if kept is None or item.last_changed > kept.last_changed:
            chosen[item.id] = item
    return tuple(chosen.values())


def _assemble(
    clean: _Cleaner,
    entries: Iterable[Callable[[], NewsItem | None]],
    info: Callable[[], FeedInfo],
    warnings: list[str],
    *,
    url: str | None,
    archive: ArchiveLinks | None = None,
) -> ReadFeed:
    """Convert each entry, leaving out (and counting) those that cannot become items."""
    items: list[NewsItem] = []
    skipped = 0
    for convert in entries:
        try:
            item = convert()
        except (ValueError, TypeError):  # one bad entry is left out, not the whole feed
            item = None
        if item is None:
            skipped += 1
        else:
            items.append(item)
    try:
        feed_info = info()
    except ValueError as exc:
        raise FeedParseError(f"feed metadata unusable: {exc}", source=url) from exc
    if clean.removed:
        warnings.append(f"removed {clean.removed} characters XML cannot carry")
    # newsfeed writes the feed's author on items without their own (readers show only an
    # item's): an item whose one author is the feed's, by name alone, inherits it.
    if feed_info.author is not None:
        inherited = (Person(name=feed_info.author),)
        items = [replace(item, authors=()) if item.authors == inherited else item for item in items]
    return ReadFeed(
        feed=Feed(info=feed_info, items=_unique(items), archive=archive),
        warnings=tuple(warnings),
        skipped=skipped,
        undated=frozenset(clean.undated),
    )


def _read_xml(
    data: bytes, *, url: str | None, headers: Mapping[str, str] | None, now: datetime
) -> ReadFeed:
    # A file object, never bytes or str: feedparser would take those for a path or URL to open.
    # Markup is only ever turned into plain text here, so feedparser need not sanitise it or
    # resolve the URIs in it; both rewrite text that merely looks like HTML ("<b x=1>",
    # "&copy") in plain-text titles, which then could not be read back as written.
    # Without a Content-Location, a document's base URI is the one it was retrieved from
    # (RFC 3986, 5.1.3): relative links such as <link>/</link> resolve against it.
    response_headers = {"content-location": url} if url else {}
    response_headers.update(headers or {})
    # The text as feedparser decodes it, once for both checks: in UTF-16, or with a charset
    # in the headers, neither a declaration nor the root's end tag has its ASCII bytes.
    with _read_failures(url):
        as_utf8 = feedparser.encodings.convert_to_utf8(dict(response_headers), data, {})
    if _declares_entities(as_utf8):
        raise FeedParseError(
            "declares its own XML entities (<!ENTITY>), which are never read", source=url
        )
    data, removed = _without_impossible_references(data)
    with _read_failures(url):
        parsed = feedparser.parse(
            io.BytesIO(data),
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version"):
        detail = f": {problem}" if problem else ""
        raise FeedParseError(f"not an RSS, Atom or JSON feed{detail}", source=url)
    if _is_broken(problem):
        raise FeedParseError(f"broken XML: {problem}", source=url)
    # feedparser keeps only the first error: a cut-off document that also has an undefined
    # entity reports that one. Being cut off shows at the end, without the root's end tag.
    if _cut_off(as_utf8):
        raise FeedParseError("broken XML: the document is cut off before its end", source=url)
    warnings = [f"recovered from: {problem}"] if problem else []
    clean = _Cleaner(now, url or "")
    clean.removed += removed
    is_rss = parsed["version"].startswith("rss")
    return _assemble(
        clean,
        [partial(_entry_item, entry, is_rss=is_rss, clean=clean) for entry in parsed.entries],
        lambda: _feed_info(parsed.feed, is_rss=is_rss, url=url, clean=clean),
        warnings,
        url=url,
        archive=_archive_links(parsed.feed, clean),
    )


@contextmanager
def _read_failures(url: str | None) -> Iterator[None]:
    """Make what feedparser cannot take this feed's error, not the caller's crash.

    Its decoding fails on a declared encoding it cannot look up (``encoding="\x80TF-8"``),
    and its fallback parser on a reference to a surrogate in a document that is not
    ASCII-compatible.
    """
    try:
        yield
    except (UnicodeError, ValueError, OverflowError) as exc:
        raise FeedParseError(f"cannot be read: {exc}", source=url) from exc


# The start of the root element: what comes before it is the prolog, where a DTD is.
_FIRST_ELEMENT = re.compile(rb"<\w")


def _declares_entities(text: bytes) -> bool:
    """Whether the document (as UTF-8) has a DTD that declares entities.

    No feed needs them, and they are how entity bombs work: feedparser keeps the
    declarations it deems safe and, when expat stops an expansion at its limit, its
    fallback parser expands them again without one (one 50 KB entity used 50,000 times
    is 2.5 GB).
    """
    start = _FIRST_ELEMENT.search(text)
    return b"<!ENTITY" in (text if start is None else text[: start.start()])


# A numeric character reference, in an ASCII-compatible encoding.
_REFERENCE = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")
_LAST_CODE_POINT = 0x10FFFF
_HIGH_SURROGATES = range(0xD800, 0xDC00)
_LOW_SURROGATES = range(0xDC00, 0xE000)


def _code_point(digits: bytes) -> int:
    """The number a character reference's digits give; -1 for more digits than any has."""
    hexadecimal = digits[:1] in b"xX"
    significant = digits[1:].lstrip(b"0") if hexadecimal else digits.lstrip(b"0")
    # int() of thousands of digits would be refused, and none of them is a character.
    if len(significant) > len(str(_LAST_CODE_POINT)):
        return -1
    return int(significant or b"0", 16 if hexadecimal else 10)


def _without_impossible_references(data: bytes) -> tuple[bytes, int]:
    """*data* without references to surrogates or to no character, and how many there were.

    XML cannot carry them, and feedparser's fallback parser turns every reference into
    its character with ``chr(...).encode()``, which fails on them: they are removed (and
    counted, like the other characters XML cannot carry) before feedparser sees them.
    A high surrogate's reference right before a low one's, as encoders written for
    JavaScript's UTF-16 strings escape an emoji, becomes the one character they encode.
    """
    removed = 0
    # Where the low half of a pair begins, once the pair is joined: it is then dropped.
    joined_low_at = -1

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal removed, joined_low_at
        if match.start() == joined_low_at:
            return b""
        code = _code_point(match.group(1))
        if code in _HIGH_SURROGATES:
            low = _REFERENCE.match(data, match.end())
            low_code = -1 if low is None else _code_point(low.group(1))
            if low_code in _LOW_SURROGATES:
                joined_low_at = match.end()
                return b"&#x%X;" % (0x10000 + ((code - 0xD800) << 10) + (low_code - 0xDC00))
        if not 0 <= code <= _LAST_CODE_POINT or code in _LOW_SURROGATES or code in _HIGH_SURROGATES:
            removed += 1
            return b""
        return match.group()

    return _REFERENCE.sub(replace, data), removed


# The end tag of a feed's root element, with or without a namespace prefix (<a:feed>,
# <rdf:RDF>), and what may follow it: comments (caching plugins sign pages with one) and
# processing instructions.
_ROOT_END = re.compile(
    rb"</(?:[^\s<>/:]+:)?(?:rss|feed|RDF)\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*\Z", re.DOTALL
)
# How far from its end a document's root end tag is looked for.
_TAIL = 65536


def _cut_off(text: bytes) -> bool:
    """Whether the document (as UTF-8) ends before its root element does."""
    return _ROOT_END.search(text[-_TAIL:]) is None


def _archive_links(meta: Mapping[str, Any], clean: _Cleaner) -> ArchiveLinks | None:
    """RFC 5005 links and the fh:archive marker, if the document has any."""
    links = meta.get("links", ())
    archive = ArchiveLinks(
        current=_link(links, "current", clean),
        prev_archive=_link(links, "prev-archive", clean),
        next_archive=_link(links, "next-archive", clean),
        is_archive="fh_archive" in meta,
    )
    return None if archive == ArchiveLinks() else archive


# Well-formedness errors after which what feedparser recovers is cut short or misplaced.
# Undefined entities (&nbsp;) and stray characters (a bare "&") lose nothing.
_BROKEN = frozenset(
    {
        expat_errors.XML_ERROR_NO_ELEMENTS,  # cut short: "no element found"
        expat_errors.XML_ERROR_TAG_MISMATCH,
        expat_errors.XML_ERROR_UNCLOSED_TOKEN,
        expat_errors.XML_ERROR_PARTIAL_CHAR,
    }
)


def _is_broken(problem: object) -> bool:
    """Whether feedparser recovered from *problem* only by reading part of the document."""
    return isinstance(problem, SAXParseException) and problem.getMessage() in _BROKEN


def _json_str(document: Mapping[str, Any], key: str, where: str, *, url: str | None) -> str | None:
    value = document.get(key)
    if value is None or isinstance(value, str):
        return value
    raise FeedParseError(f"{where}{key}: expected a string, not {type(value).__name__}", source=url)


def _json_date(value: object, where: str, *, url: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = isoparse(str(value))
    except (ValueError, OverflowError) as exc:
        raise FeedParseError(f"{where}: not an RFC 3339 date: {value!r}", source=url) from exc
    if parsed.tzinfo is None:
        raise FeedParseError(f"{where}: date without a time zone: {value!r}", source=url)
    return parsed


def _json_author(document: Mapping[str, Any], clean: _Cleaner) -> str | None:
    authors = document.get("authors") or ([document["author"]] if document.get("author") else [])
    if not isinstance(authors, list):
        return None
    for author in authors:
        if isinstance(author, dict) and (name := clean.line(author.get("name"))):
            return name
    return None


def _json_hubs(document: Mapping[str, Any], clean: _Cleaner) -> tuple[str, ...]:
    hubs = document.get("hubs")
    if not isinstance(hubs, list):
        return ()
    # JSON Feed names each hub's protocol (rssCloud among them); only WebSub is read.
    return _hubs(
        (
            {"rel": "hub", "href": hub.get("url")}
            for hub in hubs
            if isinstance(hub, dict) and str(hub.get("type", "")).lower() == "websub"
        ),
        clean,
    )


def _json_item(raw: object, index: int, *, url: str | None, clean: _Cleaner) -> NewsItem | None:
    where = f"items[{index}]."
    if not isinstance(raw, dict):
        raise FeedParseError(f"items[{index}]: expected an object", source=url)
    raw_id = raw.get("id")
    entry_id = clean.line(str(raw_id)) if isinstance(raw_id, str | int) else None
    text = _json_str(raw, "content_text", where, url=url)
    markup = _json_str(raw, "content_html", where, url=url)
    summary = normalise_text(clean(text)) if text is not None else html_to_text(clean(markup or ""))
    title = clean.line(_json_str(raw, "title", where, url=url))
    link = _web_link(_json_str(raw, "url", where, url=url), clean)
    if entry_id is None and title is None and link is None:
        return None
    published, updated = _dates(
        _json_date(raw.get("date_published"), where + "date_published", url=url),
        _json_date(raw.get("date_modified"), where + "date_modified", url=url),
    )
    entry_id = _uri_id(entry_id or link or _fallback_id(title, published), clean.scope)
    published, updated = clean.dated(entry_id, published, updated)
    source = raw.get("_source")
    source_title = clean.line(source.get("title")) if isinstance(source, dict) else None
    source_url = _web_link(source.get("url"), clean) if isinstance(source, dict) else None
    tags = raw.get("tags") or []
    return NewsItem(
        id=entry_id,
        title=title or derive_title(summary) or link or "Untitled",
        summary=summary,
        published=published,
        updated=updated,
        link=link,
        author=_json_author(raw, clean),
        categories=tuple(dict.fromkeys(term for tag in tags if (term := clean.line(tag)))),
        source=Source(title=source_title, url=source_url) if source_title and source_url else None,
    )


def _read_json(data: bytes, *, url: str | None, now: datetime) -> ReadFeed:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    # ValueError covers integers too long to convert; RecursionError, hostile nesting.
    except (ValueError, RecursionError) as exc:
        raise FeedParseError(f"not valid JSON: {exc}", source=url) from exc
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
        _JSON_FEED_PREFIX
    ):
        raise FeedParseError("JSON, but not a JSON Feed (no jsonfeed.org version)", source=url)
    raw_items = document.get("items")
    if not isinstance(raw_items, list):
        raise FeedParseError("items: expected a list", source=url)
    clean = _Cleaner(now, url or "")

    def info() -> FeedInfo:
        title = clean.line(_json_str(document, "title", "", url=url)) or url or "Untitled feed"
        feed_url = _web_link(_json_str(document, "feed_url", "", url=url), clean)
        return FeedInfo(
            title=title,
            link=_web_link(_json_str(document, "home_page_url", "", url=url), clean)
            or feed_url
            or url
            or "",
            description=clean.line(_json_str(document, "description", "", url=url)) or title,
            feed_url=feed_url,
            language=clean.line(_json_str(document, "language", "", url=url)),
            author=_json_author(document, clean),
            hubs=_json_hubs(document, clean),
        )

    return _assemble(
        clean,
        [
            partial(_json_item, raw, index, url=url, clean=clean)
            for index, raw in enumerate(raw_items)
        ],
        info,
        [],
        url=url,
        archive=_json_archive(document, url=url, clean=clean),
    )


def _json_archive(
    document: Mapping[str, Any], *, url: str | None, clean: _Cleaner
) -> ArchiveLinks | None:
    # JSON Feed pages backwards with next_url: the older items, as RSS 5005's prev-archive.
    older = _web_link(_json_str(document, "next_url", "", url=url), clean)
    return None if older is None else ArchiveLinks(prev_archive=older)


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
