"""The typed model every other module speaks: :class:`NewsItem`, :class:`FeedInfo`, :class:`Feed`.

Values are checked once, here, so that every exporter can trust them: a model
that constructs is a model that every output format can carry and read back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from newsfeed._errors import ValidationError
from newsfeed._sanitize import sanitize_html

# XML 1.0 cannot carry C0 controls (but tab and newlines), surrogates or U+FFFE/U+FFFF.
# C1 controls are legal XML, but feedparser "repairs" them as Windows-1252, so they
# would not survive a round-trip: they are rejected as well.
_NOT_CARRIED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]",
)
# What feedparser takes for a character reference in an RSS <link> and "fixes".
_REFERENCE_LIKE = re.compile(r"&[A-Za-z0-9_]+;")
# feedparser's own pattern of a URI scheme (its "+-." is a range, so "," is in it too).
_SLASHES_AFTER_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+,.-]*:///")
# An absolute URI (RFC 3986): a scheme, a colon, and something after it.
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]")
# An address as RSS and JSON Feed carry it: local@domain, nothing a "Name <addr>" or
# "addr (Name)" form would read as its delimiters.
_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+")
# Any whitespace, as str.isspace() sees it (the same characters).
_WHITESPACE = re.compile(r"\s")
# A media type: type/subtype, as RFC 6838 restricts their names, without parameters.
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


def reads_as_mojibake(text: str) -> bool:
    """Whether *text* looks like UTF-8 misread as Latin-1, such as ``Ã©`` for ``é``.

    feedparser "repairs" any such RSS or Atom text by decoding it once more
    (``Ã©`` comes back as ``é``), so it could not be read back as written.
    """
    if text.isascii():
        return False
    try:
        text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return False
    return True


def find_uncarried(text: str) -> int | None:
    """Return the index of the first character a feed cannot carry back unchanged, or ``None``.

    That is a character XML 1.0 cannot carry or, in text that
    :func:`reads_as_mojibake`, its first non-ASCII character.
    """
    match = _NOT_CARRIED.search(text)
    if match is not None:
        return match.start()
    if reads_as_mojibake(text):
        return next(index for index, char in enumerate(text) if not char.isascii())
    return None


def _check_text(owner: str, name: str, value: str) -> None:
    match = _NOT_CARRIED.search(value)
    if match is not None:
        raise ValidationError(
            f"{owner}.{name}: character U+{ord(match.group()):04X} at position {match.start()} "
            "cannot be carried by XML 1.0",
        )
    if reads_as_mojibake(value):
        raise ValidationError(
            f"{owner}.{name}: {value!r} reads as UTF-8 mistaken for Latin-1, "
            "which feed readers decode again",
        )


def _check_line(owner: str, name: str, value: str) -> None:
    """A one-line value: not empty, no line breaks, no surrounding whitespace."""
    _check_text(owner, name, value)
    if not value:
        raise ValidationError(f"{owner}.{name} must not be empty")
    if "\n" in value or "\r" in value:
        raise ValidationError(f"{owner}.{name} must be a single line: {value!r}")
    if value != value.strip():
        raise ValidationError(f"{owner}.{name} must not start or end with whitespace: {value!r}")


def _check_optional_line(owner: str, name: str, value: str | None) -> None:
    if value is not None:
        _check_line(owner, name, value)


def _check_url(owner: str, name: str, value: str | None) -> None:
    if value is None:
        return
    _check_line(owner, name, value)
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # such as an unclosed "[" of an IPv6 host
        raise ValidationError(f"{owner}.{name} is not a URL: {value!r} ({exc})") from exc
    # Feeds are read back with web links only (a javascript: or data: link is never
    # republished); readers also take "https:///path" for a typo and drop the extra slashes.
    if (
        parts.scheme.lower() not in {"http", "https"}
        or not parts.netloc
        or _WHITESPACE.search(value) is not None
    ):
        raise ValidationError(
            f"{owner}.{name} must be an absolute http or https URL with a host: {value!r}"
        )
    # "?a&b;" would come back as "?a&b", and "&amp;" as "&".
    reference = _REFERENCE_LIKE.search(value)
    if reference is not None:
        raise ValidationError(
            f"{owner}.{name}: {reference.group()!r} in {value!r} would be read as a "
            "character reference; percent-encode the ';' (%3B)",
        )


def is_item_id(value: str) -> bool:
    """Whether the model takes *value* for an item id: a URI with a host, or a URN or tag URI."""
    try:
        _check_id(value)
    except ValidationError:
        return False
    return True


def _check_id(value: str) -> None:
    _check_line("NewsItem", "id", value)
    if _SLASHES_AFTER_SCHEME.match(value):
        # feedparser takes the extra slashes for a typo and drops them from an Atom id.
        raise ValidationError(
            f"NewsItem.id: {value!r} has a slash right after '://', which feed "
            "readers drop; write it without (scheme://name)",
        )
    try:
        parts = urlsplit(value)
    except ValueError:  # such as an unclosed "[" of an IPv6 host
        parts = None
    # A URI with a host, or a URN or tag URI: other schemes (javascript:, yt:) read as
    # something else to readers, and release 0.1.0 stored them as URNs of their own.
    if (
        not _ABSOLUTE_URI.match(value)
        or parts is None
        or not (parts.netloc or parts.scheme.lower() in {"urn", "tag"})
    ):
        raise ValidationError(
            f"NewsItem.id must be an absolute URI with a host, or a urn: or tag: URI, "
            f"as Atom requires: {value!r}"
        )


def is_web_url(value: str) -> bool:
    """Whether the model takes *value* for a link: an absolute http(s) URL read back as written."""
    try:
        _check_url("", "url", value)
    except ValueError:
        return False
    return True


def check_summary(owner: str, value: str) -> None:
    """Plain text: paragraphs separated by one blank line, lines without surrounding whitespace.

    This is the form every format can carry and give back unchanged; the
    bulletin parser and the HTML-to-text step both produce it.
    """
    _check_text(owner, "summary", value)
    if "\r" in value:
        raise ValidationError(f"{owner}.summary must use \\n line breaks, not \\r")
    for paragraph in value.split("\n\n") if value else ():
        for line in paragraph.split("\n"):
            if not line or line != line.strip():
                raise ValidationError(
                    f"{owner}.summary must be paragraphs separated by one blank line, "
                    f"each line without surrounding whitespace: {line!r}",
                )


def _as_tuple(owner: str, name: str, value: object) -> tuple[Any, ...]:
    """A sequence field as the tuple the model keeps; a list is taken as one."""
    if isinstance(value, list):
        return tuple(value)
    if not isinstance(value, tuple):
        raise ValidationError(f"{owner}.{name} must be a tuple, not {type(value).__name__}")
    return value


def _check_unique(owner: str, name: str, values: tuple[Any, ...]) -> None:
    if len(set(values)) != len(values):
        repeated = next(value for value in values if values.count(value) > 1)
        raise ValidationError(f"{owner}.{name}: {repeated!r} appears more than once")


def _check_aware(owner: str, name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ValidationError(f"{owner}.{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(f"{owner}.{name} must be timezone-aware: {value.isoformat()}")
    # Every feed format carries whole seconds, so a finer value could not be read back.
    return value.replace(microsecond=0) if value.microsecond else value


def _is_empty_tuple(value: object) -> bool:
    return type(value) is tuple and not value


def _is_plain(item: NewsItem) -> bool:
    """Whether *item* has no body HTML, enclosures, image or authors: nothing to check there."""
    return (
        item.content_html == ""
        and item.image is None
        and _is_empty_tuple(item.enclosures)
        and _is_empty_tuple(item.authors)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """The feed an aggregated item came from."""

    #: The source feed's title.
    title: str
    #: The source feed's own URL.
    url: str

    def __post_init__(self) -> None:
        _check_line("Source", "title", self.title)
        _check_url("Source", "url", self.url)


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """An author: a name, an email address, a web page; at least one of them."""

    #: The person's (or organisation's) name, one line.
    name: str | None = None
    #: An email address, ``local@domain``.
    email: str | None = None
    #: The person's web page: an absolute http(s) URL.
    url: str | None = None

    def __post_init__(self) -> None:
        _check_optional_line("Person", "name", self.name)
        if self.email is not None:
            _check_line("Person", "email", self.email)
            if not _EMAIL.fullmatch(self.email):
                raise ValidationError(f"Person.email is not an address: {self.email!r}")
        _check_url("Person", "url", self.url)
        if self.name is None and self.email is None and self.url is None:
            raise ValidationError("Person needs a name, an email or a url")

    @property
    def label(self) -> str:
        """What to call the person where only a name fits: the name, else the address or page."""
        return self.name or self.email or self.url or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Enclosure:
    """A file that comes with an item: a podcast episode's audio, a report's PDF."""

    #: Where the file is: an absolute http(s) URL.
    url: str
    #: Its media type, such as ``audio/mpeg`` (lower case, without parameters).
    media_type: str
    #: Its size in bytes, or ``None`` when unknown (RSS writes ``length="0"`` for that).
    length: int | None = None

    def __post_init__(self) -> None:
        _check_url("Enclosure", "url", self.url)
        if not isinstance(self.media_type, str) or not _MEDIA_TYPE.fullmatch(self.media_type):
            raise ValidationError(
                f"Enclosure.media_type must be a lower-case type/subtype such as "
                f"'audio/mpeg', not {self.media_type!r}"
            )
        if self.length is not None and (
            isinstance(self.length, bool) or not isinstance(self.length, int) or self.length <= 0
        ):
            raise ValidationError(
                f"Enclosure.length must be a whole number of bytes above 0, or None: "
                f"{self.length!r}"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class NewsItem:
    """One news item: a bulletin record or an entry of a feed.

    Only :attr:`id`, :attr:`title` and :attr:`published` are required. The
    plain-text :attr:`summary` is what every reader can show; :attr:`content_html`
    is the body as HTML, sanitized here (see ``docs/feeds.md`` for what is kept).
    ``author="Name"`` is the short way to give one author: it stands for
    ``authors=(Person(name="Name"),)``, and :attr:`author` is always the first
    author's name. (``author`` is a constructor keyword, not a field, so that
    ``dataclasses.replace(item, authors=...)`` cannot disagree with it.)
    """

    #: Stable, unique identifier: a URI with a host (``https://…``), or a ``urn:`` or ``tag:``
    #: URI.
    id: str
    #: One line of plain text.
    title: str
    #: When the item was first published; timezone-aware, whole seconds.
    published: datetime
    #: Plain text, paragraphs separated by one blank line; empty when there is no body.
    #: Given an HTML body alone, it is that body's text.
    summary: str = ""
    #: When the item last changed, if later than :attr:`published`.
    updated: datetime | None = None
    #: The item's web page.
    link: str | None = None
    #: Category names, in the order given.
    categories: tuple[str, ...] = ()
    #: Where an aggregated item came from; ``None`` for the feed's own items.
    source: Source | None = None
    #: The body as HTML, sanitized on construction; empty when there is none, or when it is
    #: only :attr:`summary` rendered as HTML.
    content_html: str = ""
    #: Files that come with the item (audio, video, documents), in the order given.
    enclosures: tuple[Enclosure, ...] = ()
    #: The item's picture (a thumbnail): an absolute http(s) URL.
    image: str | None = None
    #: The authors, in the order given.
    authors: tuple[Person, ...] = ()

    def __init__(
        self,
        *,
        id: str,  # noqa: A002 - the field's name
        title: str,
        published: datetime,
        summary: str = "",
        updated: datetime | None = None,
        link: str | None = None,
        categories: tuple[str, ...] = (),
        source: Source | None = None,
        content_html: str = "",
        enclosures: tuple[Enclosure, ...] = (),
        image: str | None = None,
        authors: tuple[Person, ...] = (),
        author: str | None = None,
    ) -> None:
        fields = locals()
        for name in self.__dataclass_fields__:
            object.__setattr__(self, name, fields[name])
        if author is not None:
            _check_line("NewsItem", "author", author)
            if authors:
                raise ValidationError("NewsItem: give author (a name) or authors, not both")
            object.__setattr__(self, "authors", (Person(name=author),))
        self.__post_init__()

    @property
    def author(self) -> str | None:
        """The first author's name, if there is one."""
        return self.authors[0].name if self.authors else None

    def __post_init__(self) -> None:
        _check_id(self.id)
        _check_line("NewsItem", "title", self.title)
        check_summary("NewsItem", self.summary)
        object.__setattr__(self, "published", _check_aware("NewsItem", "published", self.published))
        updated = _check_aware("NewsItem", "updated", self.updated)
        if updated is not None and updated <= self.published:
            raise ValidationError(
                f"NewsItem.updated ({updated.isoformat()}) must be later than "
                f"published ({self.published.isoformat()})",
            )
        object.__setattr__(self, "updated", updated)
        _check_url("NewsItem", "link", self.link)
        # Most items (every bulletin record) leave the rest as it was: empty, and valid.
        if _is_empty_tuple(self.categories) and self.source is None and _is_plain(self):
            return
        categories = _as_tuple("NewsItem", "categories", self.categories)
        for category in categories:
            if not isinstance(category, str):
                raise ValidationError("NewsItem.categories must be a tuple of str")
            _check_line("NewsItem", "categories", category)
        # feedparser reads a repeated category once, so a repeat could not be read back.
        _check_unique("NewsItem", "categories", categories)
        object.__setattr__(self, "categories", categories)
        if self.source is not None and not isinstance(self.source, Source):
            raise ValidationError("NewsItem.source must be a Source")
        self._check_body()
        self._check_media()
        self._check_authors()

    def _check_body(self) -> None:
        if not isinstance(self.content_html, str):
            raise ValidationError("NewsItem.content_html must be a str")
        _check_text("NewsItem", "content_html", self.content_html)
        object.__setattr__(self, "content_html", sanitize_html(self.content_html))
        if not self.content_html:
            return
        from newsfeed._text import html_to_text, rendered_body  # noqa: PLC0415 - _text imports the model

        if not self.summary:
            # Every item has its plain text, for readers and formats that show no HTML (and
            # RSS, where content:encoded goes beside a description).
            object.__setattr__(self, "summary", html_to_text(self.content_html))
        if self.content_html == rendered_body(self.summary):
            # A body that is only the plain text rendered says nothing more: it is written,
            # and read back, as the plain text is.
            object.__setattr__(self, "content_html", "")

    def _check_media(self) -> None:
        enclosures = _as_tuple("NewsItem", "enclosures", self.enclosures)
        if not all(isinstance(enclosure, Enclosure) for enclosure in enclosures):
            raise ValidationError("NewsItem.enclosures must be a tuple of Enclosure")
        # Readers key enclosures by URL: a second one of the same URL would read as one.
        _check_unique("NewsItem", "enclosures", tuple(e.url for e in enclosures))
        object.__setattr__(self, "enclosures", enclosures)
        _check_url("NewsItem", "image", self.image)

    def _check_authors(self) -> None:
        authors = _as_tuple("NewsItem", "authors", self.authors)
        if not all(isinstance(person, Person) for person in authors):
            raise ValidationError("NewsItem.authors must be a tuple of Person")
        _check_unique("NewsItem", "authors", authors)
        object.__setattr__(self, "authors", authors)

    @property
    def last_changed(self) -> datetime:
        """:attr:`updated` if set, else :attr:`published`."""
        return self.updated or self.published


