"""What the aggregator keeps and publishes across runs: nothing lost, nothing twice, in order.

Sources are served by real HTTP servers on 127.0.0.1 and may change between
runs; the state database and the three outputs are read back after each run.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator_fixtures import NOW, RSS_TYPE, Aggregation, Entry, atom, entry, json_feed, rss2
from newsfeed import Outcome, Source, StateLockedError, parse_feed
from newsfeed._store import Store
from newsfeed.aggregate import _publish
from processes import newsfeed

_ATOM = "{http://www.w3.org/2005/Atom}"


class Changing:
    """A feed whose body the test replaces between runs, served at one path."""

    def __init__(self, httpserver: HTTPServer, path: str, body: str) -> None:
        self.body = body
        self.content_type = RSS_TYPE
        httpserver.expect_request(path).respond_with_handler(self._answer)
        self.url = httpserver.url_for(path)

    def _answer(self, _: Request) -> Response:
        return Response(self.body, content_type=self.content_type)


# --- nothing is lost, and the caps -----------------------------------------------------------


def test_entries_the_source_drops_stay_until_max_items_pushes_them_out(setup, httpserver) -> None:
    source = Changing(httpserver, "/feed", rss2([entry(3), entry(4), entry(5)]))
    setup.configure([{"name": "source", "url": source.url}], feed={"max_items": 3})

    setup.run()
    source.body = rss2([entry(3)])
    second = setup.run(now=NOW + timedelta(minutes=10))
    published_second = setup.titles()
    source.body = rss2([entry(1), entry(2), entry(3)])
    third = setup.run(now=NOW + timedelta(minutes=20))

    assert second.sources[0].new_items == 0
    assert published_second == ["Headline 3", "Headline 4", "Headline 5"]
    assert third.sources[0].new_items == 2
    assert third.items == 3
    assert setup.titles() == ["Headline 1", "Headline 2", "Headline 3"]
    # Out of the feed is not out of the state: all five are still stored.
    assert _stored_count(setup) == 5


def test_items_stay_published_while_their_source_fails(setup, httpserver) -> None:
    source = Changing(httpserver, "/feed", rss2([entry(1), entry(2)]))
    setup.configure([{"name": "source", "url": source.url}])

    setup.run()
    source.body = "<html>maintenance</html>"
    source.content_type = "text/html"
    report = setup.run(now=NOW + timedelta(hours=1))

    assert report.sources[0].outcome is Outcome.ERROR
    assert report.items == 2
    assert report.written == ()
    assert setup.titles() == ["Headline 1", "Headline 2"]


def test_max_items_caps_the_combined_feed(setup, httpserver) -> None:
    first = Changing(
        httpserver, "/a", rss2([entry(n, site="https://a.example") for n in (1, 3, 5)])
    )
    second = Changing(httpserver, "/b", atom([entry(n, site="https://b.example") for n in (2, 4)]))
    setup.configure(
        [{"name": "a", "url": first.url}, {"name": "b", "url": second.url}],
        feed={"max_items": 4},
    )

    report = setup.run()

    assert report.items == 4
    for kind in setup.outputs:
        assert setup.titles(kind) == [f"Headline {n}" for n in (1, 2, 3, 4)]


def test_max_age_days_leaves_out_old_items(setup, httpserver) -> None:
    entries = [
        entry(1, published=NOW - timedelta(hours=1)),
        entry(2, published=NOW - timedelta(days=2, hours=23)),
        entry(3, published=NOW - timedelta(days=3, hours=1)),
        entry(4, published=NOW - timedelta(days=40)),
    ]
    source = Changing(httpserver, "/feed", rss2(entries))
    setup.configure([{"name": "source", "url": source.url}], feed={"max_age_days": 3})

    report = setup.run()
    later = setup.run(now=NOW + timedelta(hours=2))

    assert report.items == 2
    assert later.items == 1
    assert setup.titles() == ["Headline 1"]


def test_an_old_copy_does_not_hide_a_recent_one_from_another_source(setup, httpserver) -> None:
    shared = "https://news.example/story"
    old = entry(1, id="urn:a:1", link=shared, title="Old copy", published=NOW - timedelta(days=9))
    first = Changing(httpserver, "/a", rss2([old]))
    second = Changing(httpserver, "/b", atom([entry(2, id="urn:b:1", link=shared, title="Repost")]))
    setup.configure(
        [{"name": "a", "url": first.url}, {"name": "b", "url": second.url}],
        feed={"max_age_days": 7},
    )

    setup.run()

    assert setup.titles() == ["Repost"]


# --- duplicates and changes ------------------------------------------------------------------


def test_a_feed_repeating_an_id_gives_one_item(setup, httpserver) -> None:
    repeated = [
        entry(1, title="First version"),
        entry(2),
        entry(1, title="Second version", updated=NOW - timedelta(minutes=5)),
        entry(1, title="First version"),
    ]
    source = Changing(httpserver, "/feed", rss2(repeated))
    setup.configure([{"name": "source", "url": source.url}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK
    assert report.items == 2
    assert setup.titles() == ["Second version", "Headline 2"]


def test_the_same_link_from_two_sources_is_published_once(setup, httpserver) -> None:
    shared = "https://news.example/story"
    first = Changing(httpserver, "/a", rss2([entry(1, id="urn:a:1", link=shared, title="From A")]))
    second = Changing(
        httpserver,
        "/b",
        atom([entry(2, id="urn:b:9", link=shared, title="From B"), entry(3, site="https://b")]),
    )
    setup.configure([{"name": "a", "url": first.url}, {"name": "b", "url": second.url}])

    report = setup.run()

    assert report.items == 2
    items = setup.published().items
    assert [item.title for item in items] == ["From A", "Headline 3"]
    # The source listed first in the configuration wins.
    assert items[0].source == Source(title="Source feed", url=first.url)


def test_the_same_uri_id_from_two_sources_is_published_once(setup, httpserver) -> None:
    first = Changing(httpserver, "/a", rss2([entry(1, link=None, title="From A")]))
    second = Changing(httpserver, "/b", json_feed([entry(1, link=None, title="From B")]))
    setup.configure([{"name": "a", "url": first.url}, {"name": "b", "url": second.url}])

    setup.run()

    assert setup.titles() == ["From A"]


def test_the_same_plain_id_from_two_sources_is_two_items(setup, httpserver) -> None:
    # RSS guids like "1" are only unique within their feed.
    first = Changing(httpserver, "/a", rss2([entry(1, id="1", link=None, title="From A")]))
    second = Changing(httpserver, "/b", rss2([entry(2, id="1", link=None, title="From B")]))
    setup.configure([{"name": "a", "url": first.url}, {"name": "b", "url": second.url}])

    setup.run()

    assert setup.titles() == ["From A", "From B"]


def test_plain_ids_keep_the_urns_release_0_1_0_stored(setup, httpserver) -> None:
    # Release 0.1.0 made "urn:uuid:" + uuid5(namespace, source key + LF + guid) of them;
    # the ingest now makes that URN, scoped to the source key the aggregator passes.
    served = Changing(httpserver, "/a", rss2([entry(1, id="123", link=None, title="Served")]))
    (setup.directory / "local.xml").write_text(
        rss2([entry(2, id="123", link=None, title="Local")]), encoding="utf-8"
    )
    setup.configure([{"name": "a", "url": served.url}, {"name": "b", "file": "local.xml"}])

    setup.run()

    namespace = uuid.UUID("5c0f8f0e-2b1a-5d55-8b7e-6e65777366ee")
    keys = [f"url:{served.url}", f"file:{(setup.directory / 'local.xml').resolve()}"]
    expected = [f"urn:uuid:{uuid.uuid5(namespace, key + chr(10) + '123')}" for key in keys]
    for kind in setup.outputs:
        assert [item.id for item in setup.published(kind).items] == expected
    connection = sqlite3.connect(setup.state_path)
    try:
        stored = {row[0] for row in connection.execute("SELECT id FROM item")}
    finally:
        connection.close()
    assert stored == set(expected)


@pytest.mark.parametrize("updated", [True, False], ids=["with-updated", "same-dates"])
def test_a_changed_entry_replaces_the_old_version(setup, httpserver, updated) -> None:
    source = Changing(httpserver, "/feed", rss2([entry(1, title="Old title", summary="Old.")]))
    setup.configure([{"name": "source", "url": source.url}])

    setup.run()
    changed = entry(
        1,
        title="New title",
        summary="New.",
        updated=NOW + timedelta(minutes=30) if updated else None,
    )
    source.body = rss2([changed])
    report = setup.run(now=NOW + timedelta(hours=1))

    assert report.sources[0].new_items == 0
    for kind in setup.outputs:
        (item,) = setup.published(kind).items
        assert (item.title, item.summary) == ("New title", "New.")
        assert item.updated == changed.updated
    assert set(report.written) == set(setup.outputs.values())


def test_an_older_version_does_not_replace_a_newer_one(setup, httpserver) -> None:
    newer = entry(1, title="Newer", updated=NOW - timedelta(minutes=5))
    source = Changing(httpserver, "/feed", rss2([newer]))
    setup.configure([{"name": "source", "url": source.url}])

    setup.run()
    # A stale mirror or cache answers with the version before.
    source.body = rss2([entry(1, title="Older", updated=NOW - timedelta(minutes=50))])
    setup.run(now=NOW + timedelta(hours=1))

    assert setup.titles() == ["Newer"]


def test_entries_without_title_text_link_or_id_are_skipped_and_counted(setup, httpserver) -> None:
    empty = Entry(id=None, title=None, link=None, summary=None)
    # Valid RSS, as many publishers write it: kept, titled from its text.
    body_only = Entry(id=None, title=None, link=None, summary="A body and nothing else")
    source = Changing(httpserver, "/feed", rss2([entry(1), empty, body_only, empty]))
    setup.configure([{"name": "source", "url": source.url}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK
    assert report.sources[0].skipped_entries == 2
    assert "2 entries skipped" in str(report.sources[0])
    assert setup.titles() == ["Headline 1", "A body and nothing else"]


# --- order and stable output -------------------------------------------------------------------


def test_output_is_newest_first_with_ties_broken_by_id(setup, httpserver) -> None:
    tie = NOW - timedelta(hours=5)
    first = Changing(
        httpserver,
        "/a",
        rss2(
            [
                entry(
                    9,
                    id="https://t.example/c",
                    link="https://t.example/c",
                    title="Tie c",
                    published=tie,
                ),
                entry(1, title="Newest"),
                entry(
                    9,
                    id="https://t.example/a",
                    link="https://t.example/a",
                    title="Tie a",
                    published=tie,
                ),
            ]
        ),
    )
    second = Changing(
        httpserver,
        "/b",
        atom(
            [
                entry(
                    9,
                    id="https://t.example/b",
                    link="https://t.example/b",
                    title="Tie b",
                    published=tie,
                ),
                entry(20, title="Oldest", site="https://b.example"),
                entry(2, title="Second", site="https://b.example"),
            ]
        ),
    )
    setup.configure([{"name": "a", "url": first.url}, {"name": "b", "url": second.url}])

    setup.run()

    expected = ["Newest", "Second", "Tie a", "Tie b", "Tie c", "Oldest"]
    for kind in setup.outputs:
        assert setup.titles(kind) == expected


def test_unchanged_output_is_byte_identical_and_not_rewritten(setup, httpserver) -> None:
    # An undated entry is dated when first seen; later runs must not move it.
    undated = entry(7, published=None, title="Undated")
    source = Changing(httpserver, "/feed", rss2([entry(1), entry(2), undated]))
    other = Changing(httpserver, "/other", json_feed([entry(3, site="https://o.example")]))
    setup.configure([{"name": "source", "url": source.url}, {"name": "other", "url": other.url}])

    first = setup.run()
    before = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in setup.outputs.values()}
    second = setup.run(now=NOW + timedelta(hours=3))
    after = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in setup.outputs.values()}

    assert set(first.written) == set(setup.outputs.values())
    assert second.written == ()
    assert after == before
    assert setup.titles()[0] == "Undated"
    assert {path.name for path in setup.outputs["rss"].parent.iterdir()} == {
        path.name for path in setup.outputs.values()
    }


def test_changed_output_is_rewritten(setup, httpserver) -> None:
    source = Changing(httpserver, "/feed", rss2([entry(2)]))
    setup.configure([{"name": "source", "url": source.url}])

    setup.run()
    source.body = rss2([entry(1), entry(2)])
    report = setup.run(now=NOW + timedelta(hours=1))

    assert set(report.written) == set(setup.outputs.values())
    assert setup.titles() == ["Headline 1", "Headline 2"]


# --- attribution -------------------------------------------------------------------------------


def test_items_carry_their_source(setup, httpserver) -> None:
    first = Changing(httpserver, "/a", rss2([entry(1)], title="Member A news"))
    second = Changing(httpserver, "/b", atom([entry(2, site="https://b.example")], title="B news"))
    setup.configure([{"name": "a", "url": first.url}, {"name": "b", "url": second.url}])

    setup.run()

    rss = ET.fromstring(setup.outputs["rss"].read_bytes())  # noqa: S314 - our own output
    sources = [(s.get("url"), s.text) for s in rss.iter("source")]
    assert sources == [(first.url, "Member A news"), (second.url, "B news")]
    feed = ET.fromstring(setup.outputs["atom"].read_bytes())  # noqa: S314 - our own output
    atom_sources = [
        (s.find(f"{_ATOM}title").text, s.find(f"{_ATOM}link").get("href"))  # type: ignore[union-attr]
        for s in feed.iter(f"{_ATOM}source")
    ]
    assert atom_sources == [("Member A news", first.url), ("B news", second.url)]
    expected = [
        Source(title="Member A news", url=first.url),
        Source(title="B news", url=second.url),
    ]
    for kind in setup.outputs:
        assert [item.source for item in setup.published(kind).items] == expected


def test_an_item_keeps_the_source_it_already_names(setup, httpserver) -> None:
    body = rss2([entry(1, summary="REPOSTED")]).replace(
        "</item>", '<source url="https://origin.example/feed.xml">Origin news</source></item>'
    )
    source = Changing(httpserver, "/feed", body)
    setup.configure([{"name": "relay", "url": source.url}])

    setup.run()

    (item,) = parse_feed(setup.outputs["rss"].read_bytes()).items
    assert item.source == Source(title="Origin news", url="https://origin.example/feed.xml")


# --- the state database ------------------------------------------------------------------------


def _stored_count(setup: Aggregation) -> int:
    connection = sqlite3.connect(setup.state_path)
    try:
        (count,) = connection.execute("SELECT count(*) FROM item").fetchone()
    finally:
        connection.close()
    return int(count)


def test_state_keeps_each_sources_fetch_state(setup, httpserver) -> None:
    good = Changing(httpserver, "/good", rss2([entry(1)]))
    httpserver.expect_request("/validated").respond_with_data(
        rss2([entry(2, site="https://v.example")]),
        content_type=RSS_TYPE,
        headers={"ETag": 'W/"7"', "Last-Modified": "Tue, 30 Apr 2024 08:00:00 GMT"},
    )
    httpserver.expect_request("/broken").respond_with_data("", status=502)
    httpserver.expect_request("/busy").respond_with_data(
        "", status=429, headers={"Retry-After": "600"}
    )
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/validated"}
    )
    sources = {
        "good": good.url,
        "validated": httpserver.url_for("/validated"),
        "broken": httpserver.url_for("/broken"),
        "busy": httpserver.url_for("/busy"),
        "moved": httpserver.url_for("/old"),
    }
    setup.configure([{"name": name, "url": url} for name, url in sources.items()])

    setup.run()

    connection = sqlite3.connect(setup.state_path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        connection.close()
    rows = {name: setup.state(name) for name in sources}
    assert rows["good"]["url"] == good.url
    assert rows["good"]["status"] == "ok"
    assert (rows["good"]["etag"], rows["good"]["last_modified"]) == (None, None)
    assert rows["validated"]["etag"] == 'W/"7"'
    assert rows["validated"]["last_modified"] == "Tue, 30 Apr 2024 08:00:00 GMT"
    assert rows["broken"]["status"] == "error"
    assert "HTTP 502" in rows["broken"]["error"]
    # The first failure's backoff: backoff_seconds (60), lengthened by up to 10% of jitter.
    retry = datetime.fromisoformat(rows["broken"]["next_fetch"])
    assert NOW + timedelta(seconds=60) <= retry <= NOW + timedelta(seconds=66)
    assert rows["busy"]["status"] == "error"
    assert "429" in rows["busy"]["error"]
    assert rows["busy"]["next_fetch"] == (NOW + timedelta(seconds=600)).isoformat()
    assert rows["moved"]["status"] == "moved"
    assert rows["moved"]["url"] == sources["validated"]
    assert all(row["error"] is None for name, row in rows.items() if name not in {"broken", "busy"})


def test_a_second_run_while_one_holds_the_lock_is_refused(setup, httpserver) -> None:
    source = Changing(httpserver, "/feed", rss2([entry(1)]))
    setup.configure([{"name": "source", "url": source.url}])

    with Store.open(setup.state_path):
        with pytest.raises(StateLockedError, match="another newsfeed run"):
            setup.run()
        locked = newsfeed("aggregate", setup.config_path)

    assert not any(path.exists() for path in setup.outputs.values())
    assert httpserver.log == []
    assert locked.returncode == 3
    assert str(setup.state_path) in locked.stderr
    assert "another newsfeed run is using this state" in locked.stderr
    assert locked.stdout == ""
    # Once the lock is let go, the next run goes ahead.
    assert setup.run().sources[0].outcome is Outcome.OK


def test_outputs_are_written_while_the_run_still_holds_the_lock(
    setup, httpserver, monkeypatch
) -> None:
    # Written after letting go, an overlapping run could put back an older feed over a newer.
    source = Changing(httpserver, "/feed", rss2([entry(1)]))
    setup.configure([{"name": "source", "url": source.url}])
    locked_while_writing: list[bool] = []
    write = _publish.write_atomic

    def checking_write(path: Path, data: bytes) -> bool:
        try:
            with Store.open(setup.state_path):
                locked_while_writing.append(False)
        except StateLockedError:
            locked_while_writing.append(True)
        return write(path, data)

    monkeypatch.setattr(_publish, "write_atomic", checking_write)
    setup.run()

    assert locked_while_writing == [True, True, True]


def test_what_is_published_is_already_in_the_state_file(setup, httpserver, monkeypatch) -> None:
    # Commits do not wait for the disk; the run makes the state durable before it publishes,
    # so a power loss cannot take from the state an item a feed already shows.
    source = Changing(httpserver, "/feed", rss2([entry(1), entry(2)]))
    setup.configure([{"name": "source", "url": source.url}])
    durable: list[int] = []
    write = _publish.write_atomic

    def checking_write(path: Path, data: bytes) -> bool:
        # The database file alone, without its write-ahead log: what a checkpoint put there.
        copy = setup.state_path.with_name(f"copy-{len(durable)}.sqlite")
        shutil.copyfile(setup.state_path, copy)
        with contextlib.closing(sqlite3.connect(copy)) as db:
            durable.append(db.execute("SELECT count(*) FROM item").fetchone()[0])
        return write(path, data)

    monkeypatch.setattr(_publish, "write_atomic", checking_write)
    setup.run()

    assert durable == [2, 2, 2]


# --- local sources beside fetched ones -----------------------------------------------------------


def test_local_sources_that_cannot_be_read_are_their_own_error(setup, httpserver) -> None:
    directory: Path = setup.directory
    (directory / "deep.json").write_bytes(
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 5000
    )
    (directory / "page.html").write_text("<html><body>Not a feed</body></html>")
    (directory / "bad.txt").write_text("A headline\n\nA body\n\n31 june 2020\n")
    (directory / "good.xml").write_text(atom([entry(2, site="https://file.example")]))
    fetched = Changing(httpserver, "/feed", rss2([entry(1)]))
    setup.configure(
        [
            {"name": "deep", "file": "deep.json"},
            {"name": "page", "file": "page.html"},
            {"name": "missing", "file": "missing.xml"},
            {"name": "bad bulletin", "bulletin": "bad.txt"},
            {"name": "good file", "file": "good.xml"},
            {"name": "fetched", "url": fetched.url},
        ]
    )

    report = setup.run()

    outcomes = {source.name: source.outcome for source in report.sources}
    assert outcomes == {
        "deep": Outcome.ERROR,
        "page": Outcome.ERROR,
        "missing": Outcome.ERROR,
        "bad bulletin": Outcome.ERROR,
        "good file": Outcome.OK,
        "fetched": Outcome.OK,
    }
    assert setup.titles() == ["Headline 1", "Headline 2"]
