"""Writing a :class:`Feed` as RSS 2.0, Atom 1.0 or JSON Feed 1.1 bytes.

The only module that touches feedgen. Its dated defaults stop here: dates
come from the items, never the clock; entries keep the model's order; text
fields are plain text, escaped for the format that carries them.

Each item's bodies go where readers look for them: the plain-text summary as
HTML (escaped, a paragraph a ``<p>``, web addresses linked) in RSS
``description``, Atom ``summary``/``content type="html"`` and JSON Feed
``content_html``; the HTML body in ``content:encoded``, Atom ``content`` and
JSON ``content_html``. An item without authors is written with the feed's
author, as readers show an item's own author only. See ``docs/feeds.md``.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedEntry, FeedGenerator
from lxml import etree

from newsfeed._model import ArchiveLinks, Feed, NewsItem, Person
from newsfeed._text import text_to_html

_ATOM = "http://www.w3.org/2005/Atom"
_XHTML = "http://www.w3.org/1999/xhtml"
_HISTORY = "http://purl.org/syndication/history/1.0"
_CONTENT = "http://purl.org/rss/1.0/modules/content/"
_DC = "http://purl.org/dc/elements/1.1/"
_MEDIA = "http://search.yahoo.com/mrss/"
_GENERATOR = "newsfeed"
# An empty feed still needs a date; the clock would make every build differ.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class _ExplicitTextTypes(BaseExtension):  # type: ignore[misc]  # feedgen is untyped
    """Marks the feed's Atom ``title`` as ``type="text"``, which feedgen leaves implicit.

    Also writes the RSS channel's WebSub hub links (feedgen writes only the self link
    there) and, in both formats, the archive links of RFC 5005.
    """

    def __init__(self) -> None:
        self.hubs: tuple[str, ...] = ()
        self.archive: ArchiveLinks | None = None
        self.icon: str | None = None
        #: The feed's date, as written.
        self.updated: datetime | None = None

    def extend_ns(self) -> dict[str, str]:
        # Declared once on the root, not on every element that uses them.
        return {"dc": _DC, "media": _MEDIA}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        _mark_text(feed)
        # feedgen's Atom elements take the root's default namespace.
        self._archive_links(feed, "link")
        return feed

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        channel = feed.find("channel")
        if channel is not None:
            _four_digit_year(channel, "lastBuildDate", self.updated)
            for hub in self.hubs:
                etree.SubElement(channel, f"{{{_ATOM}}}link", href=hub, rel="hub")
            self._archive_links(channel, f"{{{_ATOM}}}link")
            # RSS has one picture (<image>, the logo); the icon goes in Atom's element.
            if self.icon is not None:
                etree.SubElement(channel, f"{{{_ATOM}}}icon").text = self.icon
        return feed

    def _archive_links(self, parent: etree._Element, link_tag: str) -> None:
        if self.archive is None:
            return
        if self.archive.is_archive:
            etree.SubElement(parent, f"{{{_HISTORY}}}archive", nsmap={"fh": _HISTORY})
        for rel, href in (
            ("current", self.archive.current),
            ("prev-archive", self.archive.prev_archive),
            ("next-archive", self.archive.next_archive),
        ):
            if href is not None:
                etree.SubElement(parent, link_tag, href=href, rel=rel)


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]  # feedgen is untyped
    """What feedgen cannot write, finished on the XML of the item's entry."""

    def __init__(self) -> None:
        self.item: NewsItem | None = None
        #: Who wrote the item as written: its authors, else the feed's author.
        self.authors: tuple[Person, ...] = ()

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        _mark_text(entry)
        item = self.item
        if item is None:
            return entry
        _atom_authors(entry, self.authors)
        content = entry.find("content")
        if content is not None and not (item.summary or item.content_html):
            # RFC 4287 4.1.1.1: an entry needs content or an alternate link, and the W3C
            # validator warns on blank text content: an empty XHTML div is content that
            # is there and says nothing, and reads back as an empty summary.
            content.set("type", "xhtml")
            etree.SubElement(content, f"{{{_XHTML}}}div", nsmap={None: _XHTML})  # type: ignore[dict-item]  # the stubs lack the default namespace
        _atom_media(entry, item)
        source = entry.find("source")
        if item.source is not None and source is not None:
            # An atom:source describes the source feed: its id and date are required,
            # and its link is that feed's own (self) URL.
            for link in source.iterchildren("link"):
                link.set("rel", "self")
            etree.SubElement(source, "id").text = item.source.url
            etree.SubElement(source, "updated").text = _stamp(item.last_changed).isoformat()
        return entry

    def extend_rss(self, entry: etree._Element) -> etree._Element:
        item = self.item
        if item is None:
            return entry
        _four_digit_year(entry, "pubDate", _stamp(item.published))
        if item.content_html:
            etree.SubElement(entry, f"{{{_CONTENT}}}encoded").text = item.content_html
        # Readers look for an RSS item's author in dc:creator; RSS's own <author> holds an
        # address only. An Atom person construct carries the first author whole, with
        # address and page.
        if self.authors:
            # An RSS item may hold one atom:author (the W3C validator counts them).
            first = self.authors[0]
            author = etree.SubElement(entry, f"{{{_ATOM}}}author")
            etree.SubElement(author, f"{{{_ATOM}}}name").text = first.label
            if first.email is not None:
                etree.SubElement(author, f"{{{_ATOM}}}email").text = first.email
            if first.url is not None:
                etree.SubElement(author, f"{{{_ATOM}}}uri").text = first.url
        for creator in _rss_creators(self.authors):
            etree.SubElement(entry, f"{{{_DC}}}creator").text = creator
        if item.enclosures:
            # RSS 2.0 carries one enclosure per item; readers take no second one.
            enclosure = item.enclosures[0]
            etree.SubElement(
                entry,
                "enclosure",
                url=enclosure.url,
                length=str(enclosure.length or 0),  # "0": the RSS way of saying unknown
                type=enclosure.media_type,
            )
        if item.image is not None:
            etree.SubElement(entry, f"{{{_MEDIA}}}thumbnail", url=item.image)
        # RSS has no item update time; atom:updated is the common extension readers know.
        if item.updated is not None:
            stamp = _stamp(item.updated).isoformat()
            etree.SubElement(entry, f"{{{_ATOM}}}updated").text = stamp
        return entry


