"""The aggregator's state: one SQLite file (WAL) with each source's fetch state and items seen.

Each source's outcome is saved in one transaction, so a crash or kill at any
moment leaves the database consistent: every source either has its old state
and items or its new ones. A lock file beside the database keeps two
overlapping runs from both writing.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from newsfeed._errors import StateLockedError
from newsfeed._model import Enclosure, NewsItem, Person, Source

_SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS source (
    key TEXT PRIMARY KEY,          -- the source as configured: kind and location
    url TEXT,                      -- the URL in use, after permanent redirects
    etag TEXT,
    last_modified TEXT,
    content_hash TEXT,             -- of a local file, to notice it has not changed
    title TEXT,
    status TEXT,                   -- the last outcome
    error TEXT,                    -- the last error, until a fetch succeeds
    last_fetched TEXT,
    next_fetch TEXT,               -- not fetched before this time (Retry-After, backoff)
    failures INTEGER NOT NULL DEFAULT 0,
    gone INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS item (
    source_key TEXT NOT NULL REFERENCES source(key),
    id TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    published TEXT NOT NULL,       -- UTC ISO 8601, so text order is time order
    data TEXT NOT NULL,            -- the NewsItem as JSON
    PRIMARY KEY (source_key, id)
);
CREATE INDEX IF NOT EXISTS item_published ON item (published);
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the state database knows about one source."""

    key: str
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    title: str | None = None
    status: str | None = None
    error: str | None = None
    last_fetched: datetime | None = None
    next_fetch: datetime | None = None
    failures: int = 0
    gone: bool = False
    #: How many items of this source are stored.
    items: int = 0


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def item_to_json(item: NewsItem) -> str:
    """The item as compact, key-sorted JSON: equal items give equal text.

    Fields at their defaults are left out, so an item of release 0.1.0's kind
    is stored as that release stored it, and a field added later reads as its default.
    """
    document: dict[str, Any] = {
        "id": item.id,
        "title": item.title,
        "summary": item.summary,
        "published": item.published.isoformat(),
        "updated": None if item.updated is None else item.updated.isoformat(),
        "link": item.link,
        "categories": list(item.categories),
        "source": None
        if item.source is None
        else {"title": item.source.title, "url": item.source.url},
    }
    # Release 0.1.0 stored one author's name, or null; such items are still stored so.
    if not item.authors or (
        item.author is not None and item.authors == (Person(name=item.author),)
    ):
        document["author"] = item.author
    else:
        document["authors"] = [_without_none(_fields_of(person)) for person in item.authors]
    if item.content_html:
        document["content_html"] = item.content_html
    if item.enclosures:
        document["enclosures"] = [_without_none(_fields_of(e)) for e in item.enclosures]
    if item.image is not None:
        document["image"] = item.image
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _fields_of(value: Person | Enclosure) -> dict[str, Any]:
    return {name: getattr(value, name) for name in value.__dataclass_fields__}


def _without_none(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if value is not None}


# A source's items all carry the same Source: made (and checked) once, not once per item.
# Source is frozen, so sharing one instance is invisible to its users.
_source = lru_cache(maxsize=1024)(Source)


