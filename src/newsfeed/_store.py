"""The aggregator's state in one SQLite file (WAL): the :class:`~newsfeed._state.State` backend.

Each source's outcome is saved in one transaction (a savepoint, within
:meth:`Store.batch`), so a crash or kill at any moment leaves the database
consistent: every source either has its old state and items or its new ones.
A lock file beside the database keeps two overlapping runs from both writing:
it is the lease of every source at once. Every ``sqlite3.Error`` becomes a
:class:`~newsfeed.StateError`.

Commits do not wait for the disk (WAL with ``synchronous=NORMAL``): a power loss
may undo the last transactions, never half of one. :meth:`Store.sync` makes
everything saved durable, and a run calls it before it publishes, so what a
feed shows is never lost from the state; a run undone by a power loss before
that point is as if it had not run. An fsync per source cost more than the
fetch itself in runs of many sources (docs/performance.md); so does a commit per
source, so a run's saves are committed :data:`_BATCH` sources at a time.

The schema carries its version in ``PRAGMA user_version``; :data:`_MIGRATIONS`
brings an older file up to date, one version per transaction.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, astuple, dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from newsfeed._errors import StateError, StateLockedError
from newsfeed._model import Enclosure, NewsItem, Person, Source
from newsfeed._state import Outcome, Page, SourceState

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _version_1(db: sqlite3.Connection) -> None:
    """Release 0.1.0: sources' fetch state, and every item seen."""
    db.execute(
        "CREATE TABLE source (key TEXT PRIMARY KEY, url TEXT, etag TEXT, last_modified TEXT,"
        " content_hash TEXT, title TEXT, status TEXT, error TEXT, last_fetched TEXT,"
        " next_fetch TEXT, failures INTEGER NOT NULL DEFAULT 0, gone INTEGER NOT NULL DEFAULT 0)"
    )
    db.execute(
        "CREATE TABLE item (source_key TEXT NOT NULL REFERENCES source(key), id TEXT NOT NULL,"
        " first_seen TEXT NOT NULL,"
        " published TEXT NOT NULL,"  # UTC ISO 8601, so text order is time order
        " data TEXT NOT NULL,"  # the NewsItem as JSON (item_to_json)
        " PRIMARY KEY (source_key, id))"
    )
    db.execute("CREATE INDEX item_published ON item (published)")


# The outcomes as release 0.2.0 knows them, with their codes: fixed here, as a migration is.
_OUTCOME_CODES = (
    (1, "ok"),
    (2, "not modified"),
    (3, "moved"),
    (4, "gone"),
    (5, "deferred"),
    (6, "error"),
)


def _version_2(db: sqlite3.Connection) -> None:
    """Outcomes as codes of a table; the publication (entries, archive pages); a key-value table.

    Every item stored before is unpublished (``pending``): the first run after the
    migration gives each its entry, oldest first.
    """
    db.execute("CREATE TABLE outcome (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
    db.executemany("INSERT INTO outcome (code, name) VALUES (?, ?)", _OUTCOME_CODES)
    db.execute("ALTER TABLE source ADD COLUMN outcome INTEGER REFERENCES outcome(code)")
    db.execute("UPDATE source SET outcome = (SELECT code FROM outcome WHERE name = source.status)")
    db.execute("ALTER TABLE source DROP COLUMN status")
    db.execute("ALTER TABLE item ADD COLUMN pending INTEGER NOT NULL DEFAULT 1")
    db.execute("CREATE INDEX item_pending ON item (source_key) WHERE pending")
    db.execute("CREATE INDEX item_id ON item (id)")
    db.execute("CREATE INDEX item_source_published ON item (source_key, published)")
    # One row per item shown: seq is its place in publication order, page its archive
    # page (0: an archive of release 0.1.0; NULL: the current document).
    db.execute(
        "CREATE TABLE entry (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
        " source_key TEXT NOT NULL, id TEXT NOT NULL, link TEXT, published TEXT NOT NULL,"
        " page INTEGER,"
        " FOREIGN KEY (source_key, id) REFERENCES item (source_key, id) ON DELETE CASCADE)"
    )
    db.execute("CREATE UNIQUE INDEX entry_id ON entry (id)")
    db.execute("CREATE UNIQUE INDEX entry_link ON entry (link) WHERE link IS NOT NULL")
    db.execute("CREATE INDEX entry_item ON entry (source_key, id)")
    db.execute("CREATE INDEX entry_current ON entry (published DESC, id) WHERE page IS NULL")
    db.execute("CREATE INDEX entry_unarchived ON entry (seq) WHERE page IS NULL")
    db.execute("CREATE INDEX entry_page ON entry (page) WHERE page IS NOT NULL")
    db.execute("CREATE TABLE setting (name TEXT PRIMARY KEY, value) WITHOUT ROWID")
    db.execute("INSERT INTO setting (name, value) VALUES ('generation', 0)")


#: Step *n* brings a database from version *n* to *n* + 1.
_MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_version_1, _version_2)
SCHEMA_VERSION = len(_MIGRATIONS)