# What a reader splitting an author string looks at: commas, and the quotes and brackets
# around a comma that is part of a person.
_AUTHOR_STRING_SYNTAX = frozenset(',"()<>')


def _rss_creators(authors: tuple[Person, ...]) -> list[str]:
    """The ``dc:creator`` texts of an item: one, naming everyone, where readers can split it.

    Readers show one author string per RSS item (of several elements, the last), and
    split it at the commas outside quotes and brackets: co-authors go in one string,
    first author first, unless a label holds one of those characters itself.
    """
    labels = [person.label for person in authors]
    if any(char in label for label in labels for char in _AUTHOR_STRING_SYNTAX):
        return labels
    return [", ".join(labels)] if labels else []


def _atom_authors(entry: etree._Element, authors: tuple[Person, ...]) -> None:
    """Person constructs after the entry's date, where feedgen would put them.

    The first author is the entry's author, the others its contributors: readers show
    one author of an Atom entry, and feedparser's (reader's, Planet's) is the last.
    """
    position = entry.index(entry.find("updated")) + 1  # type: ignore[arg-type]  # always written
    for offset, person in enumerate(authors):
        construct = etree.Element("author" if offset == 0 else "contributor")
        # Atom requires a name: a person without one is named by their address or page,
        # and reads back as having no name.
        etree.SubElement(construct, "name").text = person.label
        if person.email is not None:
            etree.SubElement(construct, "email").text = person.email
        if person.url is not None:
            etree.SubElement(construct, "uri").text = person.url
        entry.insert(position + offset, construct)


def _atom_media(entry: etree._Element, item: NewsItem) -> None:
    for enclosure in item.enclosures:
        link = etree.SubElement(
            entry, "link", rel="enclosure", href=enclosure.url, type=enclosure.media_type
        )
        if enclosure.length is not None:
            link.set("length", str(enclosure.length))
    if item.image is not None:
        etree.SubElement(entry, f"{{{_MEDIA}}}thumbnail", url=item.image)


