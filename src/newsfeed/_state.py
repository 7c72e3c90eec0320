"""The aggregator's state as the aggregator sees it: a :class:`State` protocol, whatever stores it.

The state holds each source's fetch state, the items seen, and the publication: which
item is shown as which entry (deduplicated across sources, numbered in the order they
were first published) and which entries are archived in which page. A run talks to
the state only through :class:`State`; :mod:`newsfeed._store` keeps it in one SQLite
file and is its one implementation. A backend for a database server (PostgreSQL, to
spread sources over several worker machines, see docs/aggregate.md) is one new module
implementing the same protocol.

Every method raises :class:`~newsfeed.StateError` when the backend fails, never the
backend's own exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Protocol

from newsfeed._model import NewsItem


class Outcome(Enum):
    """What happened to a source in one run."""

    OK = "ok"
    NOT_MODIFIED = "not modified"
    MOVED = "moved"
    GONE = "gone"
    DEFERRED = "deferred"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceState:
    """What the state knows about one source."""

    #: The source as configured (:attr:`SourceConfig.key`).
    key: str
    #: The URL in use, after permanent redirects.
    url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: Of a local file, to notice that it has not changed.
    content_hash: str | None = None
    title: str | None = None
    #: The last outcome; ``None`` before the first.
    status: Outcome | None = None
    #: The last error, until a fetch succeeds.
    error: str | None = None
    last_fetched: datetime | None = None
    #: Not fetched before this time (Cache-Control, Retry-After, backoff).
    next_fetch: datetime | None = None
    #: Failures in a row.
    failures: int = 0
    #: Answered 410 Gone: never fetched again.
    gone: bool = False
    #: How many items of this source are stored.
    items: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Page:
    """An archive page: the oldest entries not archived yet, a fixed number of them."""

    #: 1 for the oldest page; pages are numbered in the order they fill.
    number: int
    #: The items, newest first (ties by id).
    items: tuple[NewsItem, ...]
    #: The publication number of its newest entry: the page holds those up to it.
    through: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Publication:
    """What the outputs were last rendered from, so that a run with nothing new renders nothing.

    A run compares the :attr:`fingerprint` of what it would render (the state's
    :meth:`State.generation` and the configuration of the outputs) with the stored one.
    """

    fingerprint: str
    #: How many items the current document held.
    items: int
    #: Each output file as written, ``[size, mtime_ns]`` by path: a file changed or removed
    #: since is written again.
    files: dict[str, list[int]]


class State(Protocol):
    """The aggregator's state: sources' fetch state, items, leases and the publication.

    Fetching (:meth:`lease`, :meth:`source`, :meth:`save`) may be spread over several
    workers; publishing (the rest) is done by one at a time.
    """

    def source(self, key: str) -> SourceState:
        """The state of a source; a blank state for one never seen."""
        ...

    def sources(self) -> list[SourceState]:
        """Every source's state, by key."""
        ...

    def lease(self, keys: Sequence[str], *, now: datetime, until: datetime) -> list[SourceState]:
        """Of the sources *keys*, those due at *now* (not gone, no ``next_fetch`` after *now*),
        taken for this worker until *until*: no other worker is given them before then.
        """
        ...

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
        """Save a source's new state and items at once (and end its lease); return how many
        items are new.

        An item already stored is replaced when it changed, unless the stored version is
        more recent; items the source no longer lists are kept. For items whose id is in
        *undated* the stored date is kept. Items published before *oldest* are not stored,
        and with *keep*, the source's items past its *keep* newest are deleted.
        """
        ...

    def batch(self) -> AbstractContextManager[None]:
        """Within it, :meth:`save` may commit several sources' saves together, each still
        whole: a crash may undo the last few saves, never part of one. Ended by an error,
        the saves not committed yet are undone."""
        ...

    def sync(self) -> None:
        """Make everything saved so far durable: a power loss can no longer undo it."""
        ...

    def generation(self) -> int:
        """A number that changes whenever stored items or entries change."""
        ...

    def publish(self, keys: Sequence[str]) -> int:
        """Give the unpublished items of the sources *keys* their entries; return how many.

        An item with the id or link of an entry already made is a duplicate and gets
        none; among new items, and over an entry not archived yet, the source earlier in
        *keys* wins. Entries are numbered by publication date within one call.
        """
        ...

    def adopt(self, keys: Sequence[str], ids: Iterable[str]) -> int:
        """Record the items with these ids as published in archives written before pages
        were numbered (release 0.1.0's monthly archives); return how many."""
        ...

    def current(
        self, keys: Sequence[str], *, limit: int | None, oldest: datetime | None
    ) -> list[NewsItem]:
        """The current document's items, newest first (ties by id), of the sources *keys*.

        With *limit*, the newest *limit* entries published from *oldest* on; without, every
        entry not archived.
        """
        ...

    def next_page(self, size: int) -> Page | None:
        """The next archive page, if it is complete: when twice *size* entries or more are
        not archived, the oldest *size* of them; ``None`` otherwise."""
        ...

    def close_page(self, page: Page) -> None:
        """Record *page* (from :meth:`next_page`) as archived, once it is written."""
        ...

    def last_page(self) -> int:
        """The number of the newest archive page; 0 when there is none."""
        ...

    def prune(self, *, oldest: datetime) -> int:
        """Delete the items published before *oldest*, which no document shows any more;
        return how many."""
        ...

    def setting(self, name: str) -> str | None:
        """A value the publisher keeps between runs (see :meth:`keep`)."""
        ...

    def keep(self, name: str, value: str) -> None:
        """Keep *value* under *name* for later runs."""
        ...


@contextmanager
def open_state(path: Path) -> Iterator[State]:
    """Lock and open (creating or migrating if needed) the state at *path*.

    Raises :class:`StateLockedError` while another run holds it, and
    :class:`StateError` when it cannot be used.
    """
    from newsfeed._store import Store  # noqa: PLC0415 - the one backend, loaded when used

    with Store.open(path) as store:
        yield store


def read_states(path: Path) -> dict[str, SourceState]:
    """Every source's state by key, read beside a run that may be writing; none when the
    state does not exist yet."""
    from newsfeed._store import Store  # noqa: PLC0415 - the one backend, loaded when used

    if not path.exists():
        return {}
    with Store.read_only(path) as store:
        return {state.key: state for state in store.sources()}
