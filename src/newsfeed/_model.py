"""The typed model every other module speaks: :class:`NewsItem`, :class:`FeedInfo`, :class:`Feed`.

Values are checked once, here, so that every exporter can trust them: a model
that constructs is a model that every output format can carry and read back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

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
        raise ValueError(
            f"{owner}.{name}: character U+{ord(match.group()):04X} at position {match.start()} "
            "cannot be carried by XML 1.0",
        )
    if reads_as_mojibake(value):
        raise ValueError(
            f"{owner}.{name}: {value!r} reads as UTF-8 mistaken for Latin-1, "
            "which feed readers decode again",
        )


def _check_line(owner: str, name: str, value: str) -> None:
    """A one-line value: not empty, no line breaks, no surrounding whitespace."""
    _check_text(owner, name, value)
    if not value:
        raise ValueError(f"{owner}.{name} must not be empty")
    if "\n" in value or "\r" in value:
        raise ValueError(f"{owner}.{name} must be a single line: {value!r}")
    if value != value.strip():
        raise ValueError(f"{owner}.{name} must not start or end with whitespace: {value!r}")


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
        raise ValueError(f"{owner}.{name} is not a URL: {value!r} ({exc})") from exc
    # Feeds are read back with web links only (a javascript: or data: link is never
    # republished); readers also take "https:///path" for a typo and drop the extra slashes.
    if (
        parts.scheme.lower() not in {"http", "https"}
        or not parts.netloc
        or any(char.isspace() for char in value)
    ):
        raise ValueError(
            f"{owner}.{name} must be an absolute http or https URL with a host: {value!r}"
        )
    # "?a&b;" would come back as "?a&b", and "&amp;" as "&".
    reference = _REFERENCE_LIKE.search(value)
    if reference is not None:
        raise ValueError(
            f"{owner}.{name}: {reference.group()!r} in {value!r} would be read as a "
            "character reference; percent-encode the ';' (%3B)",
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
        raise ValueError(f"{owner}.summary must use \\n line breaks, not \\r")
    for paragraph in value.split("\n\n") if value else ():
        for line in paragraph.split("\n"):
            if not line or line != line.strip():
                raise ValueError(
                    f"{owner}.summary must be paragraphs separated by one blank line, "
                    f"each line without surrounding whitespace: {line!r}",
                )


def _check_aware(owner: str, name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"{owner}.{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{owner}.{name} must be timezone-aware: {value.isoformat()}")
    # Every feed format carries whole seconds, so a finer value could not be read back.
    return value.replace(microsecond=0)


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
class NewsItem:
    """One news item: a bulletin record or an entry of a feed."""

    #: Stable, unique identifier; a URI when it is to appear in Atom.
    id: str
    #: One line of plain text.
    title: str
    #: When the item was first published; timezone-aware, whole seconds.
    published: datetime
    #: Plain text, paragraphs separated by one blank line; empty when there is no body.
    summary: str = ""
    #: When the item last changed, if later than :attr:`published`.
    updated: datetime | None = None
    #: The item's web page.
    link: str | None = None
    #: The author's name.
    author: str | None = None
    #: Category names, in the order given.
    categories: tuple[str, ...] = ()
    #: Where an aggregated item came from; ``None`` for the feed's own items.
    source: Source | None = None

    def __post_init__(self) -> None:
        _check_line("NewsItem", "id", self.id)
        if _SLASHES_AFTER_SCHEME.match(self.id):
            # feedparser takes the extra slashes for a typo and drops them from an Atom id.
            raise ValueError(
                f"NewsItem.id: {self.id!r} has a slash right after '://', which feed "
                "readers drop; write it without (scheme://name)",
            )
        _check_line("NewsItem", "title", self.title)
        check_summary("NewsItem", self.summary)
        object.__setattr__(self, "published", _check_aware("NewsItem", "published", self.published))
        updated = _check_aware("NewsItem", "updated", self.updated)
        if updated is not None and updated <= self.published:
            raise ValueError(
                f"NewsItem.updated ({updated.isoformat()}) must be later than "
                f"published ({self.published.isoformat()})",
            )
        object.__setattr__(self, "updated", updated)
        _check_url("NewsItem", "link", self.link)
        _check_optional_line("NewsItem", "author", self.author)
        if not isinstance(self.categories, tuple):
            raise TypeError("NewsItem.categories must be a tuple of str")
        for category in self.categories:
            _check_line("NewsItem", "categories", category)
        # feedparser reads a repeated category once, so a repeat could not be read back.
        if len(set(self.categories)) != len(self.categories):
            repeated = next(c for c in self.categories if self.categories.count(c) > 1)
            raise ValueError(f"NewsItem.categories: {repeated!r} appears more than once")
        if self.source is not None and not isinstance(self.source, Source):
            raise TypeError("NewsItem.source must be a Source")

    @property
    def last_changed(self) -> datetime:
        """:attr:`updated` if set, else :attr:`published`."""
        return self.updated or self.published


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
        if not isinstance(self.hubs, tuple):
            raise TypeError("FeedInfo.hubs must be a tuple of str")
        for hub in self.hubs:
            _check_url("FeedInfo", "hubs", hub)
        # A hub named twice would be pinged twice for one change.
        if len(set(self.hubs)) != len(self.hubs):
            repeated = next(h for h in self.hubs if self.hubs.count(h) > 1)
            raise ValueError(f"FeedInfo.hubs: {repeated!r} appears more than once")


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
        if not isinstance(self.items, tuple):
            raise TypeError("Feed.items must be a tuple of NewsItem")
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"Feed.items: id {item.id!r} appears more than once")
            seen.add(item.id)

    @property
    def updated(self) -> datetime | None:
        """The latest change among the items: the feed's own date, never the clock."""
        return max((item.last_changed for item in self.items), default=None)
