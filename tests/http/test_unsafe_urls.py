"""Sources that would reach into the machine or its network: ``allow_private = false``.

Every server here is on the loopback interface, which is exactly what the guard
refuses. To test a redirect from an allowed host to a refused one, one test
declares 127.0.0.2 public (the only stand-in it uses): the fetching, the DNS
lookups and the HTTP exchanges stay real.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import newsfeed._fetch
from aggregator_fixtures import NOW, RSS_TYPE, Aggregation, Answer, FeedServer, entry, rss2
from newsfeed import ConfigError, Outcome, load_config
from newsfeed._fetch import is_public


def _feed() -> Answer:
    return 200, {"Content-Type": RSS_TYPE}, rss2([entry(1)]).encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer({"/feed": _feed})
    yield feeds
    feeds.close()


@pytest.fixture
def public_server() -> Iterator[FeedServer]:
    """A server on 127.0.0.2, which the test that uses it declares public."""
    feeds = FeedServer({}, host="127.0.0.2")
    yield feeds
    feeds.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_source_on_a_private_address_is_refused(
    setup: Aggregation, server: FeedServer, host: str
) -> None:
    url = server.url("/feed").replace("127.0.0.1", host)
    setup.configure([{"name": "inside", "url": url}], feed={"allow_private": False})

    report = setup.run()

    (source,) = report.sources
    assert source.outcome is Outcome.ERROR
    assert "non-public address" in (source.detail or "")
    assert "allow_private = false" in (source.detail or "")
    assert server.requests == []
    assert setup.published().items == ()


def test_private_addresses_are_allowed_by_default(setup: Aggregation, server: FeedServer) -> None:
    setup.configure([{"name": "inside", "url": server.url("/feed")}])

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK
    assert server.requests == ["/feed"]


def _only_127_0_0_2_is_public(address: str) -> bool:
    return address == "127.0.0.2" or is_public(address)


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
def test_a_redirect_to_a_private_address_is_refused(
    setup: Aggregation,
    server: FeedServer,
    public_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    target_host: str,
) -> None:
    monkeypatch.setattr(newsfeed._fetch, "is_public", _only_127_0_0_2_is_public)
    inside = server.url("/feed").replace("127.0.0.1", target_host)
    public_server.routes["/feed"] = lambda: (302, {"Location": inside}, b"")
    public_server.routes["/direct"] = _feed
    setup.configure(
        [
            {"name": "redirected", "url": public_server.url("/feed")},
            {"name": "direct", "url": public_server.url("/direct")},
        ],
        feed={"allow_private": False},
    )

    report = setup.run()

    redirected, direct = report.sources
    assert redirected.outcome is Outcome.ERROR
    assert "non-public address" in (redirected.detail or "")
    assert direct.outcome is Outcome.OK  # the stand-in lets the public host through
    assert server.requests == []
    assert sorted(public_server.requests) == ["/direct", "/feed"]


def test_the_checked_address_is_connected_to_with_the_hosts_name(
    setup: Aggregation, public_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name that resolves to the public stand-in: the request must carry that name
    # (virtual hosting), though the connection goes to the address that was checked.
    monkeypatch.setattr(newsfeed._fetch, "is_public", lambda address: address == "127.0.0.2")
    public_server.routes["/feed"] = _feed
    url = public_server.url("/feed")
    setup.configure([{"name": "named", "url": url}], feed={"allow_private": False})

    report = setup.run()

    assert report.sources[0].outcome is Outcome.OK
    assert public_server.hosts == [f"127.0.0.2:{public_server.port}"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata services
        "100.100.100.200",  # shared address space, another metadata service
        "0.0.0.0",  # noqa: S104 - an address under test, nothing binds to it
        "224.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1%eth0",
        "fc00::1",
        "fd00:ec2::254",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "ff02::1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public(address)


def test_allow_private_must_be_true_or_false(setup: Aggregation) -> None:
    setup.configure([{"url": "https://example.org/feed"}], feed={"allow_private": "no"})

    with pytest.raises(ConfigError) as caught:
        load_config(setup.config_path)

    assert caught.value.key == "feed.allow_private"
    assert "true or false" in caught.value.reason


def test_redirects_to_other_schemes_are_refused(setup: Aggregation, server: FeedServer) -> None:
    for number, target in enumerate(["file:///etc/passwd", "ftp://example.org/feed", "gopher://x"]):
        server.routes[f"/{number}"] = lambda target=target: (301, {"Location": target}, b"")
    setup.configure(
        [{"name": f"s{number}", "url": server.url(f"/{number}")} for number in range(3)]
    )

    report = setup.run(NOW)

    for source in report.sources:
        assert source.outcome is Outcome.ERROR
        assert "redirect to a non-HTTP URL refused" in (source.detail or "")
