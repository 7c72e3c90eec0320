"""Fetching politely, against real servers on 127.0.0.1: Cache-Control, backoff, time limits.

Each test runs the aggregator at simulated times (``now``), so waits of minutes
or days are checked without waiting; the servers count the requests they get.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from aggregator_fixtures import NOW, RSS_TYPE, Aggregation, Answer, FeedServer, entry, rss2
from newsfeed import Outcome, load_config
from newsfeed._fetch import fresh_for


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer({})
    yield feeds
    feeds.close()


def _answer(cache_control: str | None = None, status: int = 200) -> Answer:
    headers = {"Content-Type": RSS_TYPE}
    if cache_control is not None:
        headers["Cache-Control"] = cache_control
    body = rss2([entry(1)]).encode() if status == 200 else b""
    return status, headers, body


def _next_fetch(setup: Aggregation, name: str) -> datetime | None:
    value = setup.state(name)["next_fetch"]
    return None if value is None else datetime.fromisoformat(value)


# --- Cache-Control: max-age -------------------------------------------------------------------


def test_max_age_is_the_least_time_between_two_fetches(
    setup: Aggregation, server: FeedServer
) -> None:
    server.routes["/feed"] = lambda: _answer("public, max-age=600")
    setup.configure([{"name": "cached", "url": server.url("/feed")}])

    first = setup.run(NOW)
    soon = setup.run(NOW + timedelta(minutes=5))
    later = setup.run(NOW + timedelta(minutes=12))

    assert first.sources[0].outcome is Outcome.OK
    assert soon.sources[0].outcome is Outcome.DEFERRED
    assert "Cache-Control: max-age" in (soon.sources[0].detail or "")
    assert not soon.sources[0].failed
    assert later.sources[0].outcome is Outcome.OK
    assert server.requests == ["/feed", "/feed"]


def test_a_304_with_max_age_also_sets_the_interval(setup: Aggregation, server: FeedServer) -> None:
    answers = iter(
        [
            (200, {"Content-Type": RSS_TYPE, "ETag": '"v1"'}, rss2([entry(1)]).encode()),
            (304, {"Cache-Control": "max-age=300"}, b""),
        ]
    )
    server.routes["/feed"] = lambda: next(answers)
    setup.configure([{"name": "validated", "url": server.url("/feed")}])

    setup.run(NOW)
    assert _next_fetch(setup, "validated") is None  # the 200 said nothing about caching
    second = setup.run(NOW + timedelta(minutes=1))
    third = setup.run(NOW + timedelta(minutes=3))

    assert second.sources[0].outcome is Outcome.NOT_MODIFIED
    assert third.sources[0].outcome is Outcome.DEFERRED
    wait = _next_fetch(setup, "validated")
    assert wait is not None
    assert NOW + timedelta(minutes=6) <= wait <= NOW + timedelta(minutes=6, seconds=30)
    assert len(server.requests) == 2


def test_max_age_is_capped_by_max_cache_seconds(setup: Aggregation, server: FeedServer) -> None:
    server.routes["/feed"] = lambda: _answer("max-age=31536000")  # a year
    setup.configure(
        [{"name": "greedy", "url": server.url("/feed")}], fetch={"max_cache_seconds": 120}
    )

    setup.run(NOW)
    wait = _next_fetch(setup, "greedy")
    again = setup.run(NOW + timedelta(seconds=133))

    assert wait is not None
    assert NOW + timedelta(seconds=120) <= wait <= NOW + timedelta(seconds=132)
    assert again.sources[0].outcome is Outcome.OK
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    ("cache_control", "fetch"),
    [
        ("max-age=600", {"max_cache_seconds": 0}),
        ("no-cache, max-age=600", {}),
        ("max-age=600, no-store", {}),
        ("max-age=0", {}),
    ],
)
def test_sources_are_fetched_every_run_when_caching_is_off(
    setup: Aggregation, server: FeedServer, cache_control: str, fetch: dict[str, object]
) -> None:
    server.routes["/feed"] = lambda: _answer(cache_control)
    setup.configure([{"name": "plain", "url": server.url("/feed")}], fetch=fetch)

    for minutes in range(3):
        report = setup.run(NOW + timedelta(minutes=minutes))
        assert report.sources[0].outcome is Outcome.OK

    assert len(server.requests) == 3


def test_waits_get_jitter_so_sources_do_not_stay_in_step(
    setup: Aggregation, server: FeedServer
) -> None:
    names = [f"s{number}" for number in range(12)]
    for name in names:
        server.routes[f"/{name}"] = lambda: _answer("max-age=600")
    setup.configure(
        [{"name": name, "url": server.url(f"/{name}")} for name in names],
        fetch={"per_host": 12},
    )

    setup.run(NOW)

    waits = [_next_fetch(setup, name) for name in names]
    assert all(
        wait is not None and NOW + timedelta(seconds=600) <= wait <= NOW + timedelta(seconds=660)
        for wait in waits
    ), waits
    assert len(set(waits)) > 1, waits


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("max-age=60", 60),
        ("public, max-age=60, must-revalidate", 60),
        ('max-age="60"', 60),
        ("MAX-AGE=60", 60),
        ("s-maxage=60", None),
        ("max-age=60, no-cache", None),
        ("no-store", None),
        ("max-age=abc", None),
        ("", None),
        (None, None),
        ("max-age=999999999999999999999", 3600),
    ],
)
def test_fresh_for_reads_max_age(header: str | None, expected: int | None) -> None:
    fresh = fresh_for(header, 3600)
    assert fresh == (None if expected is None else timedelta(seconds=expected))


# --- failures: exponential backoff ----------------------------------------------------------


def test_a_failing_source_is_retried_with_exponential_backoff(
    setup: Aggregation, server: FeedServer
) -> None:
    healthy = threading.Event()
    server.routes["/feed"] = lambda: _answer() if healthy.is_set() else _answer(status=500)
    setup.configure(
        [{"name": "flaky", "url": server.url("/feed")}],
        fetch={"backoff_seconds": 60, "max_backoff_seconds": 300},
    )

    now = NOW
    waits = []
    for failures in range(1, 6):
        report = setup.run(now)
        assert report.sources[0].outcome is Outcome.ERROR
        assert setup.state("flaky")["failures"] == failures
        retry = _next_fetch(setup, "flaky")
        assert retry is not None
        waits.append((retry - now).total_seconds())
        # Before its time the source is not fetched, and is still failing.
        early = setup.run(retry - timedelta(seconds=1))
        assert early.sources[0].outcome is Outcome.DEFERRED
        assert early.sources[0].failed
        assert f"failed {'once' if failures == 1 else f'{failures} times in a row'}" in (
            early.sources[0].detail or ""
        )
        assert len(server.requests) == failures
        now = retry

    # 60, 120, 240 seconds, then the cap of 300; each lengthened by up to 10%.
    for wait, base in zip(waits, [60, 120, 240, 300, 300], strict=True):
        assert base <= wait <= base * 1.1, waits

    healthy.set()
    recovered = setup.run(now)
    assert recovered.sources[0].outcome is Outcome.OK
    state = setup.state("flaky")
    assert (state["failures"], state["next_fetch"], state["error"]) == (0, None, None)
    assert setup.run(now).sources[0].outcome is Outcome.OK


def test_backoff_seconds_0_retries_every_run(setup: Aggregation, server: FeedServer) -> None:
    server.routes["/feed"] = lambda: _answer(status=500)
    setup.configure([{"name": "broken", "url": server.url("/feed")}], fetch={"backoff_seconds": 0})

    for _ in range(3):
        assert setup.run(NOW).sources[0].outcome is Outcome.ERROR

    assert setup.state("broken")["next_fetch"] is None
    assert len(server.requests) == 3


def test_retry_after_is_capped_by_max_backoff_seconds(
    setup: Aggregation, server: FeedServer
) -> None:
    server.routes["/feed"] = lambda: (429, {"Retry-After": "999999999"}, b"")
    setup.configure(
        [{"name": "busy", "url": server.url("/feed")}], fetch={"max_backoff_seconds": 3600}
    )

    setup.run(NOW)

    assert _next_fetch(setup, "busy") == NOW + timedelta(seconds=3600)


def test_one_connection_per_host_by_default(setup: Aggregation, server: FeedServer) -> None:
    lock = threading.Lock()
    active = peak = 0

    def slow() -> Answer:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.1)
        with lock:
            active -= 1
        return _answer()

    for number in range(6):
        server.routes[f"/{number}"] = slow
    # The fixture's per_host is left out: the built-in default applies.
    setup.configure(
        [{"name": f"s{number}", "url": server.url(f"/{number}")} for number in range(6)],
        fetch={"per_host": None},
    )

    report = setup.run(NOW)

    assert all(source.outcome is Outcome.OK for source in report.sources)
    assert peak == 1


# --- the run's time limit ------------------------------------------------------------------


def test_max_run_seconds_ends_the_run_and_leaves_the_rest_for_the_next(
    setup: Aggregation, server: FeedServer
) -> None:
    def slow() -> Answer:
        time.sleep(0.5)
        return _answer()

    names = [f"s{number}" for number in range(6)]
    for name in names:
        server.routes[f"/{name}"] = slow
    setup.configure(
        [{"name": name, "url": server.url(f"/{name}")} for name in names],
        fetch={"concurrency": 1, "max_run_seconds": 1.2},
    )

    first = setup.run(NOW)

    fetched = [source.name for source in first.sources if source.outcome is Outcome.OK]
    waiting = [source.name for source in first.sources if source.outcome is Outcome.DEFERRED]
    assert 1 <= len(fetched) < len(names)
    assert sorted(fetched + waiting) == names
    for source in first.sources:
        if source.name in waiting:
            assert "max_run_seconds" in (source.detail or "")
            assert not source.failed
    assert not first.all_failed
    # Nothing is stored of a source the run had no time for: it is simply due next run.
    assert _stored_sources(setup) == set(fetched)

    # The next run starts with the sources left over: the least recently fetched first.
    server.requests.clear()
    setup.run(NOW + timedelta(minutes=5))
    first_asked = server.requests[: min(len(waiting), len(server.requests))]
    assert first_asked
    assert {path.lstrip("/") for path in first_asked} <= set(waiting), server.requests


def _stored_sources(setup: Aggregation) -> set[str]:
    connection = sqlite3.connect(setup.state_path)
    try:
        keys = {key for (key,) in connection.execute("SELECT key FROM source")}
    finally:
        connection.close()
    return {source.name for source in load_config(setup.config_path).sources if source.key in keys}