_OUTCOMES = {code: Outcome(name) for code, name in _OUTCOME_CODES}
_CODES = {outcome: code for code, outcome in _OUTCOMES.items()}


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _parse_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


#: Sources saved per commit within :meth:`Store.batch`: a commit per source was over a
#: third of a first run's saving (200 feeds); a crash undoes at most this many saves.
_BATCH = 64

# Bound parameters per query: SQLite before 3.32 allows 999.
_IDS_PER_QUERY = 500


def _where_in(
    db: sqlite3.Connection, query: str, values: Sequence[str], *leading: str
) -> Iterator[tuple[Any, ...]]:
    """The rows of *query* for *values*, bound in its ``{marks}`` a bounded number at a time,
    after the *leading* parameters."""
    for start in range(0, len(values), _IDS_PER_QUERY):
        chunk = values[start : start + _IDS_PER_QUERY]
        yield from db.execute(query.format(marks=", ".join("?" * len(chunk))), (*leading, *chunk))


def _update(stored: NewsItem, item: NewsItem, *, undated: bool) -> NewsItem | None:
    """What replaces *stored* when *item* is read again, or ``None`` if nothing changed.

    An undated entry keeps the date it got when first seen; an older version read again
    (a mirror lagging behind) does not replace a newer one.
    """
    fresh = replace(item, published=stored.published) if undated else item
    # Told by the stored form too: a time in a repeated hour of a zone's clock is stored with
    # its offset and read back in a fixed-offset zone, and PEP 495 makes such a time unequal
    # to any time in another zone, though the item is the same.
    if (
        fresh != stored
        and fresh.last_changed >= stored.last_changed
        and item_to_json(fresh) != item_to_json(stored)
    ):
        return fresh
    return None


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
        document["authors"] = [_without_none(asdict(person)) for person in item.authors]
    if item.content_html:
        document["content_html"] = item.content_html
    if item.enclosures:
        document["enclosures"] = [_without_none(asdict(e)) for e in item.enclosures]
    if item.image is not None:
        document["image"] = item.image
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


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


