"""Which reader takes which bytes: each format's sniff test and reader, first match wins."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from newsfeed._ingest._feedparser import read_xml
from newsfeed._ingest._jsonfeed import is_json, read_json
from newsfeed._ingest._result import ReadFeed


class Reader(Protocol):
    def __call__(
        self,
        data: bytes,
        *,
        url: str | None,
        headers: Mapping[str, str] | None,
        now: datetime | None,
        scope: str,
    ) -> ReadFeed: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    """A family of feed formats one reader reads."""

    name: str
    #: Whether bytes are (probably) in this format; cheap, looks only at the start.
    sniff: Callable[[bytes], bool]
    read: Reader


#: Tried in order; the last takes whatever is left, and refuses what is no feed.
FORMATS = (
    Format(name="JSON Feed", sniff=is_json, read=read_json),
    Format(name="RSS or Atom", sniff=lambda _data: True, read=read_xml),
)


def reader_for(data: bytes) -> Reader:
    """The reader of the first format that recognises *data*."""
    return next(found.read for found in FORMATS if found.sniff(data))
