"""Items in the state: rich items are kept whole, and release 0.1.0's items read as they were."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given

from newsfeed import NewsItem
from newsfeed._state import SourceState
from newsfeed._store import Store, item_from_json, item_to_json
from strategies import news_items

RELEASE_0_1_0 = Path(__file__).parents[1] / "data" / "state" / "release-0.1.0.sql"


@given(news_items())
def test_every_item_is_stored_and_read_back_whole(item: NewsItem) -> None:
    text = item_to_json(item)
    read = item_from_json(text)
    # Times come back in fixed-offset zones, at the same instants with the same offsets: PEP
    # 495 makes a time in a repeated hour of a zone's clock unequal to any in another zone.
    for before, after in ((item.published, read.published), (item.updated, read.updated)):
        assert (after is None) == (before is None)
        if before is not None and after is not None:
            assert (after.timestamp(), after.utcoffset()) == (
                before.timestamp(),
                before.utcoffset(),
            )
    assert replace(read, published=item.published, updated=item.updated) == item
    # Equal items give equal text, so the store can tell a changed item by its JSON.
    assert item_to_json(read) == text


# 01:00 on 6 November 2016 happened twice in St. John's (fold 0 is the first, -02:30).
REPEATED = datetime(2016, 11, 6, 1, 0, tzinfo=ZoneInfo("America/St_Johns"))


def test_an_item_published_in_a_repeated_hour_reads_back_as_the_same_time() -> None:
    item = NewsItem(
        id="urn:uuid:e3e70682-c209-4cac-629f-6fbed82c07cd", title="0", published=REPEATED
    )

    read = item_from_json(item_to_json(item))

    assert read.published.isoformat() == "2016-11-06T01:00:00-02:30"
    assert read != item  # PEP 495: the reason the store compares stored forms


def test_an_item_published_in_a_repeated_hour_is_not_changed_when_read_again(
    tmp_path: Path,
) -> None:
    item = NewsItem(id="https://a.example/1", title="t", published=REPEATED)
    state = SourceState(key="url:https://a.example/feed.xml")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with Store.open(tmp_path / "state.sqlite") as store:
        assert store.save(state, [item], now=now) == 1
        generation = store.generation()

        store.save(state, [item], now=now)

        assert store.generation() == generation


def stored_by_release_0_1_0() -> list[str]:
    database = sqlite3.connect(":memory:")
    database.executescript(RELEASE_0_1_0.read_text(encoding="utf-8"))
    return [data for (data,) in database.execute("SELECT data FROM item ORDER BY id")]


def test_items_stored_by_release_0_1_0_read_and_are_stored_the_same_way() -> None:
    stored = stored_by_release_0_1_0()
    assert len(stored) > 20
    for text in stored:
        item = item_from_json(text)
        old = json.loads(text)
        assert item.author == old["author"]
        assert item.content_html == ""
        assert item.enclosures == ()
        assert item.image is None
        # An item of the old kind is written as the old release wrote it, byte for byte,
        # so an unchanged item is never taken for a changed one after the upgrade.
        assert item_to_json(item) == text
