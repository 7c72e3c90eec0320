"""``build`` and ``check`` on a bulletin with a mistake: exit 1, the line named, nothing written."""

from __future__ import annotations

import hashlib
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest

from newsfeed import parse_feed
from processes import newsfeed
from strategies import DATE_TYPOS

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "examples" / "news.txt"
SAMPLE_LINES = SAMPLE.read_text(encoding="utf-8").split("\n")
FEED_URL = "https://example.org/news/feed.xml"
# The date line of record 3, followed by the next record's headline.
TYPO_LINE = SAMPLE_LINES.index("11 june 2020") + 1


def bulletin_with(tmp_path: Path, number: int, text: str) -> Path:
    lines = list(SAMPLE_LINES)
    lines[number - 1] = text
    path = tmp_path / "news.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def build_into(out: Path, bulletin: Path, *options: str) -> tuple[int, str]:
    result = newsfeed(
        "build", bulletin, "-o", out / "feed.xml", "--feed-url", FEED_URL,
        "--html", out / "index.html", *options,
    )  # fmt: skip
    assert "Traceback" not in result.stderr
    return result.returncode, result.stderr


@pytest.mark.parametrize("typo", DATE_TYPOS)
def test_a_typo_fails_build_and_check_at_its_line_and_keeps_the_published_files(
    tmp_path: Path, typo: str
) -> None:
    out = tmp_path / "out"
    assert build_into(out, SAMPLE) == (0, "")
    published = {path.name: path.read_bytes() for path in out.iterdir()}
    bulletin = bulletin_with(tmp_path, TYPO_LINE, typo)

    code, stderr = build_into(out, bulletin)
    check = newsfeed("check", bulletin)

    expected = f"{bulletin}:{TYPO_LINE}: {typo!r} is not a date"
    assert code == 1
    assert stderr.startswith(expected)
    assert (check.returncode, check.stdout) == (1, "")
    assert check.stderr.startswith(expected)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == published


def test_check_of_the_sample_is_silent() -> None:
    result = newsfeed("check", SAMPLE)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_dates_out_of_order_fail_unless_allowed(tmp_path: Path) -> None:
    bulletin = bulletin_with(tmp_path, TYPO_LINE, "June 10, 2002")
    out = tmp_path / "out"

    code, stderr = build_into(out, bulletin)
    check = newsfeed("check", bulletin)

    assert code == 1
    assert stderr == (
        f"{bulletin}:{TYPO_LINE}: 2002-06-10 is out of newest-first order (records go from "
        "the newest down to the oldest; allow_unordered to accept this)\n"
    )
    assert check.returncode == 1
    assert not out.exists()
    assert build_into(out, bulletin, "--allow-unordered") == (0, "")
    assert newsfeed("check", bulletin, "--allow-unordered").returncode == 0
    assert len(feedparser.parse((out / "feed.xml").read_bytes()).entries) == 21


def test_an_emptied_bulletin_fails_unless_allowed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build_into(out, SAMPLE) == (0, "")
    published = (out / "feed.xml").read_bytes()
    bulletin = tmp_path / "news.txt"
    bulletin.write_text("\n\n", encoding="utf-8")

    code, stderr = build_into(out, bulletin)

    assert code == 1
    assert stderr == (
        f"{bulletin}:1: no records: a bulletin holds at least one (allow_empty to accept none)\n"
    )
    assert (out / "feed.xml").read_bytes() == published
    assert newsfeed("check", bulletin).returncode == 1
    assert build_into(out, bulletin, "--allow-empty") == (0, "")
    assert feedparser.parse((out / "feed.xml").read_bytes()).entries == []


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_bulletin_that_cannot_be_read_is_named(tmp_path: Path, command: str) -> None:
    (tmp_path / "folder").mkdir()
    for path, reason in [
        (tmp_path / "missing.txt", "No such file or directory"),
        (tmp_path / "folder", "Is a directory"),
    ]:
        result = newsfeed(command, path, "--link", "https://example.org/")
        if command == "check":
            result = newsfeed(command, path)
        assert (result.returncode, result.stderr) == (1, f"newsfeed: {path}: {reason}\n")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.alternates: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "article" and values.get("id"):
            self.ids.append(values["id"] or "")
        if tag == "link" and values.get("rel") == "alternate":
            self.alternates.append(values.get("href"))


def page_of(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.mark.parametrize("kind", ["xml", "atom", "json"])
def test_with_a_page_each_item_links_to_its_anchor_on_it(tmp_path: Path, kind: str) -> None:
    out = tmp_path / "out"
    result = newsfeed(
        "build", SAMPLE, "-o", out / f"feed-html.{kind}", "--feed-url", FEED_URL,
        "--html", out / "index.html",
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (0, "")

    entries = parse_feed((out / f"feed-html.{kind}").read_bytes()).items
    page = page_of(out / "index.html")

    assert len(entries) == 21
    links = [entry.link or "" for entry in entries]
    assert all(link.startswith("https://example.org/news/index.html#item-") for link in links)
    assert [link.split("#")[1] for link in links] == page.ids
    assert len(set(page.ids)) == 21
    # Derived from the id alone: the anchors are the same whatever the title says.
    for entry, anchor in zip(entries, page.ids, strict=True):
        assert anchor == "item-" + hashlib.sha256(entry.id.encode()).hexdigest()[:16]
    # The autodiscovery link names the public feed, not the file written.
    assert page.alternates == [FEED_URL]


def test_anchors_survive_rebuilds_and_new_records_above(tmp_path: Path) -> None:
    before, after = tmp_path / "before", tmp_path / "after"
    build_into(before, SAMPLE)
    grown = tmp_path / "news.txt"
    grown.write_text(
        "Newest\n\nA new record on top.\n\n1 july 2020\n" + SAMPLE.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    build_into(after, grown)
    anchors = page_of(after / "index.html").ids
    assert len(anchors) == 22
    assert anchors[1:] == page_of(before / "index.html").ids


def test_without_a_feed_url_the_page_is_under_the_link(tmp_path: Path) -> None:
    shutil.copyfile(SAMPLE, tmp_path / "news.txt")
    result = newsfeed(
        "build", "news.txt", "--link", "https://example.org/site/", "-o", "feeds/feed.xml",
        "--html", "site/index.html", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    links = [entry.link for entry in feedparser.parse(tmp_path / "feeds" / "feed.xml").entries]
    assert all(re.fullmatch(r"https://example\.org/site/index\.html#item-[0-9a-f]{16}", link)
               for link in links)  # fmt: skip
    assert page_of(tmp_path / "site" / "index.html").alternates == ["../feeds/feed.xml"]