class _DraftItem:
    """A :class:`NewsItem` being filled in: the same slots, set as any object's attributes."""

    __slots__ = tuple(field.name for field in fields(NewsItem))


def _trusted_item(id: str, title: str, summary: str, published: datetime, /) -> NewsItem:  # noqa: A002 - the field's name
    """A plain :class:`NewsItem` of checked values: its checks are skipped, not its contract.

    For code that makes only values :meth:`NewsItem.__post_init__` would keep unchanged (the
    bulletin parser: ids it built, lines it stripped, text it checked whole, aware datetimes
    in whole seconds it made); checking 10,000 items again cost more than the parse itself.
    The optional fields are left empty. A property test checks that such items equal the
    ones the public constructor makes. Positional, to be mapped over columns of values.

    The item is filled in as a :class:`_DraftItem` and then becomes a :class:`NewsItem`,
    which has the same slots (``__class__`` assignment checks that the layouts agree): a
    frozen class's fields can only be set through their descriptors, one call each, which
    took twice as long.
    """
    # Any: the draft's slots are named at run time, from the item's fields.
    item: Any = _DraftItem()
    item.id = id
    item.title = title
    item.published = published
    item.summary = summary
    item.updated = None
    item.link = None
    item.categories = ()
    item.source = None
    item.content_html = ""
    item.enclosures = ()
    item.image = None
    item.authors = ()
    item.__class__ = NewsItem
    made: NewsItem = item
    return made


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedInfo:
    """What a feed says about itself."""

    #: The feed's title.
    title: str
    #: The web site the feed belongs to (not the feed itself).
    link: str
    #: One line saying what the feed is about.
    description: str
    #: Where the feed is served; gives the self link and the domain of item ids.
    feed_url: str | None = None
    #: The language of the items, such as ``en`` or ``ru-RU`` (``ru_RU`` is read as ``ru-RU``).
    language: str | None = None
    #: The publisher's name. Atom requires an author: without one, the title stands in.
    author: str | None = None
    #: WebSub hubs (W3C WebSub) that subscribers are told to use and that are pinged on change.
    hubs: tuple[str, ...] = ()
    #: A small square picture for the feed (Atom ``icon``, JSON Feed ``favicon``).
    icon: str | None = None
    #: A larger picture for the feed (Atom ``logo``, RSS ``image``, JSON Feed ``icon``).
    logo: str | None = None

    def __post_init__(self) -> None:
        _check_line("FeedInfo", "title", self.title)
        _check_url("FeedInfo", "link", self.link)
        _check_line("FeedInfo", "description", self.description)
        _check_url("FeedInfo", "feed_url", self.feed_url)
        _check_optional_line("FeedInfo", "language", self.language)
        if self.language is not None:
            # "en_US" is the POSIX spelling of the tag "en-US"; feedparser reads an Atom
            # xml:lang that way, so the model keeps the one spelling every format gives back.
            object.__setattr__(self, "language", self.language.replace("_", "-"))
        _check_optional_line("FeedInfo", "author", self.author)
        hubs = _as_tuple("FeedInfo", "hubs", self.hubs)
        for hub in hubs:
            _check_url("FeedInfo", "hubs", hub)
        # A hub named twice would be pinged twice for one change.
        _check_unique("FeedInfo", "hubs", hubs)
        object.__setattr__(self, "hubs", hubs)
        _check_url("FeedInfo", "icon", self.icon)
        _check_url("FeedInfo", "logo", self.logo)


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveLinks:
    """Where a document stands among archived feeds (RFC 5005, section 4)."""

    #: The subscription document; set in archive documents.
    current: str | None = None
    #: The next older archive document.
    prev_archive: str | None = None
    #: The next newer archive document.
    next_archive: str | None = None
    #: Whether this document is an archive (``fh:archive``), whose content does not change.
    is_archive: bool = False

    def __post_init__(self) -> None:
        for name in ("current", "prev_archive", "next_archive"):
            _check_url("ArchiveLinks", name, getattr(self, name))


@dataclass(frozen=True, slots=True, kw_only=True)
class Feed:
    """A feed: what it says about itself and its items, newest first."""

    #: The feed's own metadata.
    info: FeedInfo
    #: The items in the order they are published, newest first.
    items: tuple[NewsItem, ...] = field(default=())
    #: Links to archive documents, for a feed whose older items are archived.
    archive: ArchiveLinks | None = None

    def __post_init__(self) -> None:
        items = _as_tuple("Feed", "items", self.items)
        object.__setattr__(self, "items", items)
        seen: set[str] = set()
        for item in items:
            if not isinstance(item, NewsItem):
                raise ValidationError("Feed.items must be a tuple of NewsItem")
            if item.id in seen:
                raise ValidationError(f"Feed.items: id {item.id!r} appears more than once")
            seen.add(item.id)

    @property
    def updated(self) -> datetime | None:
        """The latest change among the items: the feed's own date, never the clock."""
        return max((item.last_changed for item in self.items), default=None)
