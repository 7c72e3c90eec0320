"""Archived feeds (RFC 5005): many aggregate runs over a source that keeps publishing.

Pages hold ``max_items`` entries each, numbered from the oldest in the order items
were first published; the current feed holds from ``max_items`` to twice that less one.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

import newsfeed
from newsfeed.aggregate import _publish

START = datetime(2020, 1, 1, tzinfo=UTC)
MAX_ITEMS = 5
RFC_822 = "%a, %d %b %Y %H:%M:%S +0000"


def rss_with(numbers: range | list[int], *, dates: dict[int, datetime] | None = None) -> str:
    dates = dates or {}
    items = "".join(
        f"<item><title>Item {n}</title><guid>https://src.example/{n}</guid>"
        f"<pubDate>{dates.get(n, START + timedelta(days=10 * n)).strftime(RFC_822)}</pubDate>"
        "</item>"
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
        f'feed_url = "https://example.org/news/feed.xml"\nmax_items = {MAX_ITEMS}\n'
        '[[source]]\nname = "Source"\nfile = "source.xml"\n'
        '[output]\nrss = "public/feed.xml"\natom = "public/atom.xml"\njson = "public/feed.json"\n'
        'html = "public/index.html"\narchive = "public/archive"\nstate = "state.sqlite"\n'
    )
    return tmp_path


def run(site: Path, numbers: range | list[int], **dates: datetime) -> newsfeed.Report:
    by_number = {int(name.removeprefix("n")): when for name, when in dates.items()}
    (site / "source.xml").write_text(rss_with(numbers, dates=by_number))
    return newsfeed.aggregate(newsfeed.load_config(site / "config.toml"), now=START)


def documents(site: Path, suffix: str, current: str) -> dict[str, newsfeed.Feed]:
    paths = [site / "public" / current, *sorted((site / "public" / "archive").glob(f"*{suffix}"))]
    return {path.name: newsfeed.parse_feed(path.read_bytes()) for path in paths}


def files(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file under *folder*: its bytes, inode and modification time."""
    return {
        str(path.relative_to(folder)): (
            path.read_bytes(),
            path.stat().st_ino,
            path.stat().st_mtime_ns,
        )
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


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
        # A page links forward to the next page's name, known before that page is full,
        # so that no link is added later to a complete page.
        number = int(url.rsplit("page-", 1)[1].removesuffix(suffix))
        assert page.archive.next_archive == (
            f"https://example.org/news/archive/page-{number + 1}{suffix}"
        )
        seen.append(url)
        url = page.archive.prev_archive
    assert sorted(seen) == sorted(by_url)
    assert seen == [
        f"https://example.org/news/archive/page-{number}{suffix}" for number in (5, 4, 3, 2, 1)
    ]
    # Pages of MAX_ITEMS, the oldest items first.
    assert [len(by_url[url].items) for url in seen] == [MAX_ITEMS] * 5
    assert {item.title for item in by_url[seen[-1]].items} == {f"Item {n}" for n in range(5)}


def test_the_current_feed_holds_max_items_to_twice_that(site):
    sizes = []
    for total in range(1, 42, 3):
        report = run(site, range(total))
        current = newsfeed.parse_feed((site / "public" / "feed.xml").read_bytes())
        assert report.items == len(current.items)
        sizes.append(len(current.items))
        if total >= MAX_ITEMS:
            assert MAX_ITEMS <= len(current.items) < 2 * MAX_ITEMS
        else:
            assert len(current.items) == total
    # Filling up and emptying into pages, not growing.
    assert max(sizes) == 2 * MAX_ITEMS - 1
    assert sizes[-1] == 40 - 7 * MAX_ITEMS  # the last run lists 40 items


def test_late_and_backdated_items_are_published_once_across_many_runs(site):
    listed: list[int] = []
    backdated: dict[str, datetime] = {}
    for round_ in range(15):
        listed += [100 + 3 * round_ + offset for offset in range(3)]
        if round_ % 4 == 1:
            # Dated years before everything already archived: it arrives late.
            late = 900 + round_
            listed.append(late)
            backdated[f"n{late}"] = START - timedelta(days=400 + round_)
        # The source lists its 12 newest entries only: dropped ones stay published.
        run(site, listed[-12:] + [int(name[1:]) for name in backdated], **backdated)
    for suffix, current in [(".xml", "feed.xml"), (".atom", "atom.xml"), (".json", "feed.json")]:
        docs = documents(site, suffix, current)
        ids = [item.id for feed in docs.values() for item in feed.items]
        assert len(ids) == len(set(ids)), suffix
        assert set(ids) == {f"https://src.example/{n}" for n in listed}, suffix
    # A late item goes to the current feed when it arrives, however old its date.
    late = run(site, [*listed[-12:], 990], n990=START - timedelta(days=3000))
    current = newsfeed.parse_feed((site / "public" / "feed.xml").read_bytes())
    assert "https://src.example/990" in {item.id for item in current.items}
    assert site / "public" / "feed.xml" in late.written


def test_a_complete_page_is_written_once_and_never_again(site):
    run(site, range(30))
    archive = site / "public" / "archive"
    before = files(archive)
    assert len(before) == 5 * 3
    for total in range(31, 60, 4):
        report = run(site, range(total))
        after = files(archive)
        # Every page written before is byte-identical, and was not even rewritten.
        assert {name: after[name] for name in before} == before
        assert not set(report.written) & {archive / name for name in before}
    assert set(after) > set(before)


def test_a_run_with_nothing_new_writes_nothing(site, monkeypatch):
    run(site, range(30))
    public = site / "public"
    before = files(public)
    # Not even rendered: no document is handed to a writer to compare with the file.
    handed: list[Path] = []
    monkeypatch.setattr(_publish, "write_atomic", lambda path, _: handed.append(path))

    report = run(site, range(30))

    assert report.written == ()
    assert report.items == len(newsfeed.parse_feed((public / "feed.xml").read_bytes()).items)
    assert files(public) == before
    # A source that changed without new items (its bytes, not its entries) changes nothing.
    (site / "source.xml").write_text(rss_with(range(30)) + "\n")
    assert newsfeed.aggregate(newsfeed.load_config(site / "config.toml"), now=START).written == ()
    assert files(public) == before
    assert handed == []


def test_an_output_removed_or_changed_is_written_again(site):
    run(site, range(30))
    public = site / "public"
    before = files(public)
    (public / "feed.json").unlink()
    (public / "index.html").write_text("edited")

    report = run(site, range(30))

    assert set(report.written) == {public / "feed.json", public / "index.html"}
    assert {name: content for name, (content, _, _) in files(public).items()} == {
        name: content for name, (content, _, _) in before.items()
    }


def test_the_page_shows_the_current_items_and_links_to_the_archives(site):
    run(site, range(30))
    page = (site / "public" / "index.html").read_text()
    current = newsfeed.parse_feed((site / "public" / "feed.xml").read_bytes())
    assert page.count("<article") == len(current.items)
    for item in current.items:
        assert f">{item.title}<" in page
    for name in ("page-5.xml", "page-5.atom", "page-5.json"):
        assert f'href="archive/{name}"' in page


def test_json_feed_pages_back_with_next_url(site):
    run(site, range(30))
    data = (site / "public" / "feed.json").read_text()
    assert '"next_url": "https://example.org/news/archive/page-5.json"' in data
    page = (site / "public" / "archive" / "page-5.json").read_text()
    assert '"next_url": "https://example.org/news/archive/page-4.json"' in page


def test_feedparser_sees_the_archive_links(site):
    run(site, range(30))
    parsed = feedparser.parse(str(site / "public" / "archive" / "page-2.atom"))
    rels = {link["rel"] for link in parsed.feed.links}
    assert {"current", "self", "prev-archive"} <= rels
    assert "fh_archive" in parsed.feed


def test_without_feed_url_archives_are_a_config_error(tmp_path):
    (tmp_path / "c.toml").write_text(
        '[feed]\ntitle = "t"\nlink = "https://example.org/"\n'
        '[[source]]\nfile = "s.xml"\n[output]\nrss = "f.xml"\narchive = "a"\n'
    )
    with pytest.raises(newsfeed.ConfigError, match=r"output\.archive"):
        newsfeed.load_config(tmp_path / "c.toml")
