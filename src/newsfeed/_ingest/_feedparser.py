"""RSS 0.9x/1.0/2.0 and Atom with feedparser: the only module that touches it.

feedparser's untyped dicts and ``bozo`` flag stop here: what comes out is a
:class:`ReadFeed`, or a :class:`FeedParseError`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from newsfeed._errors import FeedParseError
from newsfeed._ingest._bases import document_base, resolve_as_feedparser
from newsfeed._ingest._bodies import html_body
from newsfeed._ingest._clean import (
    HTML_TYPES,
    Cleaner,
    dates,
    from_struct_time,
    hubs,
    items_site,
    link,
    text_of,
    web_link,
)
from newsfeed._ingest._guards import (
    cut_off,
    declares_entities,
    is_broken,
    without_impossible_references,
)
from newsfeed._ingest._ids import fallback_id, uri_id
from newsfeed._ingest._media import enclosure, unique_by_url
from newsfeed._ingest._people import people_from_string, person_from_string, unique
from newsfeed._ingest._raw import RawDocument, RawEntry, read_raw
from newsfeed._ingest._result import Dating, ReadFeed, assemble
from newsfeed._model import ArchiveLinks, Enclosure, FeedInfo, NewsItem, Person, Source
from newsfeed._text import derive_title, html_to_text

# Atom's title types (and Atom 0.3's media types) as feedparser names them.
_TITLE_TYPES = {
    "html": "text/html",
    "text/html": "text/html",
    "xhtml": "application/xhtml+xml",
    "application/xhtml+xml": "application/xhtml+xml",
}


def _title(
    entry: Mapping[str, Any], raw: RawEntry | None, *, is_rss: bool, clean: Cleaner
) -> str | None:
    """The entry's own title, as plain text.

    feedparser's ``title`` is the entry's own title element's, but ``title_detail``
    (with the type) is overwritten by any later nested ``<title>``: the type comes
    from the element itself, or from the detail only while it still holds that title.
    """
    value = entry.get("title")
    if not isinstance(value, str):
        return None
    detail = entry.get("title_detail") or {}
    kind: str | None
    if is_rss:
        # RSS titles are plain text as written, even where feedparser guesses HTML.
        kind = "text/plain"
    elif raw is not None:
        kind = _TITLE_TYPES.get(raw.title_type or "", "text/plain")
    else:
        kind = detail.get("type") if detail.get("value") == value else "text/plain"
    return clean.line(text_of({"type": kind, "value": value}, clean).replace("\n", " "))


def _people(
    found: Mapping[str, Any],
    raw: tuple[Person | None, ...] | None,
    clean: Cleaner,
    *,
    entry: bool,
) -> tuple[Person, ...]:
    """The authors the document names; feedparser's last raw string if it was not read."""
    if raw is None:
        author = found.get("author")
        if not isinstance(author, str):
            raw = ()
        else:
            raw = people_from_string(author) if entry else (person_from_string(author),)
    return unique(_cleaned(one, clean) for one in raw)


def _cleaned(one: Person | None, clean: Cleaner) -> Person | None:
    """*one* with a name XML can carry, on one line; ``None`` if nothing is left of it."""
    if one is None or one.name is None:
        return one
    name = clean.line(one.name)
    if name is None and one.email is None and one.url is None:
        return None
    return replace(one, name=name)


def _is_html(detail: Mapping[str, Any] | None) -> bool:
    return detail is not None and detail.get("type") in HTML_TYPES


def _bodies(
    entry: Mapping[str, Any], *, is_rss: bool, url: str | None, clean: Cleaner
) -> tuple[str, str]:
    """The plain-text summary and the sanitized HTML body of an entry.

    The HTML body is the richest HTML there is: ``content:encoded`` or Atom ``content``,
    else an HTML description or summary; its relative URLs resolve against its
    ``xml:base`` (which feedparser tracks without resolving), else the document's URL.
    The summary is the text of RSS ``description`` or Atom ``summary``; without one, the
    text of a content that is no HTML body (Atom ``type="text"``, or the rendering of
    plain text): an HTML body alone leaves the summary empty, as it was written.

    RSS ``content:encoded`` is always a body (newsfeed writes plain text in
    ``description``). An Atom ``content`` without a ``summary`` that is exactly the
    rendering of its own text is that text (newsfeed writes an item without an HTML
    body so), and so is an RSS description alone.
    """
    contents = [detail for detail in entry.get("content", ()) if detail]
    described = entry.get("summary_detail")
    summary = text_of(described, clean)
    for detail in [*contents, described]:
        if not _is_html(detail):
            continue
        text = summary if is_rss and detail is not described else summary or text_of(detail, clean)
        body = html_body(
            detail.get("value"), base=detail.get("base") or url, summary=text, clean=clean
        )
        if body:
            return summary, body
    for detail in contents:
        if summary:
            break
        summary = text_of(detail, clean)
    return summary, ""


