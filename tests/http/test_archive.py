"""Archived feeds (RFC 5005): several aggregate runs over a source that keeps publishing."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

import newsfeed

START = datetime(2020, 1, 1, tzinfo=UTC)


def rss_with(numbers: range) -> str:
    items = "".join(
        f"<item><title>Item {n}</title><guid>https://src.example/{n}</guid>"
        f"<pubDate>{(START + timedelta(days=10 * n)).strftime('%a, %d %b %Y %H:%M:%S +0000')}"
        "</pubDate></item>"
        for n in reversed(numbers)
    )
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Source</title>'
        f"<link>https://src.example/</link><description>d</description>{items}</channel></rss>"
    )


@pytest.fixture
def site(tmp_path: Path):
    (tmp_path / "config.toml").write_text(
        '[feed]\ntitle = "All"\nlink = "https://example.org/"\n'
        'feed_url = "https://example.org/news/feed.xml"\nmax_items = 5\n'
        '[[source]]\nname = "Source"\nfile = "source.xml"\n'
        '[output]\nrss = "public/feed.xml"\natom = "public/atom.xml"\njson = "public/feed.json"\n'
        'archive = "public/archive"\nstate = "state.sqlite"\n'
    )
    return tmp_path


def run(site: Path, numbers: range) -> newsfeed.Report:
    (site / "source.xml").write_text(rss_with(numbers))
    return newsfeed.aggregate(newsfeed.load_config(site / "config.toml"), now=START)


def documents(site: Path, suffix: str, current: str) -> dict[str, newsfeed.Feed]:
    paths = [site / "public" / current, *sorted((site / "public" / "archive").glob(f"*{suffix}"))]
    return {path.name: newsfeed.parse_feed(path.read_bytes()) for path in paths}


@pytest.mark.parametrize(("suffix", "current"), [(".xml", "feed.xml"), (".atom", "atom.xml")])
def test_every_item_is_in_exactly_one_document_and_the_chain_links_up(site, suffix, current):
    run(site, range(30))
    docs = documents(site, suffix, current)
    ids = [item.id for feed in docs.values() for item in feed.items]
    assert len(ids) == len(set(ids)) == 30
    head = docs.pop(current)
    assert head.archive is not None
    assert head.archive.is_archive is False
    # Walk back from the current feed through prev-archive: every archive, oldest last.
    by_url = {feed.info.feed_url: feed for feed in docs.values()}
    seen, url = [], head.archive.prev_archive
    while url is not None:
        page = by_url[url]
        assert page.archive is not None
        assert page.archive.is_archive
        assert page.archive.current == f"https://example.org/news/{current}"
        seen.append(url)
        url = page.archive.prev_archive
    assert sorted(seen) == sorted(by_url)
    # next-archive links the same chain forwards.
    newest = by_url[seen[0]]
    assert newest.archive is not None
    assert newest.archive.next_archive is None
    assert by_url[seen[-1]].archive.next_archive == seen[-2]
    assert all(url.startswith("https://example.org/news/archive/") for url in seen)


def test_a_complete_archive_page_never_changes_when_new_items_arrive(site):
    run(site, range(30))
    archive = site / "public" / "archive"
    before = {path.name: path.read_bytes() for path in archive.iterdir()}
    run(site, range(45))
    after = {path.name: path.read_bytes() for path in archive.iterdir()}
    assert set(before) < set(after)
    # Only the newest archive of the first run may change, by gaining its next-archive link.
    newest = max(name for name in before if name.endswith(".atom"))
    unchanged = {name for name in before if before[name] == after[name]}
    assert set(before) - unchanged <= {newest, newest.replace(".atom", ".xml")}
    assert b'rel="next-archive"' in after[newest]
    run(site, range(45))
    assert {path.name: path.read_bytes() for path in archive.iterdir()} == after


def test_json_feed_pages_back_with_next_url(site):
    run(site, range(30))
    data = (site / "public" / "feed.json").read_text()
    assert '"next_url": "https://example.org/news/archive/' in data


def test_feedparser_sees_the_archive_links(site):
    run(site, range(30))
    parsed = feedparser.parse(str(site / "public" / "archive" / "2020-01.atom"))
    rels = {link["rel"] for link in parsed.feed.links}
    assert {"current", "self", "next-archive"} <= rels
    assert "fh_archive" in parsed.feed


def test_without_feed_url_archives_are_a_config_error(tmp_path):
    (tmp_path / "c.toml").write_text(
        '[feed]\ntitle = "t"\nlink = "https://example.org/"\n'
        '[[source]]\nfile = "s.xml"\n[output]\nrss = "f.xml"\narchive = "a"\n'
    )
    with pytest.raises(newsfeed.ConfigError, match=r"output\.archive"):
        newsfeed.load_config(tmp_path / "c.toml")