def _four_digit_year(element: etree._Element, tag: str, moment: datetime | None) -> None:
    """Write an RSS date with a four-digit year, as RFC 822 readers parse it.

    feedgen's strftime writes the year 1 (Hugo's date of an undated page) as "1",
    which the W3C validator refuses and readers take for 2001.
    """
    child = element.find(tag)
    if child is not None and moment is not None:
        child.text = format_datetime(moment)


def _stamp(moment: datetime) -> datetime:
    """The instant as every format can write it: with an offset in whole minutes.

    RFC 822 and RFC 3339 have no seconds in an offset, and some zones had such
    offsets (Africa/Monrovia, -00:44:30, until 1972): those instants are written in UTC.
    """
    offset = moment.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        return moment.astimezone(UTC)
    return moment


def _mark_text(element: etree._Element) -> None:
    """Mark Atom titles as text; text that looks like markup goes in as escaped HTML.

    ``type="text"`` is right for "<b>nine</b>", but validators (and some readers) take
    it for undeclared HTML: as ``type="html"``, escaped once more, it shows the same.
    """
    # feedgen builds Atom elements without a namespace and lets the root's default one apply.
    for child in element.iterchildren("title", "subtitle"):
        text = child.text or ""
        if "<" in text or "&" in text:
            child.set("type", "html")
            child.text = html.escape(text, quote=False)
        else:
            child.set("type", "text")


def _generator(feed: Feed, *, rss: bool) -> FeedGenerator:
    info = feed.info
    generator = FeedGenerator()
    generator.register_extension("newsfeed", _ExplicitTextTypes, _EntryExtras)
    generator.id(info.feed_url or info.link)
    generator.title(info.title)
    # feedgen's RSS <link> is the last link given: the site's goes last.
    if info.feed_url is not None:
        generator.link(href=info.feed_url, rel="self")
    for hub in info.hubs:
        generator.link(href=hub, rel="hub")
    generator.newsfeed.hubs = info.hubs
    generator.newsfeed.archive = feed.archive
    generator.link(href=info.link, rel="alternate")
    # Readers (feedparser among them) take an RSS channel description for HTML, as an
    # item's: plain text goes in escaped. Atom's subtitle is marked type="text" instead.
    generator.description(html.escape(info.description, quote=False) if rss else info.description)
    if info.language is not None:
        generator.language(info.language)
    generator.generator(_GENERATOR)
    if rss:
        if info.logo is not None:
            generator.image(url=info.logo, title=info.title, link=info.link)
        generator.newsfeed.icon = info.icon
    else:
        if info.icon is not None:
            generator.icon(info.icon)
        if info.logo is not None:
            generator.logo(info.logo)
    updated = _stamp(feed.updated or _EPOCH)
    generator.updated(updated)
    generator.lastBuildDate(updated)
    generator.newsfeed.updated = updated
    if rss:
        # The channel's author in dc:creator. feedgen's extension hooks run on every entry, a
        # third of the RSS export's time (docs/performance.md): loaded only when needed.
        if info.author is not None:
            generator.load_extension("dc", atom=False, rss=True)
            generator.dc.dc_creator(info.author)
    else:
        # Atom requires an author for the feed; the title names the publisher when none is given.
        generator.author({"name": info.author or info.title})
    return generator


def _entry(generator: FeedGenerator, item: NewsItem, feed_author: Person | None) -> FeedEntry:
    entry = generator.add_entry(order="append")
    entry.id(item.id)
    entry.title(item.title)
    entry.published(_stamp(item.published))
    entry.updated(_stamp(item.last_changed))
    if item.link is not None:
        entry.link(href=item.link, rel="alternate")
    for category in item.categories:
        entry.category(term=category)
    if item.source is not None:
        entry.source(url=item.source.url, title=item.source.title)
    entry.newsfeed.item = item
    entry.newsfeed.authors = item.authors or ((feed_author,) if feed_author else ())
    return entry


def _serialise(feed: Feed, *, rss: bool, fill: Callable[[FeedEntry, NewsItem], None]) -> bytes:
    generator = _generator(feed, rss=rss)
    feed_author = Person(name=feed.info.author) if feed.info.author is not None else None
    for item in feed.items:
        fill(_entry(generator, item, feed_author), item)
    data: bytes = generator.rss_str(pretty=True) if rss else generator.atom_str(pretty=True)
    return data