def _guarded(
    method: Callable[Concatenate[Store, _P], _R],
) -> Callable[Concatenate[Store, _P], _R]:
    """The method, with SQLite's errors raised as :class:`StateError` naming the file."""

    @functools.wraps(method)
    def guarded(self: Store, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise StateError(str(self.path), str(exc)) from exc

    return guarded


_SOURCE_COLUMNS = (
    "key, url, etag, last_modified, content_hash, title, outcome, error,"
    " last_fetched, next_fetch, failures, gone"
)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An unpublished item, as :meth:`Store.publish` weighs it."""

    rank: int
    source_key: str
    id: str
    link: str | None
    published: str


@dataclass(frozen=True, slots=True)
class _Entry:
    seq: int
    source_key: str
    id: str
    link: str | None
    page: int | None


class _Shown:
    """The entries that share an id or a link with a publish's candidates, found in few queries.

    Kept true while the publish goes on: an entry taken over by a candidate is found by
    the candidate's id and link from then on, no longer by its own.
    """

    def __init__(self, entries: Iterable[_Entry]) -> None:
        self._by_id: dict[str, dict[int, _Entry]] = {}
        self._by_link: dict[str, dict[int, _Entry]] = {}
        for entry in entries:
            self._add(entry)

    @classmethod
    def of(cls, db: sqlite3.Connection, candidates: Sequence[_Candidate]) -> _Shown:
        columns = "SELECT seq, source_key, id, link, page FROM entry WHERE"
        ids = [candidate.id for candidate in candidates]
        links = [candidate.link for candidate in candidates if candidate.link is not None]
        return cls(
            _Entry(*row)
            for column, values in (("id", ids), ("link", links))
            for row in _where_in(db, f"{columns} {column} IN ({{marks}})", values)
        )

    def _add(self, entry: _Entry) -> None:
        self._by_id.setdefault(entry.id, {})[entry.seq] = entry
        if entry.link is not None:
            self._by_link.setdefault(entry.link, {})[entry.seq] = entry

    def matching(self, candidate: _Candidate) -> list[_Entry]:
        """The entries with the candidate's id or link, in publication order."""
        entries = dict(self._by_id.get(candidate.id, {}))
        if candidate.link is not None:
            entries.update(self._by_link.get(candidate.link, {}))
        return [entries[seq] for seq in sorted(entries)]

    def replace(self, entry: _Entry, candidate: _Candidate) -> None:
        del self._by_id[entry.id][entry.seq]
        if entry.link is not None:
            del self._by_link[entry.link][entry.seq]
        self._add(_Entry(entry.seq, candidate.source_key, candidate.id, candidate.link, entry.page))


class Store:
    """The state database of one aggregator configuration (implements ``State``)."""

    def __init__(self, connection: sqlite3.Connection, path: Path, *, read_only: bool) -> None:
        self._db = connection
        #: The database file, named by every error.
        self.path = path
        #: Within :meth:`batch`, the sources saved since its last commit.
        self._batched: int | None = None
        if read_only:
            self._check_version(read_only=True)
        else:
            self._prepare()

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Store]:
        """Lock and open (creating or migrating if needed) the state database at *path*.

        Raises :class:`StateLockedError` while another run holds it, and
        :class:`StateError` when the file cannot be used.
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(str(path), exc.strerror or str(exc)) from exc
        try:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise StateLockedError(str(path)) from exc
            with cls._connected(path, read_only=False) as store:
                yield store
        finally:
            os.close(lock)  # closing the descriptor releases the lock

    @classmethod
    @contextmanager
    def read_only(cls, path: Path) -> Iterator[Store]:
        """Open the state for reading, beside a run that may be writing it."""
        with cls._connected(path, read_only=True) as store:
            yield store

    @classmethod
    @contextmanager
    def _connected(cls, path: Path, *, read_only: bool) -> Iterator[Store]:
        uri = f"{path.as_uri()}?mode={'ro' if read_only else 'rwc'}"
        try:
            connection = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=30)
        except sqlite3.Error as exc:
            raise StateError(str(path), str(exc)) from exc
        try:
            yield cls(connection, path, read_only=read_only)
        finally:
            connection.close()

    @_guarded
    def _prepare(self) -> None:
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # see the module's docstring
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()

    @_guarded
    def sync(self) -> None:
        # A checkpoint syncs the log, copies it into the database file and syncs that.
        self._db.execute("PRAGMA wal_checkpoint(FULL)")

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Commit the saves made within together, :data:`_BATCH` sources at a time; each
        still whole. Ended by an error, the saves not yet committed are undone."""
        self._batched = 0
        try:
            yield
        except BaseException:
            if self._db.in_transaction:
                self._rollback()
            raise
        finally:
            self._batched = None
        if self._db.in_transaction:
            self._commit()

    @_guarded
    def _commit(self) -> None:
        self._db.execute("COMMIT")

    @_guarded
    def _rollback(self) -> None:
        self._db.execute("ROLLBACK")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        if self._batched is None:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("SAVEPOINT one")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK TO one")
            self._db.execute("RELEASE one")
            raise
        self._db.execute("RELEASE one")
        self._batched += 1
        if self._batched >= _BATCH:
            self._db.execute("COMMIT")
            self._batched = 0

    def _version(self) -> int:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if (
            version == 0
            and self._db.execute(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'source'"
            ).fetchone()
        ):
            # Release 0.1.0's tables without its version: a database restored from a dump
            # (.dump does not carry user_version).
            return 1
        return int(version)

    @_guarded
    def _check_version(self, *, read_only: bool = False) -> None:
        version = self._version()
        if version > SCHEMA_VERSION:
            raise StateError(
                str(self.path),
                f"written by a newer newsfeed (schema {version}; this one knows {SCHEMA_VERSION})",
            )
        if read_only and version < SCHEMA_VERSION:
            raise StateError(
                str(self.path),
                f"written by an older newsfeed (schema {version}):"
                " the next `newsfeed aggregate` run migrates it",
            )

    def _migrate(self) -> None:
        self._check_version()
        while True:
            # Each step in its own transaction: a crash between two leaves a database
            # at one version or the next, never half-way.
            with self._transaction() as db:
                version = self._version()
                if version >= SCHEMA_VERSION:
                    return
                _MIGRATIONS[version](db)
                db.execute(f"PRAGMA user_version = {version + 1}")

    @_guarded
    def source(self, key: str) -> SourceState:
        row = self._db.execute(
            f"SELECT {_SOURCE_COLUMNS} FROM source WHERE key = ?",  # noqa: S608 - constant columns
            (key,),
        ).fetchone()
        return SourceState(key=key) if row is None else _state(row)

    @_guarded
    def sources(self) -> list[SourceState]:
        rows = self._db.execute(
            f"SELECT {_SOURCE_COLUMNS},"  # noqa: S608 - constant columns
            " (SELECT count(*) FROM item WHERE source_key = source.key)"
            " FROM source ORDER BY key"
        ).fetchall()
        return [_state(row) for row in rows]

    @_guarded
    def lease(self, keys: Sequence[str], *, now: datetime, until: datetime) -> list[SourceState]:
        # The lock file is the lease of every source until the run ends: *until* is not kept.
        del until
        waiting = {
            key
            for (key,) in self._db.execute(
                "SELECT key FROM source WHERE gone OR next_fetch > ?", (_time(now),)
            )
        }
        due = [key for key in keys if key not in waiting]
        return [self.source(key) for key in due]

    @_guarded
    def save(
        self,
        state: SourceState,
        items: Sequence[NewsItem] = (),
        *,
        now: datetime,
        undated: Iterable[str] = (),
        oldest: datetime | None = None,
        keep: int | None = None,
    ) -> int:
        undated_ids = set(undated)
        changed = 0
        with self._transaction() as db:
            db.execute(
                f"INSERT INTO source ({_SOURCE_COLUMNS})"  # noqa: S608 - constant columns
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET url = excluded.url, etag = excluded.etag,"
                " last_modified = excluded.last_modified, content_hash = excluded.content_hash,"
                " title = excluded.title, outcome = excluded.outcome, error = excluded.error,"
                " last_fetched = excluded.last_fetched, next_fetch = excluded.next_fetch,"
                " failures = excluded.failures, gone = excluded.gone",
                (
                    state.key,
                    state.url,
                    state.etag,
                    state.last_modified,
                    state.content_hash,
                    state.title,
                    None if state.status is None else _CODES[state.status],
                    state.error,
                    _time(state.last_fetched),
                    _time(state.next_fetch),
                    state.failures,
                    int(state.gone),
                ),
            )
            shown = [item for item in items if oldest is None or item.published >= oldest]
            stored = self._stored(db, state.key, [item.id for item in shown])
            arriving: dict[str, NewsItem] = {}
            for item in shown:
                before = arriving.get(item.id) or stored.get(item.id)
                if before is None:
                    arriving[item.id] = item
                    continue
                fresh = _update(before, item, undated=item.id in undated_ids)
                if fresh is None:
                    continue
                changed += 1
                if item.id in arriving:  # the same entry twice in one read: the later wins
                    arriving[item.id] = fresh
                    continue
                published = _time(fresh.published)
                db.execute(
                    "UPDATE item SET published = ?, data = ? WHERE source_key = ? AND id = ?",
                    (published, item_to_json(fresh), state.key, item.id),
                )
                db.execute(
                    "UPDATE entry SET published = ? WHERE source_key = ? AND id = ?",
                    (published, state.key, item.id),
                )
            # One statement for all of a read's new items: a first run saves thousands.
            first_seen = _time(now)
            db.executemany(
                "INSERT INTO item (source_key, id, first_seen, published, data)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (state.key, item.id, first_seen, _time(item.published), item_to_json(item))
                    for item in arriving.values()
                ],
            )
            new = len(arriving)
            if new and keep is not None:
                db.execute(
                    "DELETE FROM item WHERE source_key = ? AND id IN (SELECT id FROM item"
                    " WHERE source_key = ? ORDER BY published DESC, id LIMIT -1 OFFSET ?)",
                    (state.key, state.key, keep),
                )
            if new or changed:
                self._bump(db)
        return new

    @staticmethod
    def _stored(db: sqlite3.Connection, key: str, ids: Sequence[str]) -> dict[str, NewsItem]:
        """The stored items of source *key* among *ids*, a bounded number of ids per query."""
        found: dict[str, NewsItem] = {}
        query = "SELECT id, data FROM item WHERE source_key = ? AND id IN ({marks})"
        for item_id, data in _where_in(db, query, ids, key):
            found[item_id] = item_from_json(data)
        return found

    @staticmethod
    def _bump(db: sqlite3.Connection) -> None:
        db.execute("UPDATE setting SET value = value + 1 WHERE name = 'generation'")

    @_guarded
    def generation(self) -> int:
        (value,) = self._db.execute(
            "SELECT value FROM setting WHERE name = 'generation'"
        ).fetchone()
        return int(value)

    @_guarded
    def publish(self, keys: Sequence[str]) -> int:
        rank = {key: index for index, key in enumerate(keys)}
        candidates = sorted(
            (
                _Candidate(rank[key], key, item_id, link, published)
                # The link read by SQLite: parsing every new item's JSON here, with one
                # UPDATE per item below, was a quarter of publishing 4,000 new items.
                for key, item_id, published, link in self._db.execute(
                    "SELECT source_key, id, published, json_extract(data, '$.link')"
                    " FROM item WHERE pending"
                )
                if key in rank
            ),
            key=lambda candidate: (candidate.rank, candidate.published, candidate.id),
        )
        if not candidates:
            return 0
        with self._transaction() as db:
            winners = self._winners(db, candidates, rank)
            # Numbered oldest first: a first run over many stored items fills pages by date.
            winners.sort(key=lambda candidate: (candidate.published, candidate.id))
            db.executemany(
                "INSERT INTO entry (source_key, id, link, published) VALUES (?, ?, ?, ?)",
                [(c.source_key, c.id, c.link, c.published) for c in winners],
            )
            # Every pending item of these sources was a candidate.
            db.executemany(
                "UPDATE item SET pending = 0 WHERE source_key = ? AND pending",
                [(key,) for key in {c.source_key for c in candidates}],
            )
            self._bump(db)
        return len(winners)

    @staticmethod
    def _winners(
        db: sqlite3.Connection, candidates: Sequence[_Candidate], rank: dict[str, int]
    ) -> list[_Candidate]:
        """The candidates that get an entry: not the id or link of another, earlier one."""
        shown = _Shown.of(db, candidates)
        winners: list[_Candidate] = []
        ids: set[str] = set()
        links: set[str] = set()
        for candidate in candidates:
            if candidate.id in ids or (candidate.link is not None and candidate.link in links):
                continue
            ids.add(candidate.id)
            if candidate.link is not None:
                links.add(candidate.link)
            entries = shown.matching(candidate)
            if not entries:
                winners.append(candidate)
                continue
            # An earlier-listed source takes over an entry still in the current document.
            if len(entries) == 1 and entries[0].page is None:
                entry = entries[0]
                if rank[candidate.source_key] < rank.get(entry.source_key, len(rank)):
                    db.execute(
                        "UPDATE entry SET source_key = ?, id = ?, link = ?, published = ?"
                        " WHERE seq = ?",
                        (*astuple(candidate)[1:], entry.seq),
                    )
                    shown.replace(entry, candidate)
        return winners

    @_guarded
    def adopt(self, keys: Sequence[str], ids: Iterable[str]) -> int:
        rank = {key: index for index, key in enumerate(keys)}
        adopted = 0
        with self._transaction() as db:
            for item_id in ids:
                rows = [
                    (rank[key], key, published, data)
                    for key, published, data in db.execute(
                        "SELECT source_key, published, data FROM item WHERE id = ? AND pending",
                        (item_id,),
                    )
                    if key in rank
                ]
                if not rows:
                    continue
                _, key, published, data = min(rows)
                db.execute(
                    "INSERT OR IGNORE INTO entry (source_key, id, link, published, page)"
                    " VALUES (?, ?, ?, ?, 0)",
                    (key, item_id, json.loads(data)["link"], published),
                )
                db.execute("UPDATE item SET pending = 0 WHERE id = ?", (item_id,))
                adopted += 1
            self._bump(db)
        return adopted

    @_guarded
    def current(
        self, keys: Sequence[str], *, limit: int | None, oldest: datetime | None
    ) -> list[NewsItem]:
        wanted = set(keys)
        rows = self._db.execute(
            "SELECT entry.source_key, item.data FROM entry"
            " JOIN item ON item.source_key = entry.source_key AND item.id = entry.id"
            " WHERE entry.page IS NULL AND entry.published >= ?"
            " ORDER BY entry.published DESC, entry.id",
            ("" if oldest is None else _time(oldest),),
        )
        items: list[NewsItem] = []
        for key, data in rows:
            if limit is not None and len(items) == limit:
                break
            if key in wanted:
                items.append(item_from_json(data))
        return items

    @_guarded
    def next_page(self, size: int) -> Page | None:
        (unarchived,) = self._db.execute("SELECT count(*) FROM entry WHERE page IS NULL").fetchone()
        if unarchived < 2 * size:
            return None
        rows = self._db.execute(
            "SELECT entry.seq, item.data FROM entry"
            " JOIN item ON item.source_key = entry.source_key AND item.id = entry.id"
            " WHERE entry.page IS NULL ORDER BY entry.seq LIMIT ?",
            (size,),
        ).fetchall()
        items = sorted((item_from_json(data) for _, data in rows), key=lambda item: item.id)
        items.sort(key=lambda item: item.published, reverse=True)
        return Page(number=self.last_page() + 1, items=tuple(items), through=rows[-1][0])

    @_guarded
    def close_page(self, page: Page) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE entry SET page = ? WHERE page IS NULL AND seq <= ?",
                (page.number, page.through),
            )
            self._bump(db)

    @_guarded
    def last_page(self) -> int:
        # Not max(page): with the condition SQLite would read every archived entry for it.
        row = self._db.execute(
            "SELECT page FROM entry WHERE page > 0 ORDER BY page DESC LIMIT 1"
        ).fetchone()
        return 0 if row is None else int(row[0])

    @_guarded
    def prune(self, *, oldest: datetime) -> int:
        with self._transaction() as db:
            pruned = db.execute("DELETE FROM item WHERE published < ?", (_time(oldest),)).rowcount
            if pruned:
                self._bump(db)
        return pruned

    @_guarded
    def setting(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM setting WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    @_guarded
    def keep(self, name: str, value: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO setting (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )


def _state(row: Sequence[Any]) -> SourceState:
    (key, url, etag, modified, content_hash, title, outcome, error, fetched, next_fetch) = row[:10]
    failures, gone, *counted = row[10:]
    return SourceState(
        key=key,
        url=url,
        etag=etag,
        last_modified=modified,
        content_hash=content_hash,
        title=title,
        status=None if outcome is None else _OUTCOMES[outcome],
        error=error,
        last_fetched=_parse_time(fetched),
        next_fetch=_parse_time(next_fetch),
        failures=failures,
        gone=bool(gone),
        items=counted[0] if counted else 0,
    )
