"""Items in the state: rich items are kept whole, and release 0.1.0's items read as they were."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
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


@pytest.mark.xfail(
    strict=True,
    reason="known bug, not fixed yet: a time in a repeated hour of a zone's clock is stored with "
    "its offset and read back in a fixed-offset zone, and PEP 495 makes such a time unequal to "
    "any time in another zone, so the item reads back as changed (found by Hypothesis)",
)
def test_an_item_published_in_a_repeated_hour_is_read_back_equal() -> None:
    # 01:00 on 6 November 2016 happened twice in St. John's (fold 0 is the first, -02:30).
    repeated = datetime(2016, 11, 6, 1, 0, tzinfo=ZoneInfo("America/St_Johns"))
    item = NewsItem(
        id="urn:uuid:e3e70682-c209-4cac-629f-6fbed82c07cd", title="0", published=repeated
    )

    assert item_from_json(item_to_json(item)) == item


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