def _fill_rss(entry: FeedEntry, item: NewsItem) -> None:
    entry.guid(item.id, permalink=False)
    if item.summary:
        # RSS readers render description as HTML: plain text goes in escaped, paragraphs as <p>.
        entry.description(text_to_html(item.summary))


def _fill_atom(entry: FeedEntry, item: NewsItem) -> None:
    # Text as escaped HTML, not type="text": readers (newsboat among them) render text
    # content as HTML anyway, and would show "<b>" as bold and lose a bare "&".
    if item.content_html:
        entry.content(item.content_html, type="html")
        if item.summary:
            entry.summary(text_to_html(item.summary), type="html")
    else:
        # An empty content element is turned into an empty XHTML div by _EntryExtras.
        entry.content(text_to_html(item.summary), type="html")


def to_rss(feed: Feed) -> bytes:
    """The feed as RSS 2.0, UTF-8 encoded."""
    return _serialise(feed, rss=True, fill=_fill_rss)


def to_atom(feed: Feed) -> bytes:
    """The feed as Atom 1.0 (RFC 4287), UTF-8 encoded."""
    return _serialise(feed, rss=False, fill=_fill_atom)


def _json_person(person: Person) -> dict[str, str]:
    document = {"name": person.name} if person.name is not None else {}
    # JSON Feed has no email field: its spec offers a mailto: URL for one, and where the
    # person has a web page too, the address goes in an extension key.
    if person.url is not None:
        document["url"] = person.url
        if person.email is not None:
            document["_email"] = person.email
    elif person.email is not None:
        document["url"] = f"mailto:{person.email}"
    return document


def _json_bodies(item: NewsItem) -> dict[str, str]:
    # content_text is the whole plain-text body; with an HTML body, the plain text is its
    # summary. content_html is the HTML body, or the plain text rendered with its links.
    if item.content_html:
        summary = {"summary": item.summary} if item.summary else {}
        return {**summary, "content_html": item.content_html}
    if item.summary:
        return {"content_text": item.summary, "content_html": text_to_html(item.summary)}
    return {"content_text": ""}


def _json_item(item: NewsItem, feed_authors: tuple[Person, ...]) -> dict[str, Any]:
    document: dict[str, Any] = {"id": item.id, "title": item.title, **_json_bodies(item)}
    if item.link is not None:
        document["url"] = item.link
    if item.image is not None:
        document["image"] = item.image
    document["date_published"] = _stamp(item.published).isoformat()
    if item.updated is not None:
        document["date_modified"] = _stamp(item.updated).isoformat()
    # JSON Feed 1.1 lets items inherit the feed's authors, but readers show an item's own.
    if authors := item.authors or feed_authors:
        document["authors"] = [_json_person(person) for person in authors]
    if item.categories:
        document["tags"] = list(item.categories)
    if item.source is not None:
        # JSON Feed has no source field; extensions are keys starting with an underscore.
        document["_source"] = {"title": item.source.title, "url": item.source.url}
    if item.enclosures:
        document["attachments"] = [
            {"url": e.url, "mime_type": e.media_type}
            | ({} if e.length is None else {"size_in_bytes": e.length})
            for e in item.enclosures
        ]
    return document


def to_json_feed(feed: Feed) -> bytes:
    """The feed as JSON Feed 1.1, UTF-8 encoded."""
    info = feed.info
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": info.title,
        "home_page_url": info.link,
    }
    if info.feed_url is not None:
        document["feed_url"] = info.feed_url
    document["description"] = info.description
    # JSON Feed's icon is the large picture (512 x 512), its favicon the small one.
    if info.logo is not None:
        document["icon"] = info.logo
    if info.icon is not None:
        document["favicon"] = info.icon
    if info.language is not None:
        document["language"] = info.language
    if info.author is not None:
        document["authors"] = [{"name": info.author}]
    if info.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in info.hubs]
    if feed.archive is not None and feed.archive.prev_archive is not None:
        # JSON Feed pages backwards: next_url holds the older items.
        document["next_url"] = feed.archive.prev_archive
    feed_authors = (Person(name=info.author),) if info.author is not None else ()
    document["items"] = [_json_item(item, feed_authors) for item in feed.items]
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