def _resolved(base: str | None, value: object) -> object:
    """*value* resolved against *base* when it is relative; else as it is, written as it is."""
    if base is None or not isinstance(value, str):
        return value
    try:
        # urljoin would also lower-case an absolute URL's scheme ("HTTP:").
        return value if urlsplit(value.strip()).scheme else urljoin(base, value.strip())
    except ValueError:  # such as an unclosed "[" of an IPv6 host
        return value


# Where feedparser puts an entry's pictures and files, but for its enclosure links.
_MEDIA_KEYS = frozenset({"media_content", "media_thumbnail", "image"})


def _media(
    entry: Mapping[str, Any], clean: Cleaner, base: str | None
) -> tuple[tuple[Enclosure, ...], str | None]:
    """What :func:`_all_media` gives, at once for an entry with no media (as most have)."""
    if _MEDIA_KEYS.isdisjoint(entry) and not any(
        found.get("rel") == "enclosure" for found in entry.get("links", ())
    ):
        return (), None
    return _all_media(entry, clean, base)


def _all_media(
    entry: Mapping[str, Any], clean: Cleaner, base: str | None
) -> tuple[tuple[Enclosure, ...], str | None]:
    """The entry's files and its picture, relative URLs resolved against *base*.

    Files: RSS ``<enclosure>``s and Atom ``link rel="enclosure"`` (feedparser's
    ``enclosures``), and ``media:content`` that is not an image. The picture: the first
    ``media:thumbnail`` (in a ``media:group`` too), else ``itunes:image``, else a
    ``media:content`` image.
    """
    media = [found for found in entry.get("media_content", ()) if isinstance(found, Mapping)]
    images = [
        found.get("url")
        for found in media
        if found.get("medium") == "image" or str(found.get("type", "")).startswith("image/")
    ]
    files = [
        *(
            enclosure(
                _resolved(base, found.get("href")), found.get("type"), found.get("length"), clean
            )
            for found in entry.get("enclosures", ())
        ),
        *(
            enclosure(
                _resolved(base, found.get("url")), found.get("type"), found.get("filesize"), clean
            )
            for found in media
            if found.get("url") not in images
        ),
    ]
    pictures = [
        *(
            found.get("url")
            for found in entry.get("media_thumbnail", ())
            if isinstance(found, Mapping)
        ),
        (entry.get("image") or {}).get("href"),
        *images,
    ]
    image = next(
        (href for picture in pictures if (href := web_link(_resolved(base, picture), clean))), None
    )
    return unique_by_url(files), image


def _entry_item(
    entry: Mapping[str, Any],
    raw: RawEntry | None,
    *,
    is_rss: bool,
    base: str | None,
    scope: str,
    clean: Cleaner,
    dating: Dating,
) -> NewsItem | None:
    # feedparser's item access maps old names to new ones (none of the names read here) at
    # ten times the cost of a dict's: the items stored are read, but by _media, which reads
    # the "enclosures" feedparser makes of the links.
    fields = dict(entry)
    entry_link = link(fields.get("links", ()), "alternate", clean)
    entry_id = clean.line(fields.get("id"))
    # An RSS guid that is a permalink is the item's link. feedparser says the same of every
    # Atom id (it reads <id> as a guid), but an Atom id is a name, never a link.
    if entry_link is None and is_rss and fields.get("guidislink") and entry_id:
        entry_link = web_link(entry_id, clean)
    summary, content_html = _bodies(fields, is_rss=is_rss, url=base, clean=clean)
    title = _title(fields, raw, is_rss=is_rss, clean=clean)
    # An item with only a <description> is valid RSS: its text names it.
    if title is None and entry_id is None and entry_link is None and not summary:
        return None
    # Read from the dict: feedparser's own access answers a missing updated_parsed with
    # published_parsed (and a DeprecationWarning).
    published, updated = dates(
        from_struct_time(fields.get("published_parsed")),
        from_struct_time(fields.get("updated_parsed")),
    )
    entry_id = uri_id(scope, entry_id or entry_link or fallback_id(title or summary, published))
    published, updated = dating(entry_id, published, updated)
    source = fields.get("source") or {}
    # RSS <source url>; an Atom source names its feed with a self link (or, loosely, alternate).
    source_links = source.get("links", ())
    source_url = (
        web_link(source.get("href"), clean)
        or link(source_links, "self", clean)
        or link(source_links, "alternate", clean)
    )
    source_title = clean.line(source.get("title"))
    enclosures, image = _media(entry, clean, base)
    return NewsItem(
        id=entry_id,
        title=title
        or derive_title(summary or html_to_text(content_html))
        or entry_link
        or entry_id,
        summary=summary,
        content_html=content_html,
        enclosures=enclosures,
        image=image,
        published=published,
        updated=updated,
        link=entry_link,
        authors=_people(fields, None if raw is None else raw.people, clean, entry=True),
        # A term repeated (with another scheme or label) is one category to the model.
        categories=tuple(
            dict.fromkeys(
                term
                for tag in fields.get("tags", ())
                if (term := clean.line(tag.get("term") or tag.get("label")))
            )
        ),
        source=Source(title=source_title, url=source_url) if source_title and source_url else None,
    )


