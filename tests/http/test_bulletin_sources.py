"""Bulletin sources in the aggregator: their mistakes, options, page links, state and progress."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aggregator_fixtures import NOW, Aggregation, entry, rss2
from newsfeed import Outcome, aggregate, load_config

SAMPLE = Path(__file__).parents[2] / "examples" / "news.txt"
SAMPLE_TEXT = SAMPLE.read_text(encoding="utf-8")


def test_a_mistyped_date_is_the_bulletin_source_s_error_and_its_items_stay(
    setup: Aggregation,
) -> None:
    bulletin = setup.directory / "news.txt"
    bulletin.write_text(SAMPLE_TEXT, encoding="utf-8")
    setup.configure([{"name": "bulletin", "bulletin": "news.txt"}])
    setup.run()
    before = setup.titles()
    number = SAMPLE_TEXT.split("\n").index("11 june 2020") + 1
    bulletin.write_text(SAMPLE_TEXT.replace("11 june 2020", "Juen 10, 2020"), encoding="utf-8")

    report = setup.run(now=NOW + timedelta(hours=1))

    (source,) = report.sources
    assert source.outcome is Outcome.ERROR
    assert source.detail is not None
    assert source.detail.startswith(f"{bulletin}:{number}: 'Juen 10, 2020' is not a date")
    assert setup.titles() == before


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("allow_unordered", SAMPLE_TEXT.replace("11 june 2020", "June 10, 2002")),
        ("allow_empty", "\n"),
    ],
)
def test_the_bulletin_options_are_config_keys(setup: Aggregation, key: str, text: str) -> None:
    (setup.directory / "news.txt").write_text(text, encoding="utf-8")
    setup.configure([{"name": "bulletin", "bulletin": "news.txt"}])
    assert setup.run().sources[0].outcome is Outcome.ERROR

    setup.configure([{"name": "bulletin", "bulletin": "news.txt", key: True}])

    assert setup.run(now=NOW + timedelta(hours=1)).sources[0].outcome is Outcome.OK


def test_an_unchanged_bulletin_is_stored_as_not_modified_at_this_run(setup: Aggregation) -> None:
    (setup.directory / "news.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    setup.configure([{"name": "bulletin", "bulletin": "news.txt"}])
    setup.run()
    later = NOW + timedelta(hours=1)

    report = setup.run(now=later)

    assert report.sources[0].outcome is Outcome.NOT_MODIFIED
    state = setup.state("bulletin")
    # As a URL source answered 304 is: `newsfeed sources` shows this run, not the first.
    assert state["status"] == "not modified"
    assert state["last_fetched"] == later.isoformat()


def test_bulletin_items_link_to_their_place_on_the_aggregated_page(setup: Aggregation) -> None:
    (setup.directory / "news.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    setup.configure([{"name": "bulletin", "bulletin": "news.txt"}])
    config_text = setup.config_path.read_text(encoding="utf-8")
    setup.config_path.write_text(
        config_text.replace("[output]\n", '[output]\nhtml = "out/index.html"\n'),
        encoding="utf-8",
    )

    setup.run()

    page = (setup.directory / "out" / "index.html").read_text(encoding="utf-8")
    items = setup.published().items
    assert len(items) == 21
    for item in items:
        assert item.link is not None
        url, anchor = item.link.split("#")
        # feed_url is https://combined.example/combined.xml, beside out/index.html.
        assert url == "https://combined.example/index.html"
        assert f'<article id="{anchor}"' in page
    # The autodiscovery links name the feeds' public URLs.
    assert 'href="https://combined.example/combined.xml"' in page


def test_the_progress_counter_counts_every_source(
    setup: Aggregation, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        rss2([entry(1)]), content_type="application/rss+xml"
    )
    (setup.directory / "news.txt").write_text(SAMPLE_TEXT, encoding="utf-8")
    (setup.directory / "feed.xml").write_text(rss2([entry(2)]), encoding="utf-8")
    setup.configure(
        [
            {"name": "bulletin", "bulletin": "news.txt"},
            {"name": "file", "file": "feed.xml"},
            {"name": "url", "url": httpserver.url_for("/feed")},
        ]
    )
    calls: list[tuple[int, int]] = []

    report = aggregate(
        load_config(setup.config_path), now=NOW, progress=lambda *call: calls.append(call)
    )

    assert len(report.sources) == 3
    assert calls[-1] == (3, 3)
