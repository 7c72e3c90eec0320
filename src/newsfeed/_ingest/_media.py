"""Enclosures and pictures: what an entry's files are, as every format names them."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from urllib.parse import urlsplit

from newsfeed._errors import ValidationError
from newsfeed._ingest._clean import Cleaner, web_link
from newsfeed._model import Enclosure

_UNKNOWN_TYPE = "application/octet-stream"


def length_of(value: object) -> int | None:
    """A length in bytes: ``None`` for 0 (RSS's way of saying unknown), garbage or a negative."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    else:
        return None
    return number if number > 0 else None


def media_type_of(value: object, url: str) -> str:
    """The declared media type (lower case, without parameters), else guessed from the URL.

    feedparser gives an Atom link without a type ``text/html``: for an enclosure, that
    says nothing, and the URL's suffix (``.mp3``) says more.
    """
    declared = value.split(";")[0].strip().lower() if isinstance(value, str) else ""
    if declared and declared != "text/html":
        return declared
    guessed, _ = mimetypes.guess_type(urlsplit(url).path, strict=False)
    return guessed or declared or _UNKNOWN_TYPE


def enclosure(url: object, media_type: object, length: object, clean: Cleaner) -> Enclosure | None:
    """An enclosure, or ``None`` when its URL is not an http(s) URL or its type is no type."""
    href = web_link(url, clean)
    if href is None:
        return None
    try:
        return Enclosure(
            url=href, media_type=media_type_of(media_type, href), length=length_of(length)
        )
    except ValidationError:
        # A declared type the model refuses ("audio"): guessed, else unknown.
        return Enclosure(url=href, media_type=media_type_of(None, href), length=length_of(length))


def unique_by_url(found: Iterable[Enclosure | None]) -> tuple[Enclosure, ...]:
    """Each file once, its first mention kept (RSS enclosure and media:content often repeat)."""
    kept: dict[str, Enclosure] = {}
    for one in found:
        if one is not None and one.url not in kept:
            kept[one.url] = one
    return tuple(kept.values())
