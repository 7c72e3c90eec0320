"""Bugs found reading real feeds (issue #10): each test failed on release 0.1.0's ingest."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

import newsfeed
from newsfeed._ingest import read_feed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
# The namespace release 0.1.0's aggregator gave non-URI ids: ids it stored must not change.
RELEASE_0_1_NAMESPACE = uuid.UUID("5c0f8f0e-2b1a-5d55-8b7e-6e65777366ee")


def rss(items: str, channel: str = "<link>https://a.example/</link>") -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"'
        ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel><title>T</title>{channel}<description>d</description>{items}</channel></rss>"
    ).encode()


def json_feed(items: list[object], version: str = "https://jsonfeed.org/version/1.1") -> bytes:
    return json.dumps({"version": version, "title": "J", "items": items}).encode()


DATED = "<pubDate>Mon, 06 Jan 2025 10:00:00 +0000</pubDate>"


@pytest.mark.parametrize(
    "nested",
    [
        "<other><title>Other</title></other>",
        "<image><title>Other</title><url>https://a.example/i.png</url></image>",
    ],
)
def test_an_items_title_is_its_own_title_element(nested: str) -> None:
    data = rss(f"<item><title>Real title</title><link>https://a.example/1</link>{nested}</item>")
    (item,) = read_feed(data, now=NOW).feed.items
    assert item.title == "Real title"


def test_feedparsers_crash_on_a_text_input_in_an_item_is_that_feeds_error() -> None:
    data = rss(
        "<item><title>T</title><textInput><title>Other</title><name>q</name></textInput></item>"
    )
    with pytest.raises(newsfeed.FeedParseError, match="cannot be read"):
        read_feed(data, now=NOW)


def test_an_atom_entrys_title_keeps_its_type_despite_a_nested_title() -> None:
    data = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        b"<id>tag:a.example,2020:f</id><link href='https://a.example/'/>"
        b"<updated>2020-01-01T00:00:00Z</updated><entry><id>tag:a.example,2020:1</id>"
        b'<title type="html">&lt;b&gt;Bold&lt;/b&gt; &amp;amp; plain</title>'
        b"<updated>2020-01-01T00:00:00Z</updated>"
        b"<image><title>Other</title></image></entry></feed>"
    )
    (item,) = read_feed(data, now=NOW).feed.items
    assert item.title == "Bold & plain"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ("press@volga-seats.example (Press Office)", "Press Office"),
        ("Jane Doe &lt;jane@x.example&gt;", "Jane Doe"),
        ("news@city.agency (City Agency)", "City Agency"),
        ("&quot;Doe, Jane&quot; &lt;jane@x.example&gt;", "Doe, Jane"),
    ],
)
def test_rss_authors_with_an_address_keep_their_name(author: str, expected: str) -> None:
    data = rss(
        f"<item><title>One</title><guid>https://a.example/1</guid><author>{author}</author>{DATED}</item>"
    )
    (item,) = read_feed(data, now=NOW).feed.items
    assert item.author == expected


def test_a_bare_address_is_an_author_without_a_name() -> None:
    data = rss(
        f"<item><title>One</title><guid>https://a.example/1</guid><author>news@city.agency</author>{DATED}</item>"
    )
    (item,) = read_feed(data, now=NOW).feed.items
    assert item.authors == (newsfeed.Person(email="news@city.agency"),)


def test_a_description_only_item_is_kept_with_a_derived_title() -> None:
    data = rss(
        f"<item><description>Plant opens. The new line makes seats.</description>{DATED}</item>"
    )
    read = read_feed(data, now=NOW)
    assert read.skipped == 0
    (item,) = read.feed.items
    assert item.title == "Plant opens"
    assert item.summary == "Plant opens. The new line makes seats."
    # Read twice, it is the same item: its id does not depend on when it was read.
    assert read_feed(data, now=NOW.replace(year=2027)).feed.items[0].id == item.id


@pytest.mark.parametrize(
    ("channel_dates", "expected"),
    [
        pytest.param(
            "<lastBuildDate>Tue, 07 Jan 2025 08:00:00 +0000</lastBuildDate>",
            datetime(2025, 1, 7, 8, tzinfo=UTC),
            id="the-feeds-own-date",
        ),
        pytest.param("", datetime(2025, 1, 6, 10, tzinfo=UTC), id="the-newest-entry-date"),
    ],
)
def test_undated_entries_get_a_date_from_the_document_not_the_clock(
    channel_dates: str, expected: datetime
) -> None:
    data = rss(
        f"<item><title>Dated</title><guid>https://a.example/1</guid>{DATED}</item>"
        "<item><title>Undated</title><guid>https://a.example/2</guid></item>",
        channel="<link>https://a.example/</link>" + channel_dates,
    )
    first = newsfeed.parse_feed(data)
    assert first.items[1].published == expected
    assert newsfeed.parse_feed(data) == first


def test_a_feed_without_any_date_dates_its_entries_at_the_epoch() -> None:
    data = rss("<item><title>Undated</title><guid>https://a.example/2</guid></item>")
    (item,) = newsfeed.parse_feed(data).items
    assert item.published == datetime(1970, 1, 1, tzinfo=UTC)


def test_undated_entries_are_still_listed_and_dated_now_when_asked() -> None:
    data = rss("<item><title>Undated</title><guid>https://a.example/2</guid></item>")
    read = read_feed(data, now=NOW)
    assert read.feed.items[0].published == NOW
    assert read.undated == {"https://a.example/2"}
    assert read_feed(data).undated == {"https://a.example/2"}


@pytest.mark.parametrize(
    ("channel", "url", "expected"),
    [
        ("", "https://site.example/feed.xml", "https://site.example/feed.xml"),
        ("<link>news/</link>", "https://site.example/feed.xml", "https://site.example/news/"),
        (
            (
                '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self"'
                ' href="https://site.example/feed.xml"/>'
            ),
            None,
            "https://site.example/feed.xml",
        ),
        ("<link>/news/</link>", None, "https://items.example/"),
        ("", None, "https://items.example/"),
    ],
)
def test_a_missing_or_relative_feed_link_falls_back(
    channel: str, url: str | None, expected: str
) -> None:
    data = rss(
        f"<item><title>One</title><link>https://items.example/a/1</link>{DATED}</item>", channel
    )
    assert read_feed(data, url=url, now=NOW).feed.info.link == expected


def test_a_feed_without_any_link_is_read() -> None:
    data = rss(f"<item><title>One</title><guid isPermaLink='false'>1</guid>{DATED}</item>", "")
    feed = newsfeed.parse_feed(data)
    assert feed.info.link == "https://unknown.invalid/"
    assert [item.title for item in feed.items] == ["One"]


@pytest.mark.parametrize(
    "version",
    [
        "https://jsonfeed.org/version/1",
        "http://jsonfeed.org/version/1",
        "https://jsonfeed.org/version/1.1",
        "http://jsonfeed.org/version/1.1",
    ],
)
def test_json_feed_versions_1_and_1_1_over_http_and_https(version: str) -> None:
    data = json_feed([{"id": "https://a.example/1", "content_text": "x"}], version)
    assert len(read_feed(data, url="https://a.example/feed.json", now=NOW).feed.items) == 1


def test_a_bad_json_item_is_skipped_with_a_warning_naming_it() -> None:
    items: list[object] = [
        {"id": "https://a.example/1", "title": "One", "date_published": "2020-01-01T00:00:00Z"},
        {"id": "https://a.example/2", "title": "Two", "date_published": "yesterday"},
        {"id": "https://a.example/3", "title": 3},
        {"id": "https://a.example/4", "title": "Four", "date_published": "2020-01-04T00:00:00Z"},
    ]
    read = read_feed(json_feed(items), now=NOW)
    assert [item.title for item in read.feed.items] == ["One", "Four"]
    assert read.skipped == 2
    assert any(w.startswith("items[1]: ") and "date_published" in w for w in read.warnings)
    assert any(w.startswith("items[2]: ") and "title" in w for w in read.warnings)


def test_a_wrong_type_at_json_feed_level_is_a_warning_and_ignored() -> None:
    data = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": 5,
            "home_page_url": "https://a.example/",
            "description": ["x"],
            "items": [{"id": "https://a.example/1", "title": "One"}],
        }
    ).encode()
    read = read_feed(data, url="https://a.example/feed.json", now=NOW)
    assert read.feed.info.title == "https://a.example/feed.json"
    assert [item.title for item in read.feed.items] == ["One"]
    assert any("title" in w and "int" in w for w in read.warnings)
    assert any("description" in w and "list" in w for w in read.warnings)


def test_a_string_of_json_tags_is_one_tag() -> None:
    data = json_feed([{"id": "https://a.example/1", "title": "One", "tags": "abc"}])
    (item,) = read_feed(data, now=NOW).feed.items
    assert item.categories == ("abc",)


def test_an_atom_entry_document_is_a_one_item_feed() -> None:
    data = (
        b'<?xml version="1.0"?><entry xmlns="http://www.w3.org/2005/Atom">'
        b"<id>tag:a.example,2020:1</id><title>Alone</title>"
        b"<link href='https://a.example/1'/><updated>2020-01-01T00:00:00Z</updated>"
        b"<content>Body.</content></entry>"
    )
    feed = read_feed(data, url="https://a.example/1.atom", now=NOW).feed
    assert [item.title for item in feed.items] == ["Alone"]
    assert feed.items[0].summary == "Body."


def test_an_atom_entry_document_cut_off_is_still_refused() -> None:
    data = (
        b'<?xml version="1.0"?><entry xmlns="http://www.w3.org/2005/Atom">'
        b"<id>tag:a.example,2020:1</id><title>Alone</title>"
    )
    with pytest.raises(newsfeed.FeedParseError, match="broken XML"):
        read_feed(data, now=NOW)


@pytest.mark.parametrize(
    ("url", "scope"),
    [("https://a.example/feed.xml", "https://a.example/feed.xml"), (None, "")],
)
def test_a_non_uri_id_becomes_a_urn_scoped_to_the_document(url: str | None, scope: str) -> None:
    data = rss(f"<item><title>One</title><guid isPermaLink='false'>123456789</guid>{DATED}</item>")
    (item,) = newsfeed.parse_feed(data, url=url).items
    assert item.id == f"urn:uuid:{uuid.uuid5(RELEASE_0_1_NAMESPACE, scope + chr(10) + '123456789')}"
    assert (
        newsfeed.parse_feed(newsfeed.to_atom(newsfeed.parse_feed(data, url=url))).items[0].id
        == item.id
    )


def test_the_scope_of_non_uri_ids_is_the_callers() -> None:
    data = rss(f"<item><title>One</title><guid isPermaLink='false'>123</guid>{DATED}</item>")
    read = read_feed(data, url="https://a.example/f", scope="url:https://a.example/f", now=NOW)
    expected = uuid.uuid5(RELEASE_0_1_NAMESPACE, "url:https://a.example/f\n123")
    assert read.feed.items[0].id == f"urn:uuid:{expected}"


@pytest.mark.parametrize(
    "entry_id", ["https://a.example/1", "tag:a.example,2020:1", "urn:isbn:0451450523"]
)
def test_uri_ids_are_kept(entry_id: str) -> None:
    data = rss(f"<item><title>One</title><guid isPermaLink='false'>{entry_id}</guid>{DATED}</item>")
    assert newsfeed.parse_feed(data).items[0].id == entry_id
