"""Resolving against the document's URL after feedparser's parse, as feedparser would have.

Given a document URL (``Content-Location``), feedparser joins its base URI with itself at
every start tag, which is a good part of its time on a feed of short entries. In a
document without ``xml:base`` (or ``base``) attributes the base never changes, so the
document is parsed without the URL and :func:`resolve_as_feedparser` then does to the
parsed dicts what feedparser does with it: the same join (:func:`join`) on the same
values (links, ids, comments, people's pages...), and the same ``base`` on the text
constructs, so that the dicts come out equal.

Some values are resolved by feedparser only when written one way (a ``<guid>``, unless
``isPermaLink="false"``; a ``<link href>``, but not an RSS ``<enclosure url>``): where
the parsed dicts cannot tell which way, and resolving would change the value, the
function says so and the document is parsed again with its URL.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin, urlsplit, uses_relative

# An attribute that sets a base URI: feedparser takes both ``xml:base`` and ``base``.
_BASE_ATTRIBUTE = re.compile(rb"base\s*=")
# feedparser drops the slashes after "scheme://" beyond two before joining (its pattern).
_EXTRA_SLASHES = re.compile(r"([A-Za-z][A-Za-z0-9+-.]*://)/+")
# feedparser's ids: <guid> and (Atom's) <id>, in any namespace; the attributes of a guid.
_ID_TAG = re.compile(rb"<(?:[\w.-]+:)?id[\s/>]")
_GUID_TAG = re.compile(rb"<(?:[\w.-]+:)?guid(?=[\s/>])([^>]*)>")
# isPermaLink="false" (feedparser lower-cases the name, not the value).
_NOT_PERMALINK = re.compile(rb"""\b(?i:ispermalink)\s*=\s*["']false["']""")
# Elements whose text feedparser resolves (its can_be_relative_uri, but for the ids, the
# people's pages and the links' hrefs, which depend on more).
_ELEMENT_URLS = ("link", "icon", "logo", "comments", "docs", "wfw_comment", "wfw_commentrss")
# An absolute http(s) URL that urljoin gives back as it is, whatever the base: a lower-case
# scheme (urljoin lower-cases it), an ASCII host without brackets (it checks a Unicode or
# IPv6 one), no ";" (it drops an empty path parameter), no empty "?" or "#" (it drops them),
# nothing it strips or removes (spaces, controls), and no slash it would drop after "//".
_KEPT_BY_URLJOIN = re.compile(
    r"https?://[A-Za-z0-9._~!$&'()*+,=:@%-]+"
    r"(?:/[^;?#\x00-\x20\x7f]*)?(?:\?[^#\x00-\x20\x7f]+)?(?:#[^\x00-\x20\x7f]+)?\Z"
)
# A URI of a scheme urljoin never resolves (urn:, tag:, mailto:), which it gives back as it
# is: without "//" after the scheme (it would check the host) nor a tab or line break
# (which it removes before parsing, and could make a "//").
_NOT_RELATIVE_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!//)[^\t\n\r]*\Z")
_RELATIVE_SCHEMES = frozenset(uses_relative)
# Links feedparser takes from attributes it does not resolve (RSS <enclosure url>,
# Creative Commons licenses); every other link comes from a <link>, resolved.
_UNRESOLVED_RELS = frozenset({"enclosure", "license"})


def join(base: str, uri: str) -> str:
    """*uri* resolved against *base* exactly as feedparser resolves (its ``_urljoin``)."""
    # Most values are absolute already, and parsing them again was most of the time here.
    if _KEPT_BY_URLJOIN.match(uri):
        return uri
    other = _NOT_RELATIVE_SCHEME.match(uri)
    if other is not None and other.group(1).lower() not in _RELATIVE_SCHEMES:
        return uri
    return joined(base, uri)


def joined(base: str, uri: str) -> str:
    """What :func:`join` gives, always the long way: by feedparser's pattern and urljoin."""
    extra = _EXTRA_SLASHES.match(uri)
    if extra is not None:
        uri = extra.group(1) + uri[extra.end() :]
    try:
        return urljoin(base, uri)
    except ValueError:
        return ""


def document_base(data: bytes, location: str | None) -> str | None:
    """The base feedparser would resolve every value against, if it never changes.

    That is the document's http(s) URL as feedparser's first start tag makes it (joined
    with itself), in a document with no attribute that could set another base (searched
    for in the UTF-8 bytes; a mere look-alike in text only costs the slower parse).
    """
    if not location or _BASE_ATTRIBUTE.search(data):
        return None
    try:
        scheme = urlsplit(location).scheme
    except ValueError:
        return None
    base = join(location, location)
    # feedparser joins the base with itself at every start tag: it must stay as it is.
    if scheme.lower() not in {"http", "https"} or not base or join(base, base) != base:
        return None
    return base


def _ids_are_names(data: bytes) -> bool:
    """Whether every id in *data* is a guid with ``isPermaLink="false"``.

    feedparser resolves any other id. Look-alikes in text (in CDATA) only make the
    answer ``False`` more often.
    """
    return _ID_TAG.search(data) is None and all(
        _NOT_PERMALINK.search(attributes) for attributes in _GUID_TAG.findall(data)
    )


class _UnresolvableError(Exception):
    """A value feedparser may or may not have resolved, which resolving would change."""


# feedparser's dicts are dicts whose item access maps old key names (none of those
# below) at some cost: plain dict access reads and writes the same items.
_get = dict.get


def _resolve_links(links: Iterable[dict[str, Any]], base: str) -> None:
    for found in links:
        href = _get(found, "href")
        if not isinstance(href, str):
            continue
        if _get(found, "rel") in _UNRESOLVED_RELS or not href:
            # An empty href becomes the base when written as an attribute, and stays
            # empty when it is a <link>'s empty text.
            _check_unchanged(href, base)
        elif not (resolved := join(base, href)):
            # A link urljoin refuses loses its href when it was a <link>'s text, and
            # keeps it empty when it was an attribute.
            raise _UnresolvableError
        else:
            dict.__setitem__(found, "href", resolved)


def _check_unchanged(value: object, base: str) -> None:
    if isinstance(value, str) and join(base, value) != value:
        raise _UnresolvableError


def _resolve_if_set(found: dict[str, Any], key: str, base: str) -> None:
    value = _get(found, key)
    if isinstance(value, str) and value:
        dict.__setitem__(found, key, join(base, value))


def _set_bases(found: dict[str, Any], base: str) -> None:
    """The base of the text constructs (``title_detail``, ``content``...) feedparser records."""
    for key, value in dict.items(found):
        details = value if key == "content" else (value,) if key.endswith("_detail") else ()
        for detail in details:
            if isinstance(detail, dict) and _get(detail, "base") == "":
                dict.__setitem__(detail, "base", base)


class _Resolver:
    """Resolves the contexts of one document: its feed, its entries, their sources."""

    def __init__(self, base: str, data: bytes) -> None:
        self.base = base
        self.data = data
        # Whether no id was resolved: looked for in the bytes only when an id needs to know.
        self.names: bool | None = None

    def context(self, found: dict[str, Any], *, href_unsure: bool = False) -> None:
        """Its links, its link, its id, its people's pages and its text constructs' bases.

        *href_unsure*: an href that may be an attribute's, not resolved (a source's may be
        RSS ``<source url>``, an image's ``itunes:image``'s).
        """
        # An empty link stays empty, unless it is an empty href's, found among the links.
        _resolve_links(_get(found, "links", ()), self.base)
        for key in _ELEMENT_URLS:
            _resolve_if_set(found, key, self.base)
        _set_bases(found, self.base)
        # A person's <uri> (or <url>, <homepage>) is resolved, and copied to the context's
        # href; so is an RSS <image>'s <url>.
        if href_unsure:
            _check_unchanged(_get(found, "href"), self.base)
        else:
            _resolve_if_set(found, "href", self.base)
        for key in ("author_detail", "publisher_detail"):
            _resolve_if_set(_get(found, key) or {}, "href", self.base)
        for key in ("authors", "contributors"):
            for person in _get(found, key, ()):
                _resolve_if_set(person, "href", self.base)
        # A guid (or Atom id) is resolved unless isPermaLink="false"; guidislink says it
        # was only when there was no link before it.
        if _get(found, "guidislink"):
            _resolve_if_set(found, "id", self.base)
        elif self.names is None:
            try:
                _check_unchanged(_get(found, "id"), self.base)
            except _UnresolvableError:
                self.names = _ids_are_names(self.data)
                if not self.names:
                    raise


def resolve_as_feedparser(parsed: dict[str, Any], base: str, data: bytes) -> bool:
    """Resolve *parsed* (read without a URL from *data*) against *base* as feedparser would.

    Returns ``False`` where that cannot be told from the dicts; *parsed* is then
    partly changed, and must be parsed again with its URL.
    """
    feed = _get(parsed, "feed", {})
    resolver = _Resolver(base, data)
    try:
        resolver.context(feed)
        resolver.context(_get(feed, "image") or {}, href_unsure=True)
        resolver.context(_get(feed, "textinput") or {})
        for entry in _get(parsed, "entries", ()):
            resolver.context(entry)
            source = _get(entry, "source")
            if source:
                resolver.context(source, href_unsure=True)
    except _UnresolvableError:
        return False
    return True
