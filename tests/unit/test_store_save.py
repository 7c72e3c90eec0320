"""Saving a source's read: each item once, changes kept, on a database on disk."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsfeed import NewsItem, StateError
from newsfeed._state import SourceState
from newsfeed._store import _BATCH, Store, item_from_json

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "url:https://a.example/feed.xml"


def item(number: int, *, updated: datetime | None = None, title: str = "t") -> NewsItem:
    return NewsItem(
        id=f"https://a.example/{number}",
        title=title,
        published=NOW - timedelta(hours=number),
        updated=updated,
    )


def stored(path: Path) -> dict[str, NewsItem]:
    with sqlite3.connect(path) as database:
        rows = database.execute("SELECT id, data FROM item WHERE source_key = ?", (KEY,))
        return {item_id: item_from_json(data) for item_id, data in rows}


def save(path: Path, items: list[NewsItem], **options: object) -> int:
    with Store.open(path) as store:
        return store.save(SourceState(key=KEY), items, now=NOW, **options)  # type: ignore[arg-type]


def test_an_entry_twice_in_one_read_is_one_new_item_the_later_version(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    newer = item(1, updated=NOW, title="corrected")
    assert save(path, [item(1), item(2), newer]) == 2
    assert stored(path)[newer.id] == newer


def test_a_read_again_updates_what_changed_and_keeps_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    newer = item(1, updated=NOW, title="corrected")
    save(path, [newer, item(2)])
    changed = item(2, updated=NOW, title="changed")
    # The older version of 1 (a mirror lagging behind) does not replace the newer one.
    assert save(path, [item(1), changed, item(3)]) == 1
    assert stored(path) == {newer.id: newer, changed.id: changed, item(3).id: item(3)}


def test_an_undated_entry_keeps_the_date_it_was_first_seen_with(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    first = item(1)
    save(path, [first], undated=[first.id])
    later = NewsItem(id=first.id, title="t", published=NOW, summary="now with a body")
    save(path, [later], undated=[first.id])
    assert stored(path)[first.id].published == first.published
    assert stored(path)[first.id].summary == "now with a body"


def test_a_read_of_more_items_than_one_query_binds(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    many = [item(number) for number in range(1, 1201)]
    assert save(path, many) == 1200
    assert save(path, many) == 0
    assert len(stored(path)) == 1200


def entries(path: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(path) as database:
        return list(database.execute("SELECT source_key, id, link FROM entry ORDER BY seq"))


def test_an_earlier_listed_source_takes_over_a_current_entry_by_its_link(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    link = "https://news.example/story"
    late = NewsItem(id="urn:b:1", title="From B", published=NOW, link=link)
    early = NewsItem(id="urn:a:1", title="From A", published=NOW, link=link)
    keys = ["url:https://a.example/", "url:https://b.example/"]
    with Store.open(path) as store:
        store.save(SourceState(key=keys[1]), [late, item(2)], now=NOW)
        assert store.publish(keys) == 2
        store.save(SourceState(key=keys[0]), [early], now=NOW)
        assert store.publish(keys) == 0
    assert entries(path) == [(keys[1], item(2).id, None), (keys[0], early.id, link)]


def keys(path: Path) -> list[str]:
    """The sources committed, as another connection sees them."""
    with sqlite3.connect(path) as database:
        return [key for (key,) in database.execute("SELECT key FROM source ORDER BY key")]


def test_a_batch_commits_its_saves_together_a_few_sources_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    names = [f"s{number:03}" for number in range(_BATCH + 2)]
    with Store.open(path) as store, store.batch():
        for name in names[:-1]:
            store.save(SourceState(key=name), [item(1)], now=NOW)
        # The first _BATCH saves are committed at once; the one after waits for more.
        assert keys(path) == names[:_BATCH]
        store.save(SourceState(key=names[-1]), [item(1)], now=NOW)
    assert keys(path) == names


def test_a_failed_save_in_a_batch_leaves_that_source_as_it_was_and_keeps_the_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.sqlite"
    save(path, [item(1)])
    with sqlite3.connect(path) as database:
        # KEY's next save fails half-way: its new state is written before its items.
        database.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON item WHEN NEW.source_key = '{KEY}'"
            " BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    with Store.open(path) as store, store.batch():
        store.save(SourceState(key="url:before"), [item(1)], now=NOW)
        with pytest.raises(StateError, match="refused"):
            store.save(SourceState(key=KEY, title="new"), [item(2)], now=NOW)
        store.save(SourceState(key="url:later"), [item(3)], now=NOW)
    assert keys(path) == sorted([KEY, "url:before", "url:later"])
    with Store.open(path) as store:
        assert store.source(KEY).title is None
    assert list(stored(path)) == [item(1).id]
