"""What reading gives: a :class:`ReadFeed`, assembled from each format's converted entries."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from newsfeed._errors import FeedParseError
from newsfeed._ingest._clean import Cleaner
from newsfeed._model import ArchiveLinks, Feed, FeedInfo, NewsItem, Person

#: The date of an undated entry in a document that has no date at all.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadFeed:
    """A feed as read, with what had to be repaired or left out on the way."""

    #: The feed, its items in document order, one per id.
    feed: Feed
    #: Problems the feed was read despite (recovered XML errors, removed characters,
    #: entries left out and why).
    warnings: tuple[str, ...] = ()
    #: Entries left out: no title, text, link or id, or values the model rejects.
    skipped: int = 0
    #: Ids of the items whose entries had no date (dated as :func:`read_feed` says).
    undated: frozenset[str] = frozenset()


class Dating:
    """Dates entries, remembering which had no date: those are dated once all are read."""

    def __init__(self) -> None:
        self.undated: set[str] = set()

    def __call__(
        self, entry_id: str, published: datetime | None, updated: datetime | None
    ) -> tuple[datetime, datetime | None]:
        if published is None:
            self.undated.add(entry_id)
            return EPOCH, None
        return published, updated


def _unique(items: Iterable[NewsItem]) -> tuple[NewsItem, ...]:
    """One item per id: where a feed repeats an id, the most recently changed version wins."""
    chosen: dict[str, NewsItem] = {}
    for item in items:
        kept = chosen.get(item.id)
        if kept is None or item.last_changed > kept.last_changed:
            chosen[item.id] = item
    return tuple(chosen.values())


def _dated(
    items: list[NewsItem], undated: set[str], *, now: datetime | None, feed_date: datetime | None
) -> list[NewsItem]:
    """*items*, those of *undated* ids dated: *now*, else from the document, never the clock."""
    if not undated:
        return items
    newest = max((item.last_changed for item in items if item.id not in undated), default=None)
    when = now or feed_date or newest or EPOCH
    return [
        replace(item, published=when) if item.id in undated and item.published == EPOCH else item
        for item in items
    ]


def assemble(
    clean: Cleaner,
    dating: Dating,
    entries: Iterable[Callable[[], NewsItem | None]],
    info: Callable[[Sequence[NewsItem]], FeedInfo],
    warnings: list[str],
    *,
    url: str | None,
    now: datetime | None,
    feed_date: datetime | None = None,
    archive: ArchiveLinks | None = None,
) -> ReadFeed:
    """Convert each entry, leaving out (and counting) those that cannot become items.

    *info* gives the feed's metadata from the items read (a feed may have to take
    its site from theirs).

    An entry's converter returns ``None`` for an entry with nothing to show, and raises
    :class:`FeedParseError` (whose reason is then a warning), ``ValueError`` or
    ``TypeError`` for one the model rejects.
    """
    items: list[NewsItem] = []
    skipped = 0
    for convert in entries:
        try:
            item = convert()
        except FeedParseError as exc:  # one bad entry is left out, not the whole feed
            warnings.append(exc.reason)
            item = None
        except (ValueError, TypeError):
            item = None
        if item is None:
            skipped += 1
        else:
            items.append(item)
    try:
        feed_info = info(items)
    except ValueError as exc:
        raise FeedParseError(f"feed metadata unusable: {exc}", source=url) from exc
    if clean.removed:
        warnings.append(f"removed {clean.removed} characters XML cannot carry")
    # newsfeed writes the feed's author on items without their own (readers show only an
    # item's): an item whose one author is the feed's, by name alone, inherits it.
    if feed_info.author is not None:
        inherited = (Person(name=feed_info.author),)
        items = [replace(item, authors=()) if item.authors == inherited else item for item in items]
    return ReadFeed(
        feed=Feed(
            info=feed_info,
            items=_unique(_dated(items, dating.undated, now=now, feed_date=feed_date)),
            archive=archive,
        ),
        warnings=tuple(warnings),
        skipped=skipped,
        undated=frozenset(dating.undated),
    )
