"""Size bounds on what one source may give: entries, the length of a field, the bytes read.

The large cases run the aggregator as cron does, in a subprocess, and read its
peak memory from the kernel (``wait4``), so that "bounded memory" is measured
rather than assumed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from aggregator_fixtures import (
    NOW,
    RSS_TYPE,
    Aggregation,
    Answer,
    Entry,
    FeedServer,
    entry,
    rss2,
)
from newsfeed import ConfigError, FetchSettings, Outcome, load_config
from processes import newsfeed_command, run_measured


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer({})
    yield feeds
    feeds.close()


def _serve(body: bytes) -> Answer:
    return 200, {"Content-Type": RSS_TYPE}, body


def _many_entries(count: int) -> bytes:
    entries = [
        Entry(
            id=f"https://many.example/{n}", title=f"Entry {n}", published=NOW - timedelta(minutes=n)
        )
        for n in range(count)
    ]
    return rss2(entries, title="Many").encode()


def test_a_100000_entry_feed_keeps_max_entries_in_bounded_memory(
    setup: Aggregation, server: FeedServer
) -> None:
    body = _many_entries(100_000)
    server.routes["/many"] = lambda: _serve(body)
    setup.configure(
        [{"name": "many", "url": server.url("/many")}],
        fetch={"max_seconds": 60, "max_bytes": 16 * 1024 * 1024},
    )

    result = run_measured(newsfeed_command("aggregate", setup.config_path))

    assert result.returncode == 0, result.stderr
    assert "100000 entries: the 500 newest kept (max_entries)" in result.stderr
    assert setup.state("many")["status"] == "ok"
    stored = setup.published()
    assert [item.title for item in stored.items[:3]] == ["Entry 0", "Entry 1", "Entry 2"]
    # Memory is bounded by the body cap: feedparser and the model take about 30 times
    # the body's size at most; the test allows 40 times this body of about 13 MB.
    peak = result.peak_memory
    assert peak < 40 * len(body), f"peak memory {peak / 2**20:.0f} MiB"


def test_max_entries_keeps_the_newest_whatever_the_order(
    setup: Aggregation, server: FeedServer
) -> None:
    # Oldest first, as some podcast feeds list them.
    entries = [entry(number) for number in reversed(range(1, 11))]
    server.routes["/feed"] = lambda: _serve(rss2(entries).encode())
    setup.configure(
        [{"name": "oldest first", "url": server.url("/feed")}],
        feed={"max_items": 50},
        fetch={"max_entries": 3},
    )

    report = setup.run()

    (source,) = report.sources
    assert source.outcome is Outcome.OK
    assert source.new_items == 3
    assert "10 entries: the 3 newest kept (max_entries)" in source.warnings
    assert setup.titles() == ["Headline 1", "Headline 2", "Headline 3"]


def test_a_10_mb_entry_is_shortened_to_max_field_length(
    setup: Aggregation, server: FeedServer
) -> None:
    paragraph = "&lt;p&gt;" + "word " * 200 + "&lt;/p&gt;"
    summary = paragraph * (10_000_000 // len(paragraph) + 1)
    body = rss2([entry(1, summary="SUMMARY")]).replace("SUMMARY", summary).encode()
    assert len(body) > 10_000_000
    server.routes["/big"] = lambda: _serve(body)
    server.routes["/small"] = lambda: _serve(
        rss2([entry(2, site="https://small.example")]).encode()
    )
    setup.configure(
        [
            {"name": "big", "url": server.url("/big")},
            {"name": "small", "url": server.url("/small")},
        ],
        fetch={"max_bytes": 20_000_000, "max_seconds": 60},
    )

    report = setup.run()

    big, small = report.sources
    assert big.outcome is Outcome.OK
    assert "1 entry shortened to 100000 characters (max_field_length)" in big.warnings
    assert small.outcome is Outcome.OK
    items = {item.title: item for item in setup.published().items}
    shortened = items["Headline 1"].summary
    assert len(shortened) <= 100_000
    assert shortened.endswith("word\N{HORIZONTAL ELLIPSIS}")
    assert shortened.startswith("word word")
    assert len(setup.outputs["rss"].read_bytes()) < 1_000_000


def test_the_default_body_cap_refuses_a_bigger_entry(
    setup: Aggregation, server: FeedServer
) -> None:
    body = rss2([entry(1, summary="x" * (11 * 1024 * 1024))]).encode()
    server.routes["/big"] = lambda: _serve(body)
    setup.configure([{"name": "big", "url": server.url("/big")}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.ERROR
    assert "over the 10485760-byte cap" in (report.sources[0].detail or "")


def test_fields_that_cannot_be_shortened_leave_their_entry_out(
    setup: Aggregation, server: FeedServer
) -> None:
    long_link = "https://long.example/" + "a" * 300
    entries = [
        entry(1),
        entry(2, link=long_link, id=long_link),
        entry(3, title="T" * 500),
    ]
    server.routes["/feed"] = lambda: _serve(rss2(entries).encode())
    setup.configure([{"name": "long", "url": server.url("/feed")}], fetch={"max_field_length": 200})

    report = setup.run()

    (source,) = report.sources
    assert source.skipped_entries == 1
    assert (
        "1 entry left out: an id, link, author, category, image or enclosure over 200"
        " characters (max_field_length)"
    ) in source.warnings
    titles = setup.titles()
    assert "Headline 1" in titles
    assert "Headline 2" not in titles
    (shortened,) = [title for title in titles if title.startswith("T")]
    assert shortened == "T" * 199 + "\N{HORIZONTAL ELLIPSIS}"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("max_entries", 0, "must be greater than 0"),
        ("max_field_length", -1, "must be greater than 0"),
        ("max_run_seconds", 0, "must be greater than 0"),
        ("max_cache_seconds", -5, "must be 0 or more"),
        ("backoff_seconds", -1, "must be 0 or more"),
        ("max_backoff_seconds", "a day", "expected a number"),
        ("max_entries", 2.5, "expected an integer"),
        ("timeout", float("nan"), "expected a finite number, not nan"),
        ("max_backoff_seconds", float("inf"), "expected a finite number, not inf"),
    ],
)
def test_bounds_are_checked_in_the_config(
    setup: Aggregation, key: str, value: object, message: str
) -> None:
    setup.configure([{"url": "https://example.org/feed"}], fetch={key: value})

    with pytest.raises(ConfigError) as caught:
        load_config(setup.config_path)

    assert caught.value.key == f"fetch.{key}"
    assert message in caught.value.reason


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_entries": 0}, "FetchSettings.max_entries must be greater than 0, not 0"),
        ({"timeout": -1.0}, "FetchSettings.timeout must be greater than 0, not -1.0"),
        ({"backoff_seconds": -1.0}, "FetchSettings.backoff_seconds must be 0 or more, not -1.0"),
        ({"max_run_seconds": float("nan")}, "FetchSettings.max_run_seconds must be a finite"),
        ({"max_backoff_seconds": float("inf")}, "FetchSettings.max_backoff_seconds must be a fin"),
    ],
)
def test_settings_made_in_code_are_checked_too(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        FetchSettings(**changes)


def test_0_is_a_wait_setting_that_turns_the_wait_off() -> None:
    settings = FetchSettings(max_cache_seconds=0, backoff_seconds=0, max_backoff_seconds=0)

    assert (settings.max_cache_seconds, settings.backoff_seconds) == (0, 0)
