"""The output formats and the facts about each that several modules need, in one table.

The command line (``--format``, the suffix of ``-o``), the configuration's
``[output]`` keys, the aggregator's outputs and archive documents, the page's
autodiscovery links and the preview server's media types all read them here.

The exporters are imported at the first export: feedgen and lxml take a tenth of the
start-up of a run that writes nothing (docs/performance.md).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import PurePath
from typing import cast

from newsfeed._model import Feed


class FeedFormat(Enum):
    """A format newsfeed writes; its value is its name in ``--format`` and ``[output]``."""

    RSS = "rss"
    ATOM = "atom"
    JSON = "json"


@dataclass(frozen=True, slots=True, kw_only=True)
class FormatFacts:
    """What the rest of newsfeed needs to know about one format."""

    #: The suffix of its files: archive documents are named with it, and ``-o`` picks by it.
    suffix: str
    #: The media type it is served and announced as.
    media_type: str
    #: Its name as people know it, on the page.
    label: str
    #: The function of :mod:`newsfeed._export` that writes it.
    exporter: str

    def export(self, feed: Feed) -> bytes:
        """*feed* written in this format."""
        write = getattr(importlib.import_module("newsfeed._export"), self.exporter)
        return cast("Callable[[Feed], bytes]", write)(feed)


FORMATS: dict[FeedFormat, FormatFacts] = {
    FeedFormat.RSS: FormatFacts(
        suffix=".xml", media_type="application/rss+xml", label="RSS", exporter="to_rss"
    ),
    FeedFormat.ATOM: FormatFacts(
        suffix=".atom", media_type="application/atom+xml", label="Atom", exporter="to_atom"
    ),
    FeedFormat.JSON: FormatFacts(
        suffix=".json",
        media_type="application/feed+json",
        label="JSON Feed",
        exporter="to_json_feed",
    ),
}


def format_of(path: PurePath) -> FeedFormat:
    """The format a file's suffix names: ``.atom`` and ``.json`` theirs, RSS otherwise."""
    suffix = path.suffix.lower()
    return next((kind for kind, facts in FORMATS.items() if facts.suffix == suffix), FeedFormat.RSS)


def label_of(media_type: str) -> str | None:
    """The label of the format served as *media_type*, if newsfeed writes it."""
    return next((facts.label for facts in FORMATS.values() if facts.media_type == media_type), None)
