"""``[fetch] parse_processes``: bodies read in a pool of processes give what one thread gives.

Each configuration runs against the same servers at the same simulated times; the
reports, the published documents and the state database are compared whole.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import threading
import time
from datetime import timedelta
from multiprocessing.process import BaseProcess
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aggregator_fixtures import (
    NOW,
    RSS_TYPE,
    Aggregation,
    Answer,
    FeedServer,
    atom,
    entry,
    json_feed,
    rss2,
)
from newsfeed import FeedParseError, Outcome, Report
from newsfeed._fetch import FetchRequest, FetchResult, FetchStatus
from newsfeed._ingest import ReadFeed
from newsfeed.aggregate._remote import _Reader

# Nested deeper than Python's recursion limit: the reader meets a RecursionError.
_DEEP = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 5_000


def _serve(httpserver: HTTPServer, path: str, body: str | bytes, content_type: str) -> str:
    httpserver.expect_request(path).respond_with_data(body, content_type=content_type)
    return httpserver.url_for(path)


@pytest.fixture
def sources(httpserver: HTTPServer) -> list[dict[str, object]]:
    """Sources in every format, with items that need attributing, and two that cannot be read."""
    served = {
        # Items without authors of their own take the feed's; non-URI guids are scoped.
        "rss": _serve(
            httpserver,
            "/rss",
            rss2([entry(1, id="plain-guid-1"), entry(2, site="https://a.example")]),
            RSS_TYPE,
        ),
        "atom": _serve(
            httpserver, "/atom", atom([entry(3, site="https://b.example")]), "application/atom+xml"
        ),
        "json": _serve(
            httpserver,
            "/json",
            json_feed([entry(4, site="https://c.example"), entry(5, site="https://c.example")]),
            "application/feed+json",
        ),
        "deep": _serve(httpserver, "/deep", _DEEP, "application/json"),
        "html": _serve(httpserver, "/html", "<html><body>hi</body></html>", "text/html"),
        # The same item as the RSS source's second: listed later, it is not published twice.
        "duplicate": _serve(
            httpserver, "/dup", rss2([entry(2, site="https://a.example")]), RSS_TYPE
        ),
    }
    return [{"name": name, "url": url} for name, url in served.items()]


def _summary(report: Report) -> list[tuple[object, ...]]:
    return [
        (source.name, source.outcome, source.new_items, source.skipped_entries, source.detail,
         source.warnings)
        for source in report.sources
    ]  # fmt: skip


def _written(report: Report, directory: Path) -> tuple[int, list[Path]]:
    return report.items, [path.relative_to(directory) for path in report.written]


def _tables(state: Path) -> dict[str, list[tuple[object, ...]]]:
    """The state's rows, but for the backoff's random jitter and the record of the files
    written, which names their folder."""
    queries = {
        "source": "SELECT key, url, etag, last_modified, content_hash, title, error,"
        " last_fetched, failures, gone, outcome FROM source",
        "item": "SELECT * FROM item",
        "entry": "SELECT * FROM entry",
        "setting": "SELECT * FROM setting WHERE name != 'publication'",
    }
    connection = sqlite3.connect(state)
    try:
        return {
            table: sorted(connection.execute(query), key=repr) for table, query in queries.items()
        }
    finally:
        connection.close()


def _runs(directory: Path, sources: list[dict[str, object]], processes: int) -> list[Report]:
    directory.mkdir()
    setup = Aggregation(directory)
    setup.configure(sources, fetch={"parse_processes": processes})
    return [setup.run(), setup.run(now=NOW + timedelta(hours=2))]


def test_a_pool_of_processes_stores_and_publishes_what_one_thread_does(
    tmp_path: Path, sources: list[dict[str, object]]
) -> None:
    in_thread = _runs(tmp_path / "thread", sources, 0)
    in_pool = _runs(tmp_path / "pool", sources, 2)

    assert [_summary(report) for report in in_pool] == [_summary(r) for r in in_thread]
    assert [_written(r, tmp_path / "pool") for r in in_pool] == [
        _written(r, tmp_path / "thread") for r in in_thread
    ]
    thread_setup, pool_setup = Aggregation(tmp_path / "thread"), Aggregation(tmp_path / "pool")
    for kind, path in pool_setup.outputs.items():
        assert path.read_bytes() == thread_setup.outputs[kind].read_bytes(), kind
    assert _tables(pool_setup.state_path) == _tables(thread_setup.state_path)
    first = {source.name: source.outcome for source in in_pool[0].sources}
    assert first == {
        "rss": Outcome.OK,
        "atom": Outcome.OK,
        "json": Outcome.OK,
        "deep": Outcome.ERROR,
        "html": Outcome.ERROR,
        "duplicate": Outcome.OK,
    }
    assert pool_setup.titles() == [f"Headline {number}" for number in (1, 2, 3, 4, 5)]


def test_a_body_that_breaks_its_reader_in_a_worker_is_that_sources_error(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    setup = Aggregation(tmp_path)
    good = _serve(httpserver, "/good", rss2([entry(1)]), RSS_TYPE)
    deep = _serve(httpserver, "/deep", _DEEP, "application/json")
    setup.configure(
        [{"name": "good", "url": good}, {"name": "deep", "url": deep}],
        fetch={"parse_processes": 1},
    )

    report = setup.run()

    fine, broken = report.sources
    assert fine.outcome is Outcome.OK
    assert broken.outcome is Outcome.ERROR
    assert broken.detail is not None
    assert broken.detail.startswith("not valid JSON: maximum recursion depth exceeded")
    state = setup.state("deep")
    assert (state["status"], state["error"], state["failures"]) == (
        "error",
        broken.detail,
        1,
    )
    # Nothing of the broken source is stored; the good one is published.
    assert setup.titles() == ["Headline 1"]
    connection = sqlite3.connect(setup.state_path)
    try:
        stored = connection.execute(
            "SELECT count(*) FROM item WHERE source_key = ?", (state["key"],)
        ).fetchone()
    finally:
        connection.close()
    assert stored == (0,)


def _pool_workers() -> list[int]:
    """The processes the forkserver started for this process's pools (Linux's /proc)."""
    children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read_text().split()
    servers = [
        pid
        for pid in map(int, children)
        if b"forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    return [
        int(worker)
        for server in servers
        for worker in Path(f"/proc/{server}/task/{server}/children").read_text().split()
    ]


def test_a_reading_process_that_dies_fails_its_bodies_and_the_next_get_a_new_pool() -> None:
    body = rss2([entry(1)]).encode()
    fetched = FetchResult(status=FetchStatus.OK, url="http://127.0.0.1/feed", body=body)

    async def reads() -> tuple[object, object, object]:
        with _Reader(1) as reader:
            before = await reader.read(fetched, "source", NOW, fetched.url)
            for worker in _pool_workers():
                os.kill(worker, signal.SIGKILL)
            during = await reader.read(fetched, "source", NOW, fetched.url)
            after = await reader.read(fetched, "source", NOW, fetched.url)
        return before, during, after

    before, during, after = asyncio.run(reads())

    assert isinstance(before, ReadFeed)
    assert isinstance(during, FeedParseError)
    assert during.reason.startswith("cannot be read: the reading process failed: BrokenProcessPool")
    assert during.source == fetched.url
    assert isinstance(after, ReadFeed)
    assert after.feed.items == before.feed.items


def test_the_pool_starts_its_processes_off_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each worker's start waits for the forkserver to import the readers: on the event
    # loop's thread, that wait would hold up every fetch.
    starting_threads: list[int] = []
    start = BaseProcess.start

    def recorded_start(process: BaseProcess) -> None:
        starting_threads.append(threading.get_ident())
        start(process)

    monkeypatch.setattr(BaseProcess, "start", recorded_start)
    body = rss2([entry(1)]).encode()
    fetched = FetchResult(status=FetchStatus.OK, url="http://127.0.0.1/feed", body=body)

    async def reads() -> tuple[int, list[object]]:
        with _Reader(2) as reader:
            read = [await reader.read(fetched, "source", NOW, fetched.url) for _ in range(4)]
        return threading.get_ident(), read

    loop_thread, read = asyncio.run(reads())

    assert all(isinstance(each, ReadFeed) for each in read)
    assert len(starting_threads) == 2
    assert loop_thread not in starting_threads


def _workers_within(seconds: float) -> bool:
    """Whether the pool's workers are up, or come up within *seconds*."""
    deadline = time.monotonic() + seconds
    while not _pool_workers():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_pool_starts_before_the_first_answer_only_when_a_body_is_certain(
    tmp_path: Path,
) -> None:
    # A first fetch (no validators) answers with a body; a conditional one may not.
    seen: list[bool] = []

    def answer() -> Answer:
        seen.append(_workers_within(5 if not seen else 1))
        if len(seen) == 1:
            return 200, {"Content-Type": RSS_TYPE, "ETag": '"one"'}, rss2([entry(1)]).encode()
        return 304, {"ETag": '"one"'}, b""

    server = FeedServer({"/feed": answer})
    setup = Aggregation(tmp_path)
    try:
        # Time enough for the pool to start while the first request waits.
        setup.configure(
            [{"name": "feed", "url": server.url("/feed")}],
            fetch={"parse_processes": 1, "timeout": 10, "max_seconds": 20},
        )
        first = setup.run()
        again = setup.run(now=NOW + timedelta(hours=2))
    finally:
        server.close()

    assert [source.outcome for source in (*first.sources, *again.sources)] == [
        Outcome.OK,
        Outcome.NOT_MODIFIED,
    ]
    assert seen == [True, False]


def _worker_maps() -> list[str]:
    """The memory map of each of the pool's workers (Linux's /proc)."""
    return [Path(f"/proc/{worker}/maps").read_text() for worker in _pool_workers()]


def test_the_pools_workers_start_with_the_readers_imported() -> None:
    # Imported once in the server process the workers are forked from, not in each worker
    # at its first read. The RSS reader's lxml shows in a worker's memory map.
    async def maps_before_any_read() -> list[str]:
        with _Reader(1) as reader:
            reader.expect([FetchRequest(key="source", url="http://127.0.0.1/feed")])
            await asyncio.wrap_future(reader._started())
            return _worker_maps()

    maps = asyncio.run(maps_before_any_read())

    assert maps
    assert all("/lxml/etree." in worker_map for worker_map in maps)
