"""Reading hostile or sloppy feed bytes: items or a FeedParseError, never anything else."""

from datetime import UTC, datetime

import pytest

import newsfeed
from newsfeed._ingest import read_feed

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rss(items: str, channel_link: str = "https://a.example/") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<link>{channel_link}</link><description>d</description>{items}</channel></rss>"
    ).encode()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'{"items":' + b"[" * 5000, id="nested-past-recursion-limit"),
        pytest.param(
            b'{"version":"https://jsonfeed.org/version/1.1","items":[{"id":' + b"9" * 5000 + b"}]}",
            id="integer-too-long",
        ),
        pytest.param(b"\xff\xfe{not json", id="not-utf8"),
    ],
)
def test_hostile_json_is_a_feed_parse_error(data: bytes) -> None:
    with pytest.raises(newsfeed.FeedParseError):
        read_feed(data, now=NOW)


def test_json_authors_of_the_wrong_type_are_ignored() -> None:
    data = (
        b'{"version":"https://jsonfeed.org/version/1.1","title":"t","authors":5,'
        b'"items":[{"id":"1","title":"One","content_text":"x","date_published":"2020-01-01T00:00:00Z"}]}'
    )
    feed = read_feed(data, url="https://a.example/feed.json", now=NOW).feed
    assert feed.info.author is None
    assert [item.title for item in feed.items] == ["One"]


def test_json_dates_with_nanoseconds_are_read() -> None:
    data = (
        b'{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1",'
        b'"title":"One","content_text":"","date_published":"2020-01-01T10:00:00.123456789Z"}]}'
    )
    (item,) = read_feed(data, url="https://a.example/feed.json", now=NOW).feed.items
    assert item.published == datetime(2020, 1, 1, 10, tzinfo=UTC)


def test_relative_links_resolve_against_the_url_the_bytes_came_from() -> None:
    data = rss("<item><title>One</title><link>/news/1</link></item>", channel_link="/")
    feed = read_feed(data, url="https://site.example/feed.xml", now=NOW).feed
    assert feed.info.link == "https://site.example/"
    assert feed.items[0].link == "https://site.example/news/1"


@pytest.mark.parametrize(
    "link", ["javascript://%0aalert(1)", "javascript:alert(1)", "data:text/html,alert(1)"]
)
def test_script_links_are_never_taken(link: str) -> None:
    data = rss(f"<item><title>One</title><link>{link}</link><guid>{link}</guid></item>")
    (item,) = read_feed(data, url="https://a.example/feed", now=NOW).feed.items
    assert item.link is None


def test_broken_xml_is_an_error_but_an_undefined_entity_is_a_warning() -> None:
    whole = rss("<item><title>One&nbsp;two</title><guid>https://a.example/1</guid></item>")
    read = read_feed(whole, now=NOW)
    assert [item.title for item in read.feed.items] == ["One\u00a0two"]
    assert any("undefined entity" in warning for warning in read.warnings)
    with pytest.raises(newsfeed.FeedParseError, match="broken XML"):
        read_feed(whole[:-30], now=NOW)  # cut off inside </channel></rss>


def test_an_atom_source_is_read_from_its_self_link() -> None:
    info = newsfeed.FeedInfo(title="T", link="https://a.example/", description="d")
    item = newsfeed.NewsItem(
        id="tag:a.example,2020:1",
        title="One",
        published=datetime(2020, 1, 1, tzinfo=UTC),
        source=newsfeed.Source(title="Member", url="https://member.example/feed.atom"),
    )
    feed = newsfeed.Feed(info=info, items=(item,))
    assert newsfeed.parse_feed(newsfeed.to_atom(feed)).items == (item,)


@pytest.mark.parametrize(
    ("references", "expected", "removed"),
    [
        ("&#xD83D;&#xDE00;", "\U0001f600", 0),  # a UTF-16 pair, as JavaScript escapes it
        ("&#55357;&#56832;", "\U0001f600", 0),
        ("&#65;&#xD83D;&#xDE00;", "A\U0001f600", 0),  # the pair after another reference
        ("&#xD83D;&#xD83D;&#xDE00;", "\U0001f600", 1),  # a lone high half before a pair
        ("&#xDE00;&#xD83D;", "", 2),  # the wrong order is two lone halves
        ("&#xD83D; &#xDE00;", " ", 2),  # apart, they are no pair
        ("&#x110000;&#8217;", "\u2019", 1),
    ],
)
def test_references_to_surrogates_are_paired_or_removed(
    references: str, expected: str, removed: int
) -> None:
    data = rss(f"<item><title>T{references}T</title><link>https://a.example/1</link></item>")

    read = read_feed(data, now=NOW)

    assert read.feed.items[0].title == f"T{expected}T"
    warnings = [w for w in read.warnings if "characters XML cannot carry" in w]
    assert warnings == ([f"removed {removed} characters XML cannot carry"] if removed else [])


@pytest.mark.parametrize("encoding", [b"\x80TF-8", b"\x00TF-8"])
def test_a_declared_encoding_that_cannot_be_looked_up_is_a_feed_parse_error(
    encoding: bytes,
) -> None:
    data = rss("<item><title>T</title></item>").replace(
        b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="' + encoding + b'"?>'
    )

    with pytest.raises(newsfeed.FeedParseError, match="cannot be read"):
        read_feed(data, now=NOW)