def item_from_json(text: str) -> NewsItem:
    document = json.loads(text)
    source = document["source"]
    return NewsItem(
        id=document["id"],
        title=document["title"],
        summary=document["summary"],
        published=datetime.fromisoformat(document["published"]),
        updated=_parse_time(document["updated"]),
        link=document["link"],
        author=document.get("author"),
        authors=tuple(Person(**person) for person in document.get("authors", ())),
        categories=tuple(document["categories"]),
        source=None if source is None else _source(title=source["title"], url=source["url"]),
        content_html=document.get("content_html", ""),
        enclosures=tuple(Enclosure(**e) for e in document.get("enclosures", ())),
        image=document.get("image"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredItem:
    """An item as kept in the state, with the source it came from."""

    source_key: str
    first_seen: datetime
    item: NewsItem


class Store:
    """The state database of one aggregator configuration."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Store]:
        """Lock and open (creating if needed) the state database at *path*.

        Raises :class:`StateLockedError` while another run holds it.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = path.with_name(path.name + ".lock")
        lock = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StateLockedError(str(path)) from exc
            connection = sqlite3.connect(path, isolation_level=None, timeout=30)
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA foreign_keys=ON")
                store = cls(connection)
                store._migrate()
                yield store
            finally:
                connection.close()
        finally:
            os.close(lock)  # closing the descriptor releases the lock

    @classmethod
    @contextmanager
    def read_only(cls, path: Path) -> Iterator[Store]:
        """Open the state for reading, beside a run that may be writing it."""
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            yield cls(connection)
        finally:
            connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self._transaction() as db:
            (version,) = db.execute("PRAGMA user_version").fetchone()
            if version == 0:
                # executescript() would commit first: the statements run one by one instead.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {_SCHEMA_VERSION}")

    def source(self, key: str) -> SourceState:
        """The stored state of a source; a blank state for one never seen."""
        row = self._db.execute(
            "SELECT key, url, etag, last_modified, content_hash, title, status, error,"
            " last_fetched, next_fetch, failures, gone,"
            " (SELECT count(*) FROM item WHERE source_key = source.key)"
            " FROM source WHERE key = ?",
            (key,),
        ).fetchone()
        return SourceState(key=key) if row is None else _state(row)

    def sources(self) -> list[SourceState]:
        rows = self._db.execute(
            "SELECT key, url, etag, last_modified, content_hash, title, status, error,"
            " last_fetched, next_fetch, failures, gone,"
            " (SELECT count(*) FROM item WHERE source_key = source.key)"
            " FROM source ORDER BY key"
        ).fetchall()
        return [_state(row) for row in rows]

    def save(
        self,
        state: SourceState,
        items: Sequence[NewsItem] = (),
        *,
        now: datetime,
        undated: Iterable[str] = (),
    ) -> int:
        """Save a source's new state and items in one transaction; return how many items are new.

        An item already stored is replaced when it changed, unless the stored
        version is more recent. Items the source no longer lists are kept.
        For items in *undated* (the source gave no date), the stored date is kept.
        """
        undated_ids = set(undated)
        new = 0
        with self._transaction() as db:
            db.execute(
                "INSERT INTO source (key, url, etag, last_modified, content_hash, title, status,"
                " error, last_fetched, next_fetch, failures, gone)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET url = excluded.url, etag = excluded.etag,"
                " last_modified = excluded.last_modified, content_hash = excluded.content_hash,"
                " title = excluded.title, status = excluded.status, error = excluded.error,"
                " last_fetched = excluded.last_fetched, next_fetch = excluded.next_fetch,"
                " failures = excluded.failures, gone = excluded.gone",
                (
                    state.key,
                    state.url,
                    state.etag,
                    state.last_modified,
                    state.content_hash,
                    state.title,
                    state.status,
                    state.error,
                    _time(state.last_fetched),
                    _time(state.next_fetch),
                    state.failures,
                    int(state.gone),
                ),
            )
            for item in items:
                row = db.execute(
                    "SELECT data FROM item WHERE source_key = ? AND id = ?", (state.key, item.id)
                ).fetchone()
                if row is None:
                    new += 1
                    db.execute(
                        "INSERT INTO item (source_key, id, first_seen, published, data)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (state.key, item.id, _time(now), _time(item.published), item_to_json(item)),
                    )
                    continue
                stored = item_from_json(row[0])
                fresh = item
                if item.id in undated_ids:
                    fresh = replace(item, published=stored.published)
                if fresh != stored and fresh.last_changed >= stored.last_changed:
                    db.execute(
                        "UPDATE item SET published = ?, data = ? WHERE source_key = ? AND id = ?",
                        (_time(fresh.published), item_to_json(fresh), state.key, item.id),
                    )
        return new

    def items(self, source_keys: Sequence[str]) -> list[StoredItem]:
        """Every stored item of the given sources."""
        marks = ",".join("?" * len(source_keys))
        rows = self._db.execute(
            f"SELECT source_key, first_seen, data FROM item WHERE source_key IN ({marks})",  # noqa: S608 - only placeholders are interpolated
            tuple(source_keys),
        ).fetchall()
        return [
            StoredItem(
                source_key=key, first_seen=datetime.fromisoformat(seen), item=item_from_json(data)
            )
            for key, seen, data in rows
        ]


def _state(row: Sequence[Any]) -> SourceState:
    (key, url, etag, modified, content_hash, title, status, error, fetched, next_fetch) = row[:10]
    return SourceState(
        key=key,
        url=url,
        etag=etag,
        last_modified=modified,
        content_hash=content_hash,
        title=title,
        status=status,
        error=error,
        last_fetched=_parse_time(fetched),
        next_fetch=_parse_time(next_fetch),
        failures=row[10],
        gone=bool(row[11]),
        items=row[12],
    )
