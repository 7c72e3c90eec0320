"""Fetching sources from real HTTP servers: every answer a server can give, and the bad ones.

Each test writes a configuration in its temporary directory and runs
``aggregate(load_config(path))``, as the command line does, against servers on
127.0.0.1. Time is simulated by passing ``now=``, so Retry-After is tested
without waiting.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from datetime import timedelta
from email.utils import format_datetime

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import newsfeed
from aggregator_fixtures import (
    NOW,
    RSS_TYPE,
    Aggregation,
    Answer,
    Entry,
    FeedServer,
    atom,
    entry,
    json_feed,
    read_request,
    rss1,
    rss2,
)
from newsfeed import Outcome


def requests_to(httpserver: HTTPServer, path: str) -> list[Request]:
    return [request for request, _ in httpserver.log if request.path == path]


def serve(
    httpserver: HTTPServer,
    path: str,
    body: str | bytes,
    *,
    status: int = 200,
    content_type: str = RSS_TYPE,
    headers: dict[str, str] | None = None,
) -> str:
    httpserver.expect_request(path).respond_with_data(
        body, status=status, content_type=content_type, headers=headers
    )
    return httpserver.url_for(path)


def in_turn(httpserver: HTTPServer, path: str, *responses: Response) -> str:
    """Answer *path* with each response in turn, then with the last one again."""
    remaining = list(responses)

    def answer(_: Request) -> Response:
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    httpserver.expect_request(path).respond_with_handler(answer)
    return httpserver.url_for(path)


def feed_response(body: str | bytes, *, content_type: str = RSS_TYPE, **headers: str) -> Response:
    return Response(body, content_type=content_type, headers=headers)


def closed_port_url() -> str:
    # A port that was just free: nothing listens there, so the connection is refused.
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/feed"


# --- 200 and the formats -------------------------------------------------------------------


def test_200_items_are_stored_and_published(setup: Aggregation, httpserver: HTTPServer) -> None:
    url = serve(httpserver, "/feed", rss2([entry(1), entry(2)], title="Member news"))
    setup.configure([{"name": "member", "url": url}])

    report = setup.run()

    (source,) = report.sources
    assert source.outcome is Outcome.OK
    assert source.new_items == 2
    assert report.items == 2
    assert set(report.written) == set(setup.outputs.values())
    for kind in setup.outputs:
        assert setup.titles(kind) == ["Headline 1", "Headline 2"]
    state = setup.state("member")
    assert state["status"] == "ok"
    assert state["url"] == url
    assert state["error"] is None


@pytest.mark.parametrize(
    ("render", "content_type"),
    [
        pytest.param(rss1, "application/rdf+xml", id="rss1.0-rdf"),
        pytest.param(rss2, RSS_TYPE, id="rss2.0"),
        pytest.param(atom, "application/atom+xml", id="atom"),
        pytest.param(json_feed, "application/feed+json", id="jsonfeed"),
    ],
)
def test_every_format_is_read(setup, httpserver, render, content_type) -> None:
    entries = [
        entry(3, summary="Third."),
        entry(1, updated=None if render is rss1 else NOW - timedelta(minutes=10)),
        entry(2, summary=None),
    ]
    url = serve(httpserver, "/feed", render(entries), content_type=content_type)
    setup.configure([{"name": "source", "url": url}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK, str(report.sources[0])
    assert report.sources[0].warnings == ()
    items = setup.published("json").items
    assert [item.title for item in items] == ["Headline 1", "Headline 2", "Headline 3"]
    assert [item.link for item in items] == [entries[1].link, entries[2].link, entries[0].link]
    by_link = {item.link: item for item in items}
    for source_entry in entries:
        item = by_link[source_entry.link]
        assert item.published == source_entry.published
        assert item.summary == (source_entry.summary or "")
    if render is not rss1:
        assert by_link[entries[1].link].updated == NOW - timedelta(minutes=10)


@pytest.mark.parametrize("render", [rss2, atom])
def test_relative_links_resolve_against_the_feeds_url(setup, httpserver, render) -> None:
    body = render([entry(1, link="/news/1"), entry(2, link="item-2")])
    if render is rss2:
        body = body.replace("<link>https://source.example/</link>", "<link>/</link>")
    else:
        body = body.replace("href='https://atom.example/'", "href='/'")
    url = serve(httpserver, "/feeds/main", body)
    setup.configure([{"name": "relative", "url": url}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK, str(report.sources[0])
    links = [item.link for item in setup.published().items]
    assert links == [httpserver.url_for("/news/1"), httpserver.url_for("/feeds/item-2")]


def test_user_agent_names_newsfeed_and_its_version(setup, httpserver) -> None:
    url = serve(httpserver, "/feed", rss2([entry(1)]))
    setup.configure([{"name": "source", "url": url}])

    setup.run()

    (request,) = requests_to(httpserver, "/feed")
    assert f"newsfeed/{newsfeed.__version__}" in request.headers["User-Agent"]


# --- conditional GET -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "value", "conditional"),
    [
        ("ETag", '"v1-abc"', "If-None-Match"),
        ("Last-Modified", "Wed, 01 May 2024 10:00:00 GMT", "If-Modified-Since"),
    ],
)
def test_not_modified_after_a_validator(setup, httpserver, validator, value, conditional) -> None:
    def answer(request: Request) -> Response:
        # As a real server does: 304 only when the client names the version it has.
        if request.headers.get(conditional) == value:
            return Response(status=304)
        return feed_response(rss2([entry(1), entry(2)]), **{validator: value})

    httpserver.expect_request("/feed").respond_with_handler(answer)
    setup.configure([{"name": "source", "url": httpserver.url_for("/feed")}])

    first = setup.run()
    stored = setup.state("source")
    second = setup.run(now=NOW + timedelta(hours=1))

    assert first.sources[0].outcome is Outcome.OK
    assert stored[validator.lower().replace("-", "_")] == value
    initial, again = requests_to(httpserver, "/feed")
    assert conditional not in initial.headers
    assert again.headers[conditional] == value
    assert second.sources[0].outcome is Outcome.NOT_MODIFIED
    assert "not modified" in str(second.sources[0])
    assert second.items == 2
    assert second.written == ()
    assert setup.titles() == ["Headline 1", "Headline 2"]
    # The validators stay, so the next run asks conditionally again.
    assert setup.state("source")[validator.lower().replace("-", "_")] == value
    assert setup.state("source")["status"] == "not modified"


def test_a_new_version_replaces_the_validators(setup, httpserver) -> None:
    url = in_turn(
        httpserver,
        "/feed",
        feed_response(rss2([entry(1)]), ETag='"one"'),
        feed_response(rss2([entry(1), entry(2)]), ETag='"two"'),
        Response(status=304),
    )
    setup.configure([{"name": "source", "url": url}])

    setup.run()
    setup.run()
    third = setup.run()

    conditionals = [r.headers.get("If-None-Match") for r in requests_to(httpserver, "/feed")]
    assert conditionals == [None, '"one"', '"two"']
    assert third.sources[0].outcome is Outcome.NOT_MODIFIED
    assert setup.titles() == ["Headline 1", "Headline 2"]


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
def test_a_permanent_redirect_is_followed_and_remembered(setup, httpserver, status) -> None:
    new_url = serve(httpserver, "/new", rss2([entry(1)]))
    old_url = serve(httpserver, "/old", "", status=status, headers={"Location": "/new"})
    setup.configure([{"name": "source", "url": old_url}])

    first = setup.run()
    second = setup.run(now=NOW + timedelta(hours=1))

    report = first.sources[0]
    assert report.outcome is Outcome.MOVED
    assert report.detail == new_url
    assert f"moved to {new_url}" in str(report)
    assert setup.titles() == ["Headline 1"]
    assert second.sources[0].outcome is Outcome.OK
    assert len(requests_to(httpserver, "/old")) == 1
    assert len(requests_to(httpserver, "/new")) == 2
    assert setup.state("source")["url"] == new_url


def test_a_temporary_redirect_is_not_stored_as_a_move(setup, httpserver) -> None:
    serve(httpserver, "/new", rss2([entry(1)]))
    old_url = serve(httpserver, "/old", "", status=302, headers={"Location": "/new"})
    setup.configure([{"name": "source", "url": old_url}])

    first = setup.run()
    setup.run(now=NOW + timedelta(hours=1))

    assert first.sources[0].outcome is Outcome.OK
    assert setup.titles() == ["Headline 1"]
    assert len(requests_to(httpserver, "/old")) == 2
    assert setup.state("source")["url"] == old_url


def test_a_permanent_then_temporary_redirect_is_not_a_move(setup, httpserver) -> None:
    serve(httpserver, "/final", rss2([entry(1)]))
    serve(httpserver, "/middle", "", status=307, headers={"Location": "/final"})
    old_url = serve(httpserver, "/old", "", status=301, headers={"Location": "/middle"})
    setup.configure([{"name": "source", "url": old_url}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK
    assert setup.state("source")["url"] == old_url


@pytest.mark.parametrize("status", [301, 302])
@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/feed"])
def test_a_redirect_to_another_scheme_is_refused(setup, httpserver, status, target) -> None:
    url = serve(httpserver, "/feed", "", status=status, headers={"Location": target})
    setup.configure([{"name": "source", "url": url}])

    report = setup.run()

    (source,) = report.sources
    assert source.outcome is Outcome.ERROR
    assert "refused" in (source.detail or "")
    assert target in (source.detail or "")
    assert setup.state("source")["url"] in {None, url}
    assert setup.published().items == ()


def test_too_many_redirects_is_an_error(setup, httpserver) -> None:
    url = serve(httpserver, "/loop", "", status=302, headers={"Location": "/loop"})
    setup.configure([{"name": "source", "url": url}], fetch={"max_redirects": 3})

    report = setup.run()

    assert report.sources[0].outcome is Outcome.ERROR
    assert "more than 3 redirects" in (report.sources[0].detail or "")
    assert len(requests_to(httpserver, "/loop")) == 4


# --- gone, retry later, errors -------------------------------------------------------------


def test_gone_is_not_requested_again(setup, httpserver) -> None:
    url = serve(httpserver, "/feed", "", status=410)
    setup.configure([{"name": "source", "url": url}])

    first = setup.run()
    second = setup.run(now=NOW + timedelta(days=1))

    assert first.sources[0].outcome is Outcome.GONE
    assert "410" in (first.sources[0].detail or "")
    assert second.sources[0].outcome is Outcome.GONE
    assert len(requests_to(httpserver, "/feed")) == 1
    assert setup.state("source")["gone"] == 1


def test_too_many_requests_waits_for_retry_after_seconds(setup, httpserver) -> None:
    url = in_turn(
        httpserver,
        "/feed",
        Response(status=429, headers={"Retry-After": "120"}),
        feed_response(rss2([entry(1)])),
    )
    setup.configure([{"name": "source", "url": url}])

    first = setup.run(now=NOW)
    early = setup.run(now=NOW + timedelta(seconds=60))
    requests_after_early = len(requests_to(httpserver, "/feed"))
    late = setup.run(now=NOW + timedelta(seconds=121))

    assert first.sources[0].outcome is Outcome.ERROR
    assert "429" in (first.sources[0].detail or "")
    assert setup.state("source")["error"] is None  # the later success cleared it
    assert early.sources[0].outcome is Outcome.DEFERRED
    assert requests_after_early == 1
    assert late.sources[0].outcome is Outcome.OK
    assert len(requests_to(httpserver, "/feed")) == 2
    assert setup.titles() == ["Headline 1"]


def test_unavailable_waits_for_retry_after_http_date(setup, httpserver) -> None:
    until = NOW + timedelta(hours=2)
    url = in_turn(
        httpserver,
        "/feed",
        Response(status=503, headers={"Retry-After": format_datetime(until, usegmt=True)}),
        feed_response(rss2([entry(1)])),
    )
    setup.configure([{"name": "source", "url": url}])

    first = setup.run(now=NOW)
    stored = setup.state("source")
    early = setup.run(now=until - timedelta(seconds=1))
    requests_after_early = len(requests_to(httpserver, "/feed"))
    late = setup.run(now=until + timedelta(seconds=1))

    assert "503" in (first.sources[0].detail or "")
    assert stored["next_fetch"] == until.isoformat()
    assert early.sources[0].outcome is Outcome.DEFERRED
    assert requests_after_early == 1
    assert late.sources[0].outcome is Outcome.OK
    assert setup.titles() == ["Headline 1"]


def test_server_error_is_that_sources_error_only(setup, httpserver) -> None:
    broken = serve(httpserver, "/broken", "oops", status=500, content_type="text/plain")
    good = serve(httpserver, "/good", rss2([entry(1)]))
    setup.configure([{"name": "broken", "url": broken}, {"name": "good", "url": good}])

    report = setup.run()

    failed, fine = report.sources
    assert failed.outcome is Outcome.ERROR
    assert "HTTP 500" in (failed.detail or "")
    assert fine.outcome is Outcome.OK
    assert not report.all_failed
    assert setup.titles() == ["Headline 1"]
    assert "HTTP 500" in setup.state("broken")["error"]
    assert setup.state("broken")["status"] == "error"


# --- slow, silent and oversized answers ----------------------------------------------------


def _never_answer(connection: socket.socket, stop: threading.Event) -> None:
    read_request(connection)
    stop.wait(30)


def _trickle(connection: socket.socket, stop: threading.Event) -> None:
    read_request(connection)
    connection.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n"
    )
    # One byte a second, each within the read timeout: only the overall deadline ends it.
    while not stop.wait(1.0):
        connection.sendall(b" ")


def test_a_server_that_never_answers_costs_only_the_timeout(setup, httpserver, raw_server) -> None:
    silent = raw_server(_never_answer)
    good = serve(httpserver, "/good", rss2([entry(1)]))
    setup.configure(
        [{"name": "silent", "url": silent.url()}, {"name": "good", "url": good}],
        fetch={"timeout": 1, "max_seconds": 2},
    )

    started = time.monotonic()
    report = setup.run()
    elapsed = time.monotonic() - started

    assert elapsed < 20
    stuck, fine = report.sources
    assert stuck.outcome is Outcome.ERROR
    assert "timed out after 1 s" in (stuck.detail or "")
    assert fine.outcome is Outcome.OK
    assert setup.titles() == ["Headline 1"]


def test_a_trickling_server_is_cut_off_at_max_seconds(setup, raw_server) -> None:
    slow = raw_server(_trickle)
    setup.configure([{"name": "slow", "url": slow.url()}], fetch={"timeout": 2, "max_seconds": 4})

    started = time.monotonic()
    report = setup.run()
    elapsed = time.monotonic() - started

    assert elapsed < 20
    assert report.sources[0].outcome is Outcome.ERROR
    assert report.sources[0].detail == "no complete answer within 4 s"


def test_refused_connection_is_an_error(setup) -> None:
    setup.configure([{"name": "nobody", "url": closed_port_url()}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.ERROR
    assert "connect" in (report.sources[0].detail or "")
    assert report.all_failed


def test_a_declared_body_over_max_bytes_is_an_error(setup, httpserver) -> None:
    body = rss2([entry(n, summary="x" * 500) for n in range(1, 20)])
    url = serve(httpserver, "/big", body)
    setup.configure([{"name": "big", "url": url}], fetch={"max_bytes": 2000})

    report = setup.run()

    assert report.sources[0].outcome is Outcome.ERROR
    assert "2000-byte cap" in (report.sources[0].detail or "")
    assert setup.published().items == ()


def test_a_streamed_body_over_max_bytes_is_an_error(setup, httpserver) -> None:
    # No Content-Length: the cap must hold while the body streams in.
    head = rss2([entry(1)]).encode()

    def chunks() -> object:
        yield head
        for _ in range(100):
            yield b"<!-- padding padding padding padding padding padding padding -->\n" * 10

    httpserver.expect_request("/big").respond_with_response(
        Response(chunks(), content_type=RSS_TYPE)
    )
    setup.configure([{"name": "big", "url": httpserver.url_for("/big")}], fetch={"max_bytes": 5000})

    report = setup.run()

    assert report.sources[0].outcome is Outcome.ERROR
    assert "5000-byte cap" in (report.sources[0].detail or "")


def test_a_compressed_body_is_capped_once_decompressed(setup, httpserver) -> None:
    bomb = gzip.compress(b"<rss>" + b" " * 2_000_000)
    fine = gzip.compress(rss2([entry(1)]).encode())
    headers = {"Content-Encoding": "gzip"}
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type=RSS_TYPE, headers=headers
    )
    httpserver.expect_request("/fine").respond_with_data(
        fine, content_type=RSS_TYPE, headers=headers
    )
    setup.configure(
        [
            {"name": "bomb", "url": httpserver.url_for("/bomb")},
            {"name": "fine", "url": httpserver.url_for("/fine")},
        ],
        fetch={"max_bytes": 100_000},
    )

    report = setup.run()

    assert len(bomb) < 100_000
    assert report.sources[0].outcome is Outcome.ERROR
    assert "100000-byte cap" in (report.sources[0].detail or "")
    assert report.sources[1].outcome is Outcome.OK
    assert setup.titles() == ["Headline 1"]


def _cut_off(connection: socket.socket, stop: threading.Event) -> None:
    read_request(connection)
    body = rss2([entry(1), entry(2)]).encode()
    head = f"HTTP/1.1 200 OK\r\nContent-Type: {RSS_TYPE}\r\nContent-Length: {len(body)}\r\n\r\n"
    # The connection drops two thirds of the way: the feed must not be read from what came.
    connection.sendall(head.encode() + body[: len(body) * 2 // 3])
    connection.close()
    del stop


def test_a_connection_closed_mid_body_is_an_error(setup, raw_server) -> None:
    server = raw_server(_cut_off)
    setup.configure([{"name": "cut", "url": server.url()}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.ERROR
    assert report.sources[0].detail
    assert setup.published().items == ()


@pytest.mark.parametrize(
    ("concurrency", "per_host", "most"),
    [(8, 1, 1), (8, 3, 3), (2, 8, 2)],
)
def test_fetches_to_one_host_are_limited(setup, concurrency, per_host, most) -> None:
    lock = threading.Lock()
    active = [0]
    peak = [0]

    def slow() -> Answer:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.2)
        with lock:
            active[0] -= 1
        return 200, {"Content-Type": RSS_TYPE}, rss2([entry(1)]).encode()

    server = FeedServer({f"/{n}": slow for n in range(6)})
    try:
        setup.configure(
            [{"name": f"s{n}", "url": server.url(f"/{n}")} for n in range(6)],
            fetch={"concurrency": concurrency, "per_host": per_host},
        )
        report = setup.run()
    finally:
        server.close()

    assert all(source.outcome is Outcome.OK for source in report.sources)
    assert peak[0] <= most
    if most > 1:  # and the limit is not stricter than asked
        assert peak[0] > 1


def test_only_the_last_request_to_a_host_closes_its_connection(setup, httpserver) -> None:
    # The connection is kept for the host's next source, and not kept idle after its last.
    urls = [serve(httpserver, f"/{n}", rss2([entry(n)])) for n in range(3)]
    setup.configure(
        [{"name": f"s{n}", "url": url} for n, url in enumerate(urls)], fetch={"per_host": 1}
    )

    report = setup.run()

    assert all(source.outcome is Outcome.OK for source in report.sources)
    asked = [request.headers.get("Connection", "").lower() for request, _ in httpserver.log]
    assert [value == "close" for value in asked] == [False, False, True]


# --- bodies that are not quite feeds -------------------------------------------------------


def _with_nbsp() -> bytes:
    return rss2([entry(1, summary="NBSP_HERE")]).replace("NBSP_HERE", "a&nbsp;b").encode()


def _misdeclared_encoding() -> bytes:
    # Declared UTF-8, written in Latin-1: the é is not valid UTF-8.
    return rss2([entry(1, title="Café opens")]).encode("latin-1")


@pytest.mark.parametrize(
    ("body", "title"),
    [
        pytest.param(_with_nbsp, "Headline 1", id="undefined-entity"),
        pytest.param(_misdeclared_encoding, "Café opens", id="wrong-declared-encoding"),
    ],
)
def test_recoverable_xml_is_read_with_a_warning(setup, httpserver, body, title) -> None:
    url = serve(httpserver, "/feed", body(), content_type="application/rss+xml")
    setup.configure([{"name": "sloppy", "url": url}])

    report = setup.run()

    (source,) = report.sources
    assert source.outcome is Outcome.OK
    assert source.warnings
    assert "warning:" in str(source)
    assert setup.titles() == [title]


def _truncated() -> bytes:
    whole = rss2([entry(1), entry(2, summary="The second body, cut short in transit")]).encode()
    return whole[: whole.index(b"cut short") + 3]


def _mismatched() -> bytes:
    return rss2([entry(1), entry(2)]).replace("</title>", "</titel>", 1).encode()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(_truncated, RSS_TYPE, id="truncated"),
        pytest.param(_mismatched, RSS_TYPE, id="mismatched-tag"),
        pytest.param(
            lambda: (
                b"<!DOCTYPE html><html><head><title>Home</title></head>"
                b"<body><p>Welcome</p></body></html>"
            ),
            "text/html; charset=utf-8",
            id="html-page",
        ),
        pytest.param(lambda: b"", RSS_TYPE, id="empty"),
        pytest.param(
            lambda: b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
            "application/feed+json",
            id="truncated-json",
        ),
        pytest.param(lambda: b'{"title": "not a feed"}', "application/json", id="plain-json"),
    ],
)
def test_unrecoverable_bodies_are_that_sources_error(setup, httpserver, body, content_type) -> None:
    url = in_turn(
        httpserver,
        "/feed",
        feed_response(rss2([entry(1)])),
        feed_response(body(), content_type=content_type, ETag='"broken"'),
    )
    good = serve(httpserver, "/good", atom([entry(5, site="https://other.example")]))
    setup.configure([{"name": "broken", "url": url}, {"name": "good", "url": good}])

    setup.run()
    report = setup.run(now=NOW + timedelta(hours=1))

    broken, fine = report.sources
    assert broken.outcome is Outcome.ERROR, str(broken)
    assert broken.detail
    assert fine.succeeded
    # What the source gave before stays published; the bad answer's validator is not kept.
    assert setup.titles() == ["Headline 1", "Headline 5"]
    assert setup.state("broken")["etag"] is None


# --- one bad source among good ones --------------------------------------------------------


def test_one_bad_source_never_stops_the_others(setup, httpserver, raw_server) -> None:
    silent = raw_server(_never_answer)
    # Nested deeper than Python's recursion limit, and still under max_bytes.
    deep = b'{"version": "https://jsonfeed.org/version/1.1", "items": ' + b"[" * 5_000
    sources = {
        "rss": serve(httpserver, "/rss", rss2([entry(1, site="https://a.example")])),
        "server error": serve(httpserver, "/500", "", status=500),
        "not found": serve(httpserver, "/404", "", status=404),
        "html": serve(
            httpserver, "/html", "<html><body>hi</body></html>", content_type="text/html"
        ),
        "atom": serve(httpserver, "/atom", atom([entry(2, site="https://b.example")])),
        "deeply nested json": serve(httpserver, "/deep", deep, content_type="application/json"),
        "bad redirect": serve(
            httpserver, "/redirect", "", status=302, headers={"Location": "file:///etc/passwd"}
        ),
        "refused": closed_port_url(),
        "silent": silent.url(),
        "json": serve(httpserver, "/json", json_feed([entry(3, site="https://c.example")])),
        "too big": serve(httpserver, "/big", rss2([entry(9, summary="x" * 10_000)])),
    }
    setup.configure(
        [{"name": name, "url": url} for name, url in sources.items()],
        fetch={"timeout": 1, "max_seconds": 2, "max_bytes": 8000},
    )

    report = setup.run()

    outcomes = {source.name: source.outcome for source in report.sources}
    assert outcomes == {
        name: Outcome.OK if name in {"rss", "atom", "json"} else Outcome.ERROR for name in sources
    }
    assert setup.titles() == ["Headline 1", "Headline 2", "Headline 3"]
    for source in report.sources:
        state = setup.state(source.name)
        assert state["status"] == source.outcome.value
        assert (state["error"] is None) == (source.outcome is Outcome.OK)


def test_entries_without_title_text_link_or_id_are_counted(setup, httpserver) -> None:
    # An entry with only a text is kept (valid RSS, titled from its text): this one has none.
    url = serve(httpserver, "/feed", rss2([entry(1), Entry(id=None, title=None, summary=None)]))
    setup.configure([{"name": "source", "url": url}])

    report = setup.run()

    assert report.sources[0].skipped_entries == 1
    assert "1 entry skipped" in str(report.sources[0])
    assert setup.titles() == ["Headline 1"]
