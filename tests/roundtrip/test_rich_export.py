"""Rich items in every format: where bodies, enclosures, images and people are written.

Readers look for each in a particular place; these tests pin the places, and
read them back with feedparser, the parser most readers' behaviour follows.
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime

import feedparser
import pytest
from lxml import etree

from newsfeed import (
    Enclosure,
    Feed,
    FeedInfo,
    NewsItem,
    Person,
    parse_feed,
    to_atom,
    to_json_feed,
    to_rss,
)

ATOM = "http://www.w3.org/2005/Atom"
NS = {
    "atom": ATOM,
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "media": "http://search.yahoo.com/mrss/",
}
WHEN = datetime(2020, 6, 18, 9, 0, tzinfo=UTC)
AUDIO = Enclosure(url="https://example.org/ep1.mp3", media_type="audio/mpeg", length=1234)
REPORT = Enclosure(url="https://example.org/report.pdf", media_type="application/pdf")
JANE = Person(name="Jane Doe", email="jane@example.org", url="https://example.org/jane")
PRESS = Person(email="press@volga-seats.example")
BODY = (
    '<p>Read the <a href="https://example.org/report.pdf">report</a>:</p>'
    '<ul><li>120,000 racks</li></ul><img src="https://example.org/line.jpg" alt="The line">'
)


def rich_item() -> NewsItem:
    return NewsItem(
        id="https://example.org/news/1",
        title="Steering rack line opens",
        published=WHEN,
        summary="Read the report: 120,000 racks a year.",
        link="https://example.org/news/1",
        content_html=BODY,
        enclosures=(AUDIO, REPORT),
        image="https://example.org/thumb.jpg",
        authors=(JANE, PRESS),
    )


def plain_item() -> NewsItem:
    return NewsItem(
        id="tag:example.org,2020-06-17:plain",
        title="Plain news",
        published=WHEN.replace(day=17),
        summary="We made <b>nine</b> & more.\n\nDetails at https://example.org/details.",
    )


def feed(*items: NewsItem, author: str | None = "Cluster office") -> Feed:
    info = FeedInfo(
        title="Cluster news",
        link="https://example.org/",
        description="News",
        feed_url="https://example.org/feed.xml",
        author=author,
        icon="https://example.org/favicon.png",
        logo="https://example.org/logo.png",
    )
    return Feed(info=info, items=items)


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))


def read(data: bytes) -> feedparser.FeedParserDict:
    return feedparser.parse(io.BytesIO(data), sanitize_html=False, resolve_relative_uris=False)


def test_rss_places() -> None:
    item = xml(to_rss(feed(rich_item())))[0].find("item")
    assert item is not None
    assert item.findtext("content:encoded", namespaces=NS) == BODY
    assert "120,000 racks a year" in (item.findtext("description") or "")
    # RSS 2.0 carries one enclosure per item.
    (enclosure,) = item.findall("enclosure")
    assert enclosure.attrib == {"url": AUDIO.url, "length": "1234", "type": "audio/mpeg"}
    assert item.find("media:thumbnail", NS).get("url") == "https://example.org/thumb.jpg"
    # Co-authors in one string, as readers split it, so that they show the first author.
    assert item.xpath("dc:creator/text()", namespaces=NS) == [f"Jane Doe, {PRESS.email}"]
    # An RSS item may hold one atom:author: the first author, whole.
    (jane,) = item.findall("atom:author", NS)
    assert jane.findtext("atom:uri", namespaces=NS) == JANE.url
    assert jane.findtext("atom:email", namespaces=NS) == JANE.email


def test_an_unknown_rss_enclosure_length_is_zero() -> None:
    item = NewsItem(id="urn:x:1", title="t", published=WHEN, enclosures=(REPORT,))
    (enclosure,) = xml(to_rss(feed(item))).iter("enclosure")
    assert enclosure.get("length") == "0"
    assert parse_feed(to_rss(feed(item))).items[0].enclosures == (REPORT,)


def test_atom_places() -> None:
    entry = xml(to_atom(feed(rich_item()))).find("atom:entry", NS)
    assert entry is not None
    content = entry.find("atom:content", NS)
    assert (content.get("type"), content.text) == ("html", BODY)
    assert entry.find("atom:summary", NS).get("type") == "html"
    enclosures = [
        dict(link.attrib)
        for link in entry.findall("atom:link", NS)
        if link.get("rel") == "enclosure"
    ]
    assert enclosures == [
        {"rel": "enclosure", "href": AUDIO.url, "type": "audio/mpeg", "length": "1234"},
        {"rel": "enclosure", "href": REPORT.url, "type": "application/pdf"},
    ]
    people = {
        tag: [[child.text for child in person] for person in entry.findall(f"atom:{tag}", NS)]
        for tag in ("author", "contributor")
    }
    # The first author is the author (readers show one), the others contributors. Atom
    # requires a name: a person without one is named by their address.
    assert people == {
        "author": [["Jane Doe", JANE.email, JANE.url]],
        "contributor": [[PRESS.email, PRESS.email]],
    }
    assert entry.find("media:thumbnail", NS).get("url") == "https://example.org/thumb.jpg"


def test_json_feed_places() -> None:
    document = json.loads(to_json_feed(feed(rich_item())))
    (item,) = document["items"]
    assert item["content_html"] == BODY
    assert item["summary"] == "Read the report: 120,000 racks a year."
    assert item["image"] == "https://example.org/thumb.jpg"
    assert item["attachments"] == [
        {"url": AUDIO.url, "mime_type": "audio/mpeg", "size_in_bytes": 1234},
        {"url": REPORT.url, "mime_type": "application/pdf"},
    ]
    assert item["authors"] == [
        {"name": "Jane Doe", "url": JANE.url, "_email": JANE.email},
        {"url": f"mailto:{PRESS.email}"},
    ]
    assert (document["icon"], document["favicon"]) == (
        "https://example.org/logo.png",
        "https://example.org/favicon.png",
    )


@pytest.mark.parametrize("export", [to_rss, to_atom], ids=["rss", "atom"])
def test_the_feeds_author_is_each_items_author_where_readers_look(export) -> None:
    parsed = read(export(feed(plain_item(), rich_item())))
    plain, rich = parsed.entries
    assert plain.get("author") == "Cluster office"
    assert "Cluster office" not in str(rich.get("authors"))


def test_json_feed_items_name_the_feeds_author_too() -> None:
    # JSON Feed 1.1 lets items inherit the feed's authors; readers show an item's own.
    plain, rich = json.loads(to_json_feed(feed(plain_item(), rich_item())))["items"]
    assert plain["authors"] == [{"name": "Cluster office"}]
    assert rich["authors"][0]["name"] == "Jane Doe"


@pytest.mark.parametrize("export", [to_rss, to_atom, to_json_feed], ids=["rss", "atom", "json"])
def test_an_item_by_the_feeds_author_reads_back_as_inheriting_it(export) -> None:
    back = parse_feed(export(feed(plain_item())))
    assert back.items == (plain_item(),)
    assert parse_feed(export(feed(plain_item(), author=None))).items == (plain_item(),)


def test_atom_bodies_are_escaped_html_so_readers_show_text_as_text() -> None:
    entry = xml(to_atom(feed(plain_item()))).find("atom:entry", NS)
    content = entry.find("atom:content", NS)
    assert content.get("type") == "html"
    # Markup-like text is escaped once more inside the HTML: a reader shows "<b>nine</b>".
    assert "&lt;b&gt;nine&lt;/b&gt; &amp; more" in content.text
    assert content.text.startswith("<p>")
    assert "</p><p>" in content.text


@pytest.mark.parametrize(
    ("export", "body_of"),
    [
        (to_rss, lambda data: read(data).entries[0].summary),
        (to_atom, lambda data: read(data).entries[0].content[0].value),
        (to_json_feed, lambda data: json.loads(data)["items"][0]["content_html"]),
    ],
    ids=["rss", "atom", "json"],
)
def test_web_addresses_in_plain_text_become_links_in_html(export, body_of) -> None:
    body = body_of(export(feed(plain_item())))
    assert '<a href="https://example.org/details">https://example.org/details</a>.' in body
    # The plain text itself is unchanged.
    assert parse_feed(export(feed(plain_item()))).items[0].summary == plain_item().summary


@pytest.mark.parametrize("export", [to_rss, to_atom, to_json_feed], ids=["rss", "atom", "json"])
def test_feed_pictures(export) -> None:
    info = parse_feed(export(feed(rich_item()))).info
    assert (info.icon, info.logo) == (
        "https://example.org/favicon.png",
        "https://example.org/logo.png",
    )


@pytest.mark.parametrize("export", [to_rss, to_atom, to_json_feed], ids=["rss", "atom", "json"])
def test_rich_items_read_back(export) -> None:
    expected = rich_item()
    if export is to_rss:
        # One enclosure, and the first author whole: the others by name, or a bare address.
        authors = (JANE, Person(email=PRESS.email))
        expected = dataclasses.replace(expected, enclosures=(AUDIO,), authors=authors)
    assert parse_feed(export(feed(rich_item()))).items == (expected,)


@pytest.mark.parametrize("year", [1, 99, 999])
def test_early_years_are_written_with_four_digits_and_read_back(year: int) -> None:
    # Hugo dates an undated page 0001-01-01; strftime would write the year as "1".
    item = NewsItem(id="urn:x:1", title="t", published=datetime(year, 1, 1, tzinfo=UTC))
    data = to_rss(feed(item))
    assert f" 01 Jan {year:04d} 00:00:00 +0000</pubDate>".encode() in data
    assert parse_feed(data).items[0].published == item.published
