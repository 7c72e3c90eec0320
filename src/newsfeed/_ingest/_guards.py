"""Checks on a document's bytes before and after feedparser: what is refused, what is removed.

Entity declarations (bombs), documents cut off before their root's end, references to
characters that cannot exist, and XML errors feedparser recovers from only by reading
part of the document.
"""

from __future__ import annotations

import re
from xml.parsers.expat import errors as expat_errors
from xml.sax import SAXParseException

# The start of the root element: what comes before it is the prolog, where a DTD is.
_FIRST_ELEMENT = re.compile(rb"<([^\s<>/!?]+)")


def declares_entities(text: bytes) -> bool:
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


def without_impossible_references(data: bytes) -> tuple[bytes, int]:
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


# What may follow the root's end tag: comments (caching plugins sign pages with one) and
# processing instructions.
_EPILOGUE = rb"\s*>(?:\s|<!--.*?-->|<\?.*?\?>)*\Z"
# How far from its end a document's root end tag is looked for.
_TAIL = 65536


def cut_off(text: bytes) -> bool:
    """Whether the document (as UTF-8) ends before its root element does.

    The root's own end tag must close it (``</rss>``, ``</a:feed>``, ``</rdf:RDF>``, or
    ``</entry>`` for an Atom Entry Document): a feed cut right after an ``</entry>`` of
    its own is still cut off.
    """
    root = _FIRST_ELEMENT.search(text)
    if root is None:
        return True
    end = re.compile(rb"</" + re.escape(root.group(1)) + _EPILOGUE, re.DOTALL)
    return end.search(text[-_TAIL:]) is None


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


def is_broken(problem: object) -> bool:
    """Whether feedparser recovered from *problem* only by reading part of the document."""
    return isinstance(problem, SAXParseException) and problem.getMessage() in _BROKEN
