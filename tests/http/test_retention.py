"""Retention: without archives, the state keeps only what a document can still show."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import newsfeed

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def rss(entries: dict[int, datetime]) -> str:
    items = "".join(
        f"<item><title>Item {n}</title><guid>https://src.example/{n}</guid>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for n, when in entries.items()
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Source</title>'
        f"<link>https://src.example/</link><description>d</description>{items}</channel></rss>"
    )


def configure(root: Path, feed: str, fetch: str = "", output: str = "") -> Path:
    config = root / "config.toml"
    config.write_text(
        f'[feed]\ntitle = "All"\nlink = "https://example.org/"\n{feed}'
        '[[source]]\nname = "Source"\nfile = "source.xml"\n'
        f"[fetch]\n{fetch}"
        f'[output]\nrss = "public/feed.xml"\nstate = "state.sqlite"\n{output}'
    )
    return config


def run(root: Path, config: Path, entries: dict[int, datetime], now: datetime) -> newsfeed.Report:
    (root / "source.xml").write_text(rss(entries))
    return newsfeed.aggregate(newsfeed.load_config(config), now=now)


def stored(root: Path) -> set[str]:
    with closing(sqlite3.connect(root / "state.sqlite")) as db:
        return {item_id for (item_id,) in db.execute("SELECT id FROM item")}


def shown(root: Path) -> set[str]:
    feed = newsfeed.parse_feed((root / "public" / "feed.xml").read_bytes())
    return {item.id for item in feed.items}


def test_items_past_max_age_days_are_pruned(tmp_path):
    config = configure(tmp_path, "max_age_days = 30\n")
    ages = {1: 10, 2: 25, 3: 40, 4: 400}
    entries = {n: NOW - timedelta(days=days) for n, days in ages.items()}

    report = run(tmp_path, config, entries, NOW)

    # Too old to be shown: not kept, and not new.
    assert report.sources[0].new_items == 2
    assert stored(tmp_path) == shown(tmp_path) == {"https://src.example/1", "https://src.example/2"}

    # Ten days later the second item is past 30 days: pruned, and gone from the feed,
    # although the source has not changed.
    report = run(tmp_path, config, entries, NOW + timedelta(days=10))
    assert report.sources[0].outcome is newsfeed.Outcome.NOT_MODIFIED
    assert stored(tmp_path) == shown(tmp_path) == {"https://src.example/1"}
    assert report.written == (tmp_path / "public" / "feed.xml",)


def test_each_source_keeps_its_newest_items_up_to_a_bound(tmp_path):
    # The bound is the larger of max_items and max_entries: what the source lists stays stored,
    # so an item pruned is never seen as new again.
    config = configure(tmp_path, "max_items = 2\n", fetch="max_entries = 3\n")
    listed: dict[int, datetime] = {}
    for round_ in range(6):
        for n in range(3 * round_, 3 * round_ + 3):
            listed[n] = NOW - timedelta(hours=100 - n)
        newest = dict(sorted(listed.items())[-3:])
        report = run(tmp_path, config, newest, NOW)
        assert report.sources[0].new_items == 3
        assert stored(tmp_path) == {f"https://src.example/{n}" for n in newest}
    assert shown(tmp_path) == {"https://src.example/17", "https://src.example/16"}


def test_with_archives_every_item_is_kept(tmp_path):
    config = configure(
        tmp_path,
        'max_items = 2\nmax_age_days = 30\nfeed_url = "https://example.org/feed.xml"\n',
        fetch="max_entries = 3\n",
        output='archive = "public/archive"\n',
    )
    seen: set[str] = set()
    for round_ in range(4):
        entries = {n: NOW - timedelta(days=100 - n) for n in range(3 * round_, 3 * round_ + 3)}
        run(tmp_path, config, entries, NOW)
        seen |= {f"https://src.example/{n}" for n in entries}
    assert stored(tmp_path) == seen
