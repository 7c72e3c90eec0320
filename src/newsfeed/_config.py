"""The aggregator's TOML configuration: reading it strictly and describing every mistake.

A configuration names the combined feed (``[feed]``), its sources
(``[[source]]``, each exactly one of ``url``, ``bulletin`` or ``file``), how
politely to fetch (``[fetch]``) and where to write (``[output]``). Relative
paths are relative to the configuration file. Every mistake is a
:class:`ConfigError` naming the key, and the source it belongs to.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsfeed._errors import ConfigError, InputError
from newsfeed._formats import FeedFormat
from newsfeed._model import FeedInfo

_T = TypeVar("_T")
_P = ParamSpec("_P")


class SourceKind(Enum):
    """Where a source's items come from."""

    URL = "url"
    BULLETIN = "bulletin"
    FILE = "file"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceConfig:
    """One ``[[source]]`` entry."""

    #: The name shown in reports; defaults to the URL or path.
    name: str
    #: Whether it is fetched, or read from a local bulletin or feed file.
    kind: SourceKind
    #: The URL to fetch (``kind`` URL) or the absolute path to read.
    location: str
    #: Time zone of a bulletin's dates.
    timezone: str = "UTC"
    #: Whether a bulletin's dates may be out of newest-first order.
    allow_unordered: bool = False
    #: Whether a bulletin may hold no records.
    allow_empty: bool = False

    @property
    def key(self) -> str:
        """What identifies the source in the state database: its configured location."""
        return f"{self.kind.value}:{self.location}"


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSettings:
    """How sources are fetched (``[fetch]``); the defaults suit a cron job every few minutes."""

    #: Seconds to wait for a connection, and between two reads of a response.
    timeout: float = 10.0
    #: Seconds one source may take in all, however slowly its server trickles.
    max_seconds: float = 30.0
    #: The largest response body read, in bytes; a larger one is that source's error.
    max_bytes: int = 10 * 1024 * 1024
    #: Redirects followed before giving up.
    max_redirects: int = 5
    #: Sources fetched at the same time.
    # Measured in docs/performance.md: past 16 a first run gains little, but an all-304 run
    # (the usual cron run) is a third faster at 32; per_host keeps it polite.
    concurrency: int = 32
    #: Connections open to one host at the same time.
    per_host: int = 1
    #: Seconds the fetching part of a run may take in all; sources not fetched by then wait
    #: for the next run, with their state untouched.
    max_run_seconds: float = 300.0
    #: Entries kept from one source, the newest first; the rest are left out with a warning.
    max_entries: int = 500
    #: Characters one field of an entry may hold: a longer title or summary is shortened,
    #: an entry with a longer id, link, author or category is left out, with a warning.
    max_field_length: int = 100_000
    #: The longest ``Cache-Control: max-age`` honoured as the least time between two fetches
    #: of a source, in seconds; 0 fetches on every run whatever the server asks.
    max_cache_seconds: float = 3600.0
    #: The wait after a source's first failure, in seconds; it doubles with each further one.
    backoff_seconds: float = 60.0
    #: The longest wait after failures or a ``Retry-After``, in seconds.
    max_backoff_seconds: float = 86400.0
    #: Processes that read fetched feeds beside the run, on other cores; 0 reads them in
    #: one thread of the run's own process. Pays on a first run or a run where many
    #: sources changed, when the machine has a core to spare (docs/performance.md).
    parse_processes: int = 0
    #: Whether sources may resolve to loopback, private, link-local or other non-public
    #: addresses (set by ``allow_private`` in ``[feed]``).
    allow_private: bool = True

    def __post_init__(self) -> None:
        # load_config names the key at fault first; this guards settings made in code.
        for name in (*_POSITIVE_SETTINGS, *_NON_NEGATIVE_SETTINGS):
            value = getattr(self, name)
            if not math.isfinite(value):
                raise ValueError(f"FetchSettings.{name} must be a finite number, not {value}")
            if value < 0 or (value == 0 and name in _POSITIVE_SETTINGS):
                least = "greater than 0" if name in _POSITIVE_SETTINGS else "0 or more"
                raise ValueError(f"FetchSettings.{name} must be {least}, not {value}")


