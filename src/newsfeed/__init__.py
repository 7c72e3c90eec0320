"""newsfeed: publish a plain-text news bulletin as RSS, Atom and JSON Feed, and aggregate feeds.

The public API is what ``__all__`` lists; everything else lives in private modules.
The bulletin reader, the feed reader and the exporters are imported at their first use
(:func:`__getattr__`).
"""

import importlib as _importlib
from typing import TYPE_CHECKING as _TYPE_CHECKING

from newsfeed._config import Config, FetchSettings, SourceConfig, SourceKind, load_config
from newsfeed._errors import (
    BulletinError,
    ConfigError,
    FeedParseError,
    InputError,
    NewsfeedError,
    OutputError,
    Problem,
    StateError,
    StateLockedError,
    ValidationError,
)
from newsfeed._files import write_atomic
from newsfeed._model import ArchiveLinks, Enclosure, Feed, FeedInfo, NewsItem, Person, Source
from newsfeed._websub import HubPing
from newsfeed.aggregate import Outcome, Report, SourceReport, aggregate

__version__ = "0.1.0"

if _TYPE_CHECKING:  # bound by __getattr__ at run time
    from newsfeed._bulletin import format_bulletin, load_bulletin, parse_bulletin
    from newsfeed._export import to_atom, to_json_feed, to_rss
    from newsfeed._ingest import parse_feed
    from newsfeed._text import derive_title

# Every cron run pays the imports of its start; an aggregator run that reads and writes
# nothing needs none of these: feedgen and lxml alone are a tenth of that start
# (docs/performance.md).
_LAZY = {
    "derive_title": "newsfeed._text",
    "format_bulletin": "newsfeed._bulletin",
    "load_bulletin": "newsfeed._bulletin",
    "parse_bulletin": "newsfeed._bulletin",
    "parse_feed": "newsfeed._ingest",
    "to_atom": "newsfeed._export",
    "to_json_feed": "newsfeed._export",
    "to_rss": "newsfeed._export",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ArchiveLinks",
    "BulletinError",
    "Config",
    "ConfigError",
    "Enclosure",
    "Feed",
    "FeedInfo",
    "FeedParseError",
    "FetchSettings",
    "HubPing",
    "InputError",
    "NewsItem",
    "NewsfeedError",
    "Outcome",
    "OutputError",
    "Person",
    "Problem",
    "Report",
    "Source",
    "SourceConfig",
    "SourceKind",
    "SourceReport",
    "StateError",
    "StateLockedError",
    "ValidationError",
    "__version__",
    "aggregate",
    "derive_title",
    "format_bulletin",
    "load_bulletin",
    "load_config",
    "parse_bulletin",
    "parse_feed",
    "to_atom",
    "to_json_feed",
    "to_rss",
    "write_atomic",
]