def _feed_link(
    meta: Mapping[str, Any], items: Sequence[NewsItem], *, url: str | None, clean: Cleaner
) -> str:
    """The feed's site: its own link, else the document's URL, else the items' site.

    A relative link is resolved against the document's URL (feedparser did that when
    there is one) or the feed's self link. A feed read without any URL and naming no
    site gets its items' site, or a placeholder (see :func:`items_site`), rather than
    being refused.
    """
    links = meta.get("links", ())
    feed_url = link(links, "self", clean)
    own = link(links, "alternate", clean) or web_link(meta.get("link"), clean)
    base = url or feed_url
    written = clean.line(meta.get("link"))
    if own is None and base and written:
        own = web_link(urljoin(base, written), clean)
    return own or feed_url or url or items_site(items)


def _feed_info(
    meta: Mapping[str, Any],
    raw: RawDocument | None,
    items: Sequence[NewsItem],
    *,
    is_rss: bool,
    url: str | None,
    clean: Cleaner,
) -> FeedInfo:
    title_detail = meta.get("title_detail")
    # As for items: an RSS title is plain text, even where feedparser guesses it is HTML.
    if is_rss and title_detail:
        title_detail = {**title_detail, "type": "text/plain"}
    title = clean.line(text_of(title_detail, clean)) or url or "Untitled feed"
    links = meta.get("links", ())
    people = _people(meta, None if raw is None else raw.people, clean, entry=False)
    image = meta.get("image") or {}
    return FeedInfo(
        title=title,
        link=_feed_link(meta, items, url=url, clean=clean),
        description=clean.line(text_of(meta.get("subtitle_detail"), clean)) or title,
        feed_url=link(links, "self", clean),
        language=clean.line(meta.get("language")),
        author=people[0].label if people else None,
        hubs=hubs(links, clean),
        # Atom icon (and atom:icon in RSS); RSS <image> (or itunes:image), Atom logo.
        icon=web_link(meta.get("icon"), clean),
        logo=web_link(image.get("href"), clean) or web_link(meta.get("logo"), clean),
    )


def _archive_links(meta: Mapping[str, Any], clean: Cleaner) -> ArchiveLinks | None:
    """RFC 5005 links and the fh:archive marker, if the document has any."""
    links = meta.get("links", ())
    archive = ArchiveLinks(
        current=link(links, "current", clean),
        prev_archive=link(links, "prev-archive", clean),
        next_archive=link(links, "next-archive", clean),
        is_archive="fh_archive" in meta,
    )
    return None if archive == ArchiveLinks() else archive


def _feed_date(meta: Mapping[str, Any]) -> datetime | None:
    """The newest date the feed gives itself (RSS pubDate and lastBuildDate, Atom updated)."""
    # Membership first: feedparser answers a missing updated_parsed with published_parsed
    # and a DeprecationWarning.
    found = [
        when
        for key in ("published_parsed", "updated_parsed")
        if key in meta and (when := from_struct_time(meta[key])) is not None
    ]
    return max(found, default=None)


