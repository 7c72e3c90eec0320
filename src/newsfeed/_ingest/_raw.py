"""What feedparser's dicts get wrong, read again from the document's elements with lxml.

Titles: feedparser overwrites an entry's ``title_detail`` (not its ``title``) with any
later nested ``<title>`` (an ``<image>``'s, a ``<textInput>``'s), and with it the Atom
``type`` that says whether the title is HTML; the type of the entry's own title is read here.

Authors: feedparser keeps one raw author string per entry (the last) and splits
addresses wrongly (see :mod:`._people`); every ``author``, ``dc:creator``,
``itunes:author`` and Atom person construct is read here, in document order.
An entry's author string is split into the people it names (see :mod:`._people`), unless
a person construct of the entry has it for a name (newsfeed writes an RSS item's first
author so, and it may hold a comma: ``Acme, Inc.``). An Atom entry's contributors follow
its authors: newsfeed writes co-authors so, since readers show an Atom entry's last author.

The pass is lenient (lxml's recovering parser, no DTD, no network): the entries it
finds are used only when they are as many as feedparser's, so that each matches its
own. The document reaches it only after the byte guards (no entity declarations).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from newsfeed._ingest._people import people_from_string, person, person_from_string
from newsfeed._model import Person

_PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)
_ATOM = "http://www.w3.org/2005/Atom"
_ATOM_03 = "http://purl.org/atom/ns#"
_DC = "http://purl.org/dc/elements/1.1/"
_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
# The namespaces of RSS 0.90 and 1.0 (RDF); RSS 0.9x and 2.0 have none.
_RSS_NAMESPACES = frozenset(
    {"", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/"}
)
_FEED_NAMESPACES = _RSS_NAMESPACES | {_ATOM, _ATOM_03}
_PERSON_CONSTRUCTS = frozenset(
    f"{{{namespace}}}{name}"
    for namespace in (_ATOM, _ATOM_03)
    for name in ("author", "contributor")
)
# Elements whose text is one author string.
_AUTHOR_STRINGS = frozenset({"author", f"{{{_DC}}}creator", f"{{{_ITUNES}}}author"})


@dataclass(frozen=True, slots=True, kw_only=True)
class RawEntry:
    """What an entry's own child elements say."""

    #: Its authors, in document order.
    people: tuple[Person | None, ...]
    #: The ``type`` of its own Atom ``<title>`` (``None``: text, or no Atom title).
    title_type: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RawDocument:
    """The authors of the feed, and each entry's own elements, as the document says."""

    people: tuple[Person | None, ...]
    entries: tuple[RawEntry, ...]


def _text(element: etree._Element) -> str:
    text = "".join(str(part) for part in element.itertext())
    # As feedparser does with every value: UTF-8 read as Latin-1 (a wrong declaration)
    # is decoded again, so that both passes read the same text.
    try:
        return text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return text


def _split(tag: str) -> tuple[str, str]:
    """Namespace and local name; lxml's QName refuses the tags of undeclared prefixes."""
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, local


def _child_text(element: etree._Element, namespace: str, name: str) -> str | None:
    child = element.find(f"{{{namespace}}}{name}")
    return None if child is None else _text(child)


def _people(element: etree._Element, *, entry: bool) -> tuple[Person | None, ...]:
    """The authors an entry (or channel, or Atom feed) names in its own child elements.

    Atom person constructs (also in RSS, where newsfeed writes the first author's next
    to the ``dc:creator``) come first, authors before contributors, then the author
    strings (``author``, ``dc:creator``, ``itunes:author``); :func:`._people.unique`
    drops a string that names a person already found.
    """
    authors: list[Person | None] = []
    contributors: list[Person | None] = []
    strings: list[str] = []
    for child in element.iterchildren(tag=etree.Element):
        tag = child.tag
        if tag in _AUTHOR_STRINGS:
            strings.append(_text(child))
        elif tag in _PERSON_CONSTRUCTS:
            namespace, local = _split(tag)
            found = authors if local == "author" else contributors
            found.append(
                person(
                    _child_text(child, namespace, "name"),
                    _child_text(child, namespace, "email"),
                    _child_text(child, namespace, "uri") or _child_text(child, namespace, "url"),
                )
            )
    constructs = authors + contributors if entry else authors
    names = {one.name for one in constructs if one is not None}
    people = (
        people_from_string(text)
        if entry and text.strip() not in names
        else (person_from_string(text),)
        for text in strings
    )
    return (*constructs, *(one for found in people for one in found))


def _is_entry(element: etree._Element) -> bool:
    namespace, local = _split(element.tag)
    return local in {"item", "entry"} and namespace in _FEED_NAMESPACES


def _entry(element: etree._Element) -> RawEntry:
    namespace, _ = _split(element.tag)
    title = element.find(f"{{{namespace}}}title") if namespace in {_ATOM, _ATOM_03} else None
    return RawEntry(
        people=_people(element, entry=True), title_type=None if title is None else title.get("type")
    )


def read_raw(as_utf8: bytes) -> RawDocument | None:
    """The document's (UTF-8) authors and titles' types, ``None`` if lxml sees no tree."""
    try:
        root = etree.fromstring(as_utf8, _PARSER)
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    entries = [element for element in root.iter(etree.Element) if _is_entry(element)]
    # The channel holds RSS 2.0's feed-level elements; Atom's are the root's own.
    channel = next(
        (
            child
            for child in root.iterchildren(tag=etree.Element)
            if _split(child.tag)[1] == "channel"
        ),
        root,
    )
    return RawDocument(
        people=() if _is_entry(root) else _people(channel, entry=False),
        entries=tuple(_entry(entry) for entry in entries),
    )
