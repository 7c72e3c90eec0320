"""Items in the state: rich items are kept whole, and release 0.1.0's items read as they were."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from hypothesis import given

from newsfeed import NewsItem
from newsfeed._store import item_from_json, item_to_json
from strategies import news_items

RELEASE_0_1_0 = Path(__file__).parents[1] / "data" / "state" / "release-0.1.0.sql"


@given(news_items())
def test_every_item_is_stored_and_read_back_whole(item: NewsItem) -> None:
    text = item_to_json(item)
    assert item_from_json(text) == item
    # Equal items give equal text, so the store can tell a changed item by its JSON.
    assert item_to_json(item_from_json(text)) == text


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
