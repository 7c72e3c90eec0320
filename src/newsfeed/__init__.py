"""newsfeed: publish a plain-text news bulletin as RSS, Atom and JSON Feed, and aggregate feeds.

The public API is what ``__all__`` lists; everything else lives in private modules.
"""

from importlib.metadata import version as _version

from newsfeed._aggregate import Outcome, Report, SourceReport, aggregate
from newsfeed._bulletin import format_bulletin, load_bulletin, parse_bulletin
from newsfeed._config import Config, FetchSettings, SourceConfig, SourceKind, load_config
from newsfeed._errors import (
    BulletinError,
    ConfigError,
    FeedParseError,
    NewsfeedError,
    OutputError,
    Problem,
    StateLockedError,
    ValidationError,
)
from newsfeed._export import to_atom, to_json_feed, to_rss
from newsfeed._files import write_atomic
from newsfeed._ingest import parse_feed
from newsfeed._model import ArchiveLinks, Enclosure, Feed, FeedInfo, NewsItem, Person, Source
from newsfeed._text import derive_title
from newsfeed._websub import HubPing

__version__ = _version("newsfeed")

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
