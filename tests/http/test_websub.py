"""WebSub publishing: hub links in every output, and a publish ping for each changed output.

The hub is a recording pytest-httpserver on 127.0.0.1; the source is a local feed
file, so the only HTTP traffic is the ping under test.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from aggregator_fixtures import NOW, Aggregation, entry, rss2
from newsfeed import (
    ConfigError,
    Feed,
    FeedInfo,
    load_config,
    parse_feed,
    to_atom,
    to_json_feed,
    to_rss,
)
from newsfeed._websub import HubPing, publish
from processes import newsfeed

_ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
_TOPICS = [
    "https://combined.example/combined.xml",
    "https://combined.example/combined.atom",
    "https://combined.example/combined.json",
]


def _configure(setup: Aggregation, *hubs: str, feed: dict[str, object] | None = None) -> Path:
    source = setup.directory / "source.xml"
    source.write_text(rss2([entry(1), entry(2)]), encoding="utf-8")
    path = setup.configure([{"name": "local", "file": "source.xml"}], feed=feed)
    # The fixture writes scalars only; a hub list is TOML the test spells out.
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[feed]\n", f"[feed]\nhub = {json.dumps(list(hubs))}\n", 1))
    return path


def _hub(httpserver: HTTPServer, path: str = "/hub", status: int = 202) -> str:
    httpserver.expect_request(path, method="POST").respond_with_data("", status=status)
    return httpserver.url_for(path)


def _pings(httpserver: HTTPServer) -> list[tuple[str, dict[str, str]]]:
    return [(request.path, dict(request.form)) for request, _ in httpserver.log]


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hub"


def test_a_run_that_changes_outputs_pings_each_hub_once_per_output(setup, httpserver) -> None:
    first, second = _hub(httpserver, "/one"), _hub(httpserver, "/two")
    _configure(setup, first, second)

    report = setup.run()

    expected = [
        (path, {"hub.mode": "publish", "hub.url": topic})
        for path in ("/one", "/two")
        for topic in _TOPICS
    ]
    assert _pings(httpserver) == expected
    assert report.pings == tuple(
        HubPing(hub=hub, topic=topic, ok=True, detail="HTTP 202")
        for hub in (first, second)
        for topic in _TOPICS
    )
    for request, _ in httpserver.log:
        assert request.mimetype == "application/x-www-form-urlencoded"
        assert request.headers["User-Agent"].startswith("newsfeed/")


def test_a_run_that_changes_nothing_sends_no_ping(setup, httpserver) -> None:
    _configure(setup, _hub(httpserver))
    setup.run()
    httpserver.clear_log()

    report = setup.run(now=NOW + timedelta(minutes=10))

    assert report.written == ()
    assert report.pings == ()
    assert _pings(httpserver) == []


def test_only_the_outputs_that_changed_are_pinged(setup, httpserver) -> None:
    _configure(setup, _hub(httpserver))
    setup.run()
    httpserver.clear_log()
    setup.outputs["atom"].write_bytes(b"stale")

    report = setup.run(now=NOW + timedelta(minutes=10))

    assert report.written == (setup.outputs["atom"],)
    assert [form["hub.url"] for _, form in _pings(httpserver)] == [_TOPICS[1]]


def test_outputs_without_a_public_url_are_not_pinged(setup, httpserver) -> None:
    path = _configure(setup, _hub(httpserver))
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if "feed_url" not in line))

    report = setup.run()

    assert len(report.written) == 3
    assert report.pings == ()
    assert _pings(httpserver) == []


def test_a_failing_hub_is_reported_and_the_run_goes_on(setup, httpserver) -> None:
    broken, closed = _hub(httpserver, status=500), _closed_port_url()
    _configure(setup, broken, closed)

    report = setup.run()

    assert len(report.written) == 3
    assert setup.titles() == ["Headline 1", "Headline 2"]
    assert [(ping.hub, ping.ok) for ping in report.pings] == [(broken, False)] * 3 + [
        (closed, False)
    ] * 3
    assert {ping.detail for ping in report.pings[:3]} == {"HTTP 500"}
    assert all(ping.detail for ping in report.pings[3:])


def test_failed_pings_are_printed_even_when_quiet_and_the_run_succeeds(setup, httpserver) -> None:
    broken, closed = _hub(httpserver, status=500), _closed_port_url()
    config = _configure(setup, broken, closed)

    quiet = newsfeed("aggregate", "-q", config)

    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stderr.splitlines()
    assert len(lines) == 6
    assert sum(line.startswith(f"hub {broken}: ") and "HTTP 500" in line for line in lines) == 3
    assert sum(line.startswith(f"hub {closed}: ") for line in lines) == 3

    setup.outputs["rss"].write_bytes(b"stale")
    loud = newsfeed("aggregate", config)

    assert loud.returncode == 0, loud.stderr
    assert loud.stderr.splitlines()[-1].endswith("1 files rewritten; 2 hub pings, 2 failed")


def test_a_summary_counts_the_pings_sent(setup, httpserver) -> None:
    config = _configure(setup, _hub(httpserver))

    result = newsfeed("aggregate", config)

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1].endswith("3 files rewritten; 3 hub pings, 0 failed")


def test_hub_links_are_published_in_every_output_and_read_back(setup, httpserver) -> None:
    hubs = (_hub(httpserver, "/one"), _hub(httpserver, "/two"))
    _configure(setup, *hubs)

    setup.run()

    for kind in ("rss", "atom", "json"):
        info = setup.published(kind).info
        assert info.hubs == hubs
        assert info.link == "https://combined.example/"
    rss = setup.outputs["rss"].read_text(encoding="utf-8")
    for hub in hubs:
        assert f'<atom:link href="{hub}" rel="hub"/>' in rss
    document = json.loads(setup.outputs["json"].read_bytes())
    assert document["hubs"] == [{"type": "WebSub", "url": hub} for hub in hubs]


def test_build_names_the_hubs_without_pinging_them(tmp_path, httpserver) -> None:
    hub = _hub(httpserver)
    bulletin = tmp_path / "news.txt"
    bulletin.write_text("Headline\n\nBody.\n1 May 2024\n", encoding="utf-8")
    for output in ("feed.xml", "feed.atom", "feed.json"):
        result = newsfeed(
            "build",
            bulletin,
            "-o",
            tmp_path / output,
            "--feed-url",
            f"https://example.org/{output}",
            "--hub",
            hub,
            "--hub",
            "https://hub.example/",
        )
        assert result.returncode == 0, result.stderr
        info = parse_feed((tmp_path / output).read_bytes()).info
        assert info.hubs == (hub, "https://hub.example/")
        assert info.feed_url == f"https://example.org/{output}"
    assert _pings(httpserver) == []


def test_hub_links_do_not_take_the_place_of_the_site_link() -> None:
    info = FeedInfo(
        title="t",
        link="https://example.org/",
        description="d",
        feed_url="https://example.org/feed.xml",
        hubs=("https://hub.example/",),
    )
    feed = Feed(info=info)
    for export in (to_rss, to_atom, to_json_feed):
        back = parse_feed(export(feed)).info
        assert back.link == info.link
        assert back.hubs == info.hubs
        assert export(feed) == export(Feed(info=info))


def test_publish_without_hubs_or_topics_sends_nothing(httpserver) -> None:
    hub = _hub(httpserver)
    assert publish([], _TOPICS, timeout=1) == ()
    assert publish([hub], [], timeout=1) == ()
    assert _pings(httpserver) == []


# --- configuration and model -------------------------------------------------------------------


def _config_with(tmp_path: Path, hub_line: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        "[feed]\n"
        'title = "t"\n'
        'link = "https://example.org/"\n'
        f"{hub_line}\n"
        '[[source]]\nurl = "https://source.example/feed"\n'
        '[output]\nrss = "feed.xml"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("hub_line", "expected"),
    [
        ('hub = "https://hub.example/"', ("https://hub.example/",)),
        (
            'hub = ["https://a.example/", "http://b.example/hub"]',
            ("https://a.example/", "http://b.example/hub"),
        ),
        ("hub = []", ()),
        ("", ()),
    ],
)
def test_hub_is_one_url_or_a_list(tmp_path, hub_line, expected) -> None:
    assert load_config(_config_with(tmp_path, hub_line)).info.hubs == expected


@pytest.mark.parametrize(
    ("hub_line", "message"),
    [
        ("hub = 5", "expected a URL or an array of URLs, not 5"),
        ('hub = ["https://a.example/", 5]', "expected a URL or an array of URLs, not 5"),
        ("hub = { url = 'https://a.example/' }", "not a table"),
        ('hub = "ftp://x"', "must be an http or https URL, not 'ftp://x'"),
        ('hub = ["https://a.example/", "hub.example"]', "not 'hub.example'"),
    ],
)
def test_a_wrong_hub_is_a_config_error_naming_the_key(tmp_path, hub_line, message) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(_config_with(tmp_path, hub_line))
    assert "feed.hub" in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize(
    "hubs",
    [("ftp://hub.example/",), ("https://hub.example/", "https://hub.example/"), ("",)],
)
def test_the_model_refuses_hubs_that_are_not_distinct_web_urls(hubs) -> None:
    with pytest.raises(ValueError, match=r"FeedInfo\.hubs"):
        FeedInfo(title="t", link="https://example.org/", description="d", hubs=hubs)
