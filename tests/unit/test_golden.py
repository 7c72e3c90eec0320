"""Golden files: each bulletin in tests/data/bulletins parses to the items its .expected.json holds.

To refresh the expectations after an intended change of the parser, run

    NEWSFEED_REGENERATE=1 .venv/bin/pytest tests/unit/test_golden.py

which rewrites every ``<name>.expected.json`` from the current parser, then read the diff
line by line before committing it: the expected files are the reviewed truth, and a
regenerated file that nobody read proves nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from newsfeed import NewsItem, load_bulletin

BULLETINS = Path(__file__).parents[1] / "data" / "bulletins"
FEED_URL = "https://example.org/news/feed.xml"
REGENERATE = os.environ.get("NEWSFEED_REGENERATE") == "1"


def as_json(item: NewsItem) -> dict[str, str]:
    return {
        "id": item.id,
        "title": item.title,
        "summary": item.summary,
        "published": item.published.isoformat(),
    }


def expected_path(bulletin: Path) -> Path:
    return bulletin.with_name(f"{bulletin.stem}.expected.json")


@pytest.mark.parametrize("bulletin", sorted(BULLETINS.glob("*.txt")), ids=lambda path: path.stem)
def test_bulletin_matches_its_expectation(bulletin: Path) -> None:
    actual = [as_json(item) for item in load_bulletin(bulletin, feed_url=FEED_URL)]
    expected_file = expected_path(bulletin)
    if REGENERATE:
        text = json.dumps(actual, ensure_ascii=False, indent=2) + "\n"
        expected_file.write_text(text, encoding="utf-8")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert actual == expected


def test_the_golden_set_is_complete() -> None:
    names = {path.stem for path in BULLETINS.glob("*.txt")}
    assert {"news", "russian", "messy"} <= names
    expectations = {path.name.removesuffix(".expected.json") for path in BULLETINS.glob("*.json")}
    assert expectations == names


def test_messy_bulletin_keeps_its_mess() -> None:
    # A checkout that normalised line endings or dropped the BOM would test nothing.
    data = (BULLETINS / "messy.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    assert b"\r" in data.replace(b"\r\n", b"")
    assert b"   \r\n" in data