# What 0 would mean nothing for; and where 0 turns the wait off.
_POSITIVE_SETTINGS = (
    "timeout",
    "max_seconds",
    "max_bytes",
    "max_redirects",
    "concurrency",
    "per_host",
    "max_run_seconds",
    "max_entries",
    "max_field_length",
)
_NON_NEGATIVE_SETTINGS = (
    "max_cache_seconds",
    "backoff_seconds",
    "max_backoff_seconds",
    "parse_processes",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputConfig:
    """Where the combined feed and the state are written (``[output]``)."""

    rss: Path | None = None
    atom: Path | None = None
    json: Path | None = None
    #: A web page of the items, with autodiscovery links to the feeds.
    html: Path | None = None
    #: The folder of archive pages (RFC 5005), for items the feeds no longer hold.
    archive: Path | None = None
    #: The SQLite database that keeps sources' state and the items seen.
    state: Path


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """A whole aggregator configuration."""

    #: The file it was read from.
    path: Path
    #: What the combined feed says about itself.
    info: FeedInfo
    #: How many of the newest items the combined feed holds.
    max_items: int
    #: Items older than this many days are left out; ``None`` keeps all.
    max_age_days: int | None
    sources: tuple[SourceConfig, ...]
    fetch: FetchSettings
    output: OutputConfig


class _Abandoned(Exception):  # noqa: N818 - a signal, not an error anyone sees
    """The rest of a table cannot be read; its problems are already recorded."""


class _Table:
    """A TOML table read key by key, so every error names the key and unknown keys are caught.

    Problems are recorded in *problems*, so that one run reports all of them: unknown keys
    (with the known key they are probably a typo of) and mistyped values as they are found;
    a missing required key or a wrong value ends the reading of the table.
    """

    def __init__(
        self,
        path: Path,
        where: str,
        data: object,
        *,
        known: tuple[str, ...],
        problems: list[ConfigError],
    ) -> None:
        self.path, self.where, self.problems = path, where, problems
        if not isinstance(data, dict):
            raise ConfigError(str(path), where, "expected a table")
        self.data: dict[str, Any] = data
        name = data.get("name")
        if "name" in known and isinstance(name, str):
            self.where = f"{where} ({name})"
        # A known key that an unknown one probably misspells is not reported missing as well.
        self.misspelt: set[str] = set()
        for key in sorted(set(data) - set(known)):
            # Only a wrong configuration needs the suggestions: a right one spares the import.
            import difflib  # noqa: PLC0415

            nearest = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
            hint = f" (did you mean `{nearest[0]}`?)" if nearest else ""
            self.misspelt.update(nearest)
            self.problems.append(self.error(key, f"unknown key{hint}"))

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(str(self.path), f"{self.where}.{key}" if self.where else key, message)

    def get(self, key: str, kind: type[_T], default: _T | None = None) -> _T | None:
        if key not in self.data:
            return default
        value = self.data[key]
        # TOML integers are fine where a float is wanted, but bools are not numbers here.
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            self.problems.append(
                self.error(key, f"expected {_KIND_NAMES[kind]}, not {_describe(value)}")
            )
            return default
        # TOML has nan and inf; no setting means either.
        if isinstance(value, float) and not math.isfinite(value):
            self.problems.append(self.error(key, f"expected a finite number, not {value}"))
            return default
        return value

    def require(self, key: str, kind: type[_T]) -> _T:
        value = self.get(key, kind)
        if value is None:
            # A mistyped value or a misspelt key is reported already.
            if key not in self.data and key not in self.misspelt:
                self.problems.append(self.error(key, "is required"))
            raise _Abandoned
        return value

    def positive(self, key: str, kind: type[_T], default: _T | None) -> _T | None:
        value = self.get(key, kind, default)
        if value is not None and value <= 0:  # type: ignore[operator]
            raise self.error(key, f"must be greater than 0, not {value}")
        return value


def _read_section(
    problems: list[ConfigError], read: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T | None:
    """What *read* gives, or ``None`` with its problem recorded: other tables are still read."""
    try:
        return read(*args, **kwargs)
    except ConfigError as exc:
        problems.append(exc)
    except _Abandoned:
        pass
    return None


_KIND_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
    dict: "a table",
}


def _describe(value: object) -> str:
    return {dict: "a table", list: "an array", bool: "a boolean"}.get(type(value), repr(value))


def _http_url(table: _Table, key: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise table.error(key, f"must be an http or https URL, not {value!r}")
    return value


def _hubs(table: _Table, key: str) -> tuple[str, ...]:
    """WebSub hubs: one URL, or an array of them."""
    value = table.data.get(key, [])
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        raise table.error(key, f"expected a URL or an array of URLs, not {_describe(value)}")
    for hub in values:
        if not isinstance(hub, str):
            raise table.error(key, f"expected a URL or an array of URLs, not {_describe(hub)}")
    # A hub named twice would be pinged twice for one change.
    return tuple(dict.fromkeys(_http_url(table, key, hub) for hub in values))


def _time_zone(table: _Table, key: str, value: str) -> str:
    # Checked here, so that a typo is a configuration error rather than a failure on every run.
    try:
        ZoneInfo(value)
    # A key naming a folder of the time zone database ("Europe") fails with an OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise table.error(key, f"unknown time zone {value!r}") from exc
    return value


_SOURCE_KEYS = (
    "name",
    "url",
    "bulletin",
    "file",
    "timezone",
    "allow_unordered",
    "allow_empty",
)
# Keys that only a bulletin source has, with their defaults.
_BULLETIN_ONLY = {"timezone": "UTC", "allow_unordered": False, "allow_empty": False}


def _source(path: Path, index: int, data: object, problems: list[ConfigError]) -> SourceConfig:
    table = _Table(path, f"source[{index}]", data, known=_SOURCE_KEYS, problems=problems)
    name = table.get("name", str)
    given = [kind for kind in SourceKind if kind.value in table.data]
    if len(given) != 1:
        found = " and ".join(kind.value for kind in given) if given else "none"
        raise table.error("url", f"needs exactly one of url, bulletin or file (found {found})")
    kind = given[0]
    location = table.require(kind.value, str)
    if kind is SourceKind.URL:
        location = _http_url(table, "url", location)
    else:
        location = str((path.parent / location).resolve())
    timezone = _time_zone(table, "timezone", table.get("timezone", str, "UTC") or "UTC")
    allow_unordered = table.get("allow_unordered", bool, False)
    allow_empty = table.get("allow_empty", bool, False)
    if kind is not SourceKind.BULLETIN:
        for key, default in _BULLETIN_ONLY.items():
            if table.data.get(key, default) != default:
                raise table.error(key, f"only a bulletin source has {key}")
    return SourceConfig(
        name=name or location,
        kind=kind,
        location=location,
        timezone=timezone,
        allow_unordered=bool(allow_unordered),
        allow_empty=bool(allow_empty),
    )


_FEED_KEYS = (
    "title",
    "link",
    "feed_url",
    "description",
    "language",
    "author",
    "hub",
    "max_items",
    "max_age_days",
    "allow_private",
)


def _feed(
    path: Path, data: object, problems: list[ConfigError]
) -> tuple[FeedInfo, int, int | None, bool]:
    table = _Table(path, "feed", data, known=_FEED_KEYS, problems=problems)
    title = table.require("title", str)
    feed_url = table.get("feed_url", str)
    link = table.require("link", str)
    hubs = _hubs(table, "hub")
    try:
        info = FeedInfo(
            title=title,
            link=_http_url(table, "link", link),
            description=table.get("description", str) or title,
            feed_url=_http_url(table, "feed_url", feed_url) if feed_url else None,
            language=table.get("language", str),
            author=table.get("author", str),
            hubs=hubs,
        )
    except ValueError as exc:
        raise table.error("title", str(exc)) from exc
    max_items = table.positive("max_items", int, 100)
    max_age_days = table.positive("max_age_days", int, None)
    # Allowed unless turned off: local use (a feed on localhost) works out of the box.
    allow_private = table.get("allow_private", bool) is not False
    assert max_items is not None  # noqa: S101 - it has a default
    return info, max_items, max_age_days, allow_private


_FETCH_KEYS = (*_POSITIVE_SETTINGS, *_NON_NEGATIVE_SETTINGS)


def _fetch(
    path: Path, data: object, problems: list[ConfigError], *, allow_private: bool
) -> FetchSettings:
    table = _Table(path, "fetch", data, known=_FETCH_KEYS, problems=problems)
    defaults = FetchSettings()

    def setting(key: str, kind: type[_T]) -> _T:
        default: _T = getattr(defaults, key)
        if key in _NON_NEGATIVE_SETTINGS:
            value = table.get(key, kind, default)
            if value is not None and value < 0:  # type: ignore[operator]
                raise table.error(key, f"must be 0 or more, not {value}")
        else:
            value = table.positive(key, kind, default)
        return default if value is None else value

    return FetchSettings(
        timeout=setting("timeout", float),
        max_seconds=setting("max_seconds", float),
        max_bytes=setting("max_bytes", int),
        max_redirects=setting("max_redirects", int),
        concurrency=setting("concurrency", int),
        per_host=setting("per_host", int),
        max_run_seconds=setting("max_run_seconds", float),
        max_entries=setting("max_entries", int),
        max_field_length=setting("max_field_length", int),
        max_cache_seconds=setting("max_cache_seconds", float),
        backoff_seconds=setting("backoff_seconds", float),
        max_backoff_seconds=setting("max_backoff_seconds", float),
        parse_processes=setting("parse_processes", int),
        allow_private=allow_private,
    )


_OUTPUT_KEYS = (*(kind.value for kind in FeedFormat), "html", "archive", "state")


def _output(path: Path, data: object, problems: list[ConfigError]) -> OutputConfig:
    table = _Table(path, "output", data, known=_OUTPUT_KEYS, problems=problems)

    def local(key: str) -> Path | None:
        value = table.get(key, str)
        return None if value is None else (path.parent / value).resolve()

    rss, atom, json_path, html = local("rss"), local("atom"), local("json"), local("html")
    archive = local("archive")
    state = local("state") or (path.parent / ".newsfeed" / "state.sqlite").resolve()
    if rss is None and atom is None and json_path is None:
        raise table.error("rss", "at least one of rss, atom or json is needed")
    return OutputConfig(rss=rss, atom=atom, json=json_path, html=html, archive=archive, state=state)


def load_config(path: str | Path) -> Config:
    """Read and check an aggregator configuration file.

    Raises :class:`ConfigError` naming the file, the key and the source for
    every kind of mistake found, all of them at once (:attr:`ConfigError.problems`):
    unknown keys (with the known key each probably misspells), missing or mistyped
    values, a source with none or two of ``url``, ``bulletin`` and ``file``. A file
    that cannot be read raises :class:`InputError`.
    """
    config_path = Path(path)
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError.from_os_error(str(config_path), exc) from exc
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(str(config_path), "", f"not valid TOML: {exc}") from exc
    problems: list[ConfigError] = []
    top = _Table(
        config_path, "", data, known=("feed", "source", "fetch", "output"), problems=problems
    )
    feed = _read_section(problems, lambda: _feed(config_path, top.require("feed", dict), problems))
    sources = _sources(config_path, top, problems)
    fetch = _read_section(
        problems,
        _fetch,
        config_path,
        top.get("fetch", dict, {}),
        problems,
        allow_private=feed is None or feed[3],
    )
    output = _read_section(
        problems, lambda: _output(config_path, top.require("output", dict), problems)
    )
    if output is not None and output.archive is not None and feed and feed[0].feed_url is None:
        # Archive documents link each other and the current feed by URL.
        problems.append(ConfigError(str(config_path), "output.archive", "needs [feed] feed_url"))
    if problems:
        raise ConfigError.of(problems)
    # Each is None only when a problem was recorded.
    assert feed is not None  # noqa: S101
    assert fetch is not None  # noqa: S101
    assert output is not None  # noqa: S101
    info, max_items, max_age_days, _ = feed
    return Config(
        path=config_path,
        info=info,
        max_items=max_items,
        max_age_days=max_age_days,
        sources=sources,
        fetch=fetch,
        output=output,
    )


def _sources(path: Path, top: _Table, problems: list[ConfigError]) -> tuple[SourceConfig, ...]:
    raw_sources = _read_section(problems, top.require, "source", list)
    if raw_sources is None:
        return ()
    if not raw_sources:
        problems.append(top.error("source", "at least one [[source]] is needed"))
    first_of: dict[str, int] = {}
    sources: list[SourceConfig] = []
    for index, raw in enumerate(raw_sources, 1):
        source = _read_section(problems, _source, path, index, raw, problems)
        if source is None:
            continue
        if source.key in first_of:
            message = f"the same source as source[{first_of[source.key]}]"
            problems.append(top.error(f"source[{index}]", message))
        first_of.setdefault(source.key, index)
        sources.append(source)
    return tuple(sources)
