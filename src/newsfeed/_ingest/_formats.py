"""Which reader takes which bytes: each format's sniff test and reader, first match wins.

The readers' modules are imported at the first read of their format: feedparser, lxml
and dateutil's parser take a tenth of the start-up of a run whose sources are all
unchanged, which reads nothing (docs/performance.md).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

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
    #: The module of :mod:`newsfeed._ingest` that reads it, and its :class:`Reader` function.
    module: str
    function: str

    def reader(self) -> Reader:
        module = importlib.import_module(self.module, __package__)
        return cast("Reader", getattr(module, self.function))


def is_json(data: bytes) -> bool:
    """Whether the bytes look like JSON (an object), not XML."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


#: Tried in order; the last takes whatever is left, and refuses what is no feed.
FORMATS = (
    Format(name="JSON Feed", sniff=is_json, module="._jsonfeed", function="read_json"),
    Format(
        name="RSS or Atom", sniff=lambda _data: True, module="._feedparser", function="read_xml"
    ),
)


def reader_modules() -> tuple[str, ...]:
    """The readers' modules, by their full names: for a process that reads many feeds to
    import before it starts workers."""
    return tuple(importlib.util.resolve_name(found.module, __package__) for found in FORMATS)


def reader_for(data: bytes) -> Reader:
    """The reader of the first format that recognises *data*."""
    return next(found.reader() for found in FORMATS if found.sniff(data))
