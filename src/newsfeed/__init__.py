"""newsfeed: publish a plain-text news bulletin as RSS, Atom and JSON Feed, and aggregate feeds.

The public API is what ``__all__`` lists; everything else lives in private modules.
"""

from importlib.metadata import version as _version

from newsfeed._bulletin import format_bulletin, load_bulletin, parse_bulletin
from newsfeed._errors import BulletinError, FeedParseError, NewsfeedError, OutputError, Problem
from newsfeed._export import to_atom, to_json_feed, to_rss
from newsfeed._files import write_atomic
from newsfeed._ingest import parse_feed
from newsfeed._model import Feed, FeedInfo, NewsItem, Source
from newsfeed._text import derive_title

__version__ = _version("newsfeed")

__all__ = [
    "BulletinError",
    "Feed",
    "FeedInfo",
    "FeedParseError",
    "NewsItem",
    "NewsfeedError",
    "OutputError",
    "Problem",
    "Source",
    "__version__",
    "derive_title",
    "format_bulletin",
    "load_bulletin",
    "parse_bulletin",
    "parse_feed",
    "to_atom",
    "to_json_feed",
    "to_rss",
    "write_atomic",
]
