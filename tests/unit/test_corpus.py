"""Real-world-shaped feeds and their mutations (``tests/data/feeds``): read as expected.

``expected.json`` holds the reviewed outcome of each file; ``README.txt`` says what
each file is and how it was made.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from aggregator_fixtures import Aggregation
from newsfeed import FeedParseError, Outcome, parse_feed, to_atom, to_json_feed, to_rss
from newsfeed._ingest import ReadFeed, read_feed

CORPUS = Path(__file__).parents[1] / "data" / "feeds"
EXPECTED: dict[str, dict[str, Any]] = json.loads(
    (CORPUS / "expected.json").read_text(encoding="utf-8")
)
FILES = sorted(
    path.name for path in CORPUS.iterdir() if path.name not in {"README.txt", "expected.json"}
)
NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def read(name: str) -> ReadFeed:
    return read_feed((CORPUS / name).read_bytes(), now=NOW)


def test_every_file_has_an_expectation() -> None:
    assert sorted(EXPECTED) == FILES


def assert_warnings(warnings: tuple[str, ...], expected: list[str]) -> None:
    # One warning for each expected substring, and no others.
    assert len(warnings) == len(expected), warnings
    for substring in expected:
        assert any(substring in warning for warning in warnings), (substring, warnings)


@pytest.mark.parametrize("name", FILES)
def test_corpus_file_reads_as_expected(name: str) -> None:
    expected = EXPECTED[name]
    if expected["outcome"] == "error":
        with pytest.raises(FeedParseError) as caught:
            read(name)
        assert expected["message"] in caught.value.reason
        return
    result = read(name)
    assert len(result.feed.items) == expected["items"]
    assert_warnings(result.warnings, expected.get("warnings", []))
    assert result.skipped == 0
    if "same_as" in expected:
        # A BOM, a declaration or removed characters change nothing of what is read.
        assert result.feed == read(expected["same_as"]).feed
    if "same_items_as" in expected:
        assert result.feed.items == read(expected["same_items_as"]).feed.items
    if "titles" in expected:
        assert [item.title for item in result.feed.items] == expected["titles"]
    if "feed_title" in expected:
        assert result.feed.info.title == expected["feed_title"]
    # Whatever is read can be written: strictly valid XML, and JSON.
    for export in (to_rss, to_atom):
        etree.fromstring(export(result.feed), STRICT)
    assert len(json.loads(to_json_feed(result.feed))["items"]) == expected["items"]


def test_the_whole_corpus_in_one_aggregate_run() -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup = Aggregation(Path(directory))
        for name in FILES:
            (setup.directory / name).write_bytes((CORPUS / name).read_bytes())
        setup.configure([{"name": name, "file": name} for name in FILES])

        report = setup.run()

        assert [source.name for source in report.sources] == FILES
        links: set[str] = set()
        for source in report.sources:
            expected = EXPECTED[source.name]
            if expected["outcome"] == "error":
                # Reported for that source alone, naming its file.
                assert source.outcome is Outcome.ERROR
                assert source.detail is not None
                assert source.name in source.detail
                assert expected["message"] in source.detail
                assert str(source).startswith(f"{source.name}: error: ")
            else:
                assert source.outcome is Outcome.OK
                assert_warnings(source.warnings, expected.get("warnings", []))
                for warning in source.warnings:
                    assert f"{source.name}: ok" in str(source)
                    assert f"warning: {warning}" in str(source)
                links.update(item.link for item in read(source.name).feed.items if item.link)
        for kind, path in setup.outputs.items():
            if kind != "json":
                etree.fromstring(path.read_bytes(), STRICT)
            published = parse_feed(path.read_bytes())
            assert len(published.items) == report.items
            # Deduplicated across sources by link, but no linked item is lost.
            assert {item.link for item in published.items if item.link} == links