def _parse(
    data: bytes, response_headers: Mapping[str, str], as_utf8: bytes
) -> feedparser.FeedParserDict:
    """feedparser's parse of *data*, relative URLs resolved against the document's URL.

    Where the base URI cannot change within the document, it is parsed without the URL
    and resolved afterwards, the same way and much faster (see :mod:`._bases`).
    """
    base = document_base(as_utf8, response_headers.get("content-location"))
    if base is not None:
        # Emptied, not removed: feedparser warns of a missing Content-Type only when
        # there are headers at all.
        parsed = _feedparser_parse(data, {**response_headers, "content-location": ""})
        if resolve_as_feedparser(parsed, base, as_utf8):
            return parsed
    return _feedparser_parse(data, response_headers)


def _feedparser_parse(
    data: bytes, response_headers: Mapping[str, str]
) -> feedparser.FeedParserDict:
    # A file object, never bytes or str: feedparser would take those for a path or URL to open.
    # Markup is only ever turned into plain text here, so feedparser need not sanitise it or
    # resolve the URIs in it; both rewrite text that merely looks like HTML ("<b x=1>",
    # "&copy") in plain-text titles, which then could not be read back as written.
    return feedparser.parse(
        io.BytesIO(data),
        response_headers=dict(response_headers),
        sanitize_html=False,
        resolve_relative_uris=False,
    )


@contextmanager
def _read_failures(url: str | None) -> Iterator[None]:
    """Make what feedparser cannot take this feed's error, not the caller's crash.

    Its decoding fails on a declared encoding it cannot look up (``encoding="\x80TF-8"``),
    its fallback parser on a reference to a surrogate in a document that is not
    ASCII-compatible, and its mapping on a ``<textInput>`` inside an item (KeyError).
    """
    try:
        yield
    except (UnicodeError, ValueError, OverflowError, KeyError) as exc:
        raise FeedParseError(f"cannot be read: {exc}", source=url) from exc


def read_xml(
    data: bytes,
    *,
    url: str | None,
    headers: Mapping[str, str] | None,
    now: datetime | None,
    scope: str,
) -> ReadFeed:
    """Read RSS or Atom bytes (an Atom Entry Document is a feed of one entry)."""
    # Without a Content-Location, a document's base URI is the one it was retrieved from
    # (RFC 3986, 5.1.3): relative links such as <link>/</link> resolve against it.
    response_headers = {"content-location": url} if url else {}
    response_headers.update(headers or {})
    # The text as feedparser decodes it, once for both checks: in UTF-16, or with a charset
    # in the headers, neither a declaration nor the root's end tag has its ASCII bytes.
    with _read_failures(url):
        as_utf8 = feedparser.encodings.convert_to_utf8(dict(response_headers), data, {})
    if declares_entities(as_utf8):
        raise FeedParseError(
            "declares its own XML entities (<!ENTITY>), which are never read", source=url
        )
    data, removed = without_impossible_references(data)
    with _read_failures(url):
        parsed = _parse(data, response_headers, as_utf8)
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version"):
        detail = f": {problem}" if problem else ""
        raise FeedParseError(f"not an RSS, Atom or JSON feed{detail}", source=url)
    if is_broken(problem):
        raise FeedParseError(f"broken XML: {problem}", source=url)
    # feedparser keeps only the first error: a cut-off document that also has an undefined
    # entity reports that one. Being cut off shows at the end, without the root's end tag.
    if cut_off(as_utf8):
        raise FeedParseError("broken XML: the document is cut off before its end", source=url)
    warnings = [f"recovered from: {problem}"] if problem else []
    clean = Cleaner()
    clean.removed += removed
    dating = Dating()
    raw = read_raw(as_utf8)
    # Each raw entry is its feedparser entry's only when both found as many.
    if raw is not None and len(raw.entries) != len(parsed.entries):
        raw = None
    is_rss = parsed["version"].startswith("rss")
    # Relative URLs in bodies and media resolve against the document's URL; a document
    # read without one (a local file) is where its self link says, else at its site.
    feed_links = parsed.feed.get("links", ())
    base = url or link(feed_links, "self", clean) or link(feed_links, "alternate", clean)
    return assemble(
        clean,
        dating,
        [
            partial(
                _entry_item,
                entry,
                None if raw is None else raw.entries[index],
                is_rss=is_rss,
                base=base,
                scope=scope,
                clean=clean,
                dating=dating,
            )
            for index, entry in enumerate(parsed.entries)
        ],
        lambda items: _feed_info(parsed.feed, raw, items, is_rss=is_rss, url=url, clean=clean),
        warnings,
        url=url,
        now=now,
        feed_date=_feed_date(parsed.feed),
        archive=_archive_links(parsed.feed, clean),
    )
