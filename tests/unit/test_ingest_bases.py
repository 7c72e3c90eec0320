"""Resolving after feedparser's parse gives what feedparser gives when it resolves itself."""

from __future__ import annotations

import io
from typing import Any

import feedparser
import pytest

from newsfeed._ingest._bases import document_base, resolve_as_feedparser

URL = "https://example.org/blog/feed.xml"

RSS = (
    '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
    'xmlns:cc="http://web.resource.org/cc/" '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    "<channel><title>F</title>{channel}{items}</channel></rss>"
)
ATOM = (
    '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title>'
    "<id>tag:example.org,2024:feed</id><updated>2024-01-01T00:00:00Z</updated>"
    "{channel}{items}</feed>"
)


def rss(channel: str = "<link>/</link>", *items: str) -> bytes:
    return RSS.format(channel=channel, items="".join(f"<item>{i}</item>" for i in items)).encode()


def atom(channel: str = '<link href="/"/>', *items: str) -> bytes:
    return ATOM.format(
        channel=channel, items="".join(f"<entry>{i}</entry>" for i in items)
    ).encode()


def parse(data: bytes, location: str) -> Any:
    return feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-location": location},
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def resolved_afterwards(data: bytes, location: str) -> Any | None:
    """Parsed without the URL and resolved; ``None`` where the resolving cannot tell."""
    base = document_base(data, location)
    assert base is not None
    parsed = parse(data, "")
    return parsed if resolve_as_feedparser(parsed, base, data) else None


# Documents that resolve afterwards exactly as feedparser does.
SAME = {
    "relative links": rss(
        "<link>/</link>",
        '<title>a</title><link>2024/a.html</link><guid isPermaLink="false">a-1</guid>'
        '<enclosure url="https://cdn.example.org/a.mp3" type="audio/mpeg" length="1"/>'
        "<description>&lt;a href='x.html'&gt;x&lt;/a&gt;</description>",
    ),
    "permalink guids resolved": rss(
        '<link>https://example.org/</link><atom:link rel="self" href="feed.xml"/>'
        '<atom:link rel="hub" href="/hub"/>',
        "<title>a</title><guid>/posts/a</guid>",
        '<title>b</title><link>../b</link><guid isPermaLink="false">tag:example.org,1:b</guid>',
    ),
    "an empty item link": rss("<link>/</link>", "<title>a</title><link></link>"),
    "comments, docs, people's pages, image and text input links": rss(
        "<link>/</link><docs>/docs</docs><image><url>https://example.org/i.png</url>"
        "<title>I</title><link>/</link></image><textInput><title>T</title>"
        "<description>d</description><name>q</name><link>search</link></textInput>"
        "<atom:author><atom:name>A</atom:name><atom:uri>/a</atom:uri></atom:author>",
        "<title>a</title><comments>a#comments</comments><guid>/a</guid>"
        "<atom:author><atom:name>B</atom:name><atom:uri>b.html</atom:uri></atom:author>",
    ),
    "absolute URLs written loosely": rss(
        "<link>HTTPS://Example.org/a/../b/?</link>",
        "<title>a</title><link>https:///example.org/x/./y</link>",
        "<title>b</title><guid>https://example.org/a/../p?</guid>",
    ),
    "atom links, ids and bodies": atom(
        '<link href="/"/><link rel="self" href="feed.xml"/><icon>/i.png</icon><logo>l.png</logo>',
        '<id>tag:example.org,2024:1</id><title>a</title><link href="a.html"/>'
        '<link rel="enclosure" href="https://cdn.example.org/a.mp3" length="3" type="audio/mpeg"/>'
        '<content type="html">&lt;img src="p.png"&gt;</content><summary>s</summary>'
        '<source><id>urn:x</id><title>S</title><link rel="self" href="/s.xml"/></source>'
        "<updated>2024-01-01T00:00:00Z</updated>",
    ),
}

# Documents where the parsed dicts cannot say whether feedparser resolved a value.
UNSURE = {
    "a relative guid that may be a permalink": rss(
        "<link>/</link>",
        '<title>a</title><link>/a</link><guid isPermaLink="false">a-1</guid>',
        "<title>b</title><link>/b</link><guid>b-2</guid>",
    ),
    "a relative RSS enclosure": rss(
        "<link>/</link>", '<title>a</title><enclosure url="a.mp3" type="audio/mpeg" length="1"/>'
    ),
    "an empty channel link": rss("<link></link>", "<title>a</title><link>/a</link>"),
    "a relative itunes:image": rss('<link>/</link><itunes:image href="cover.jpg"/>'),
    "a relative RSS image": rss("<link>/</link><image><url>/logo.png</url></image>"),
    "an empty link href": atom('<link href=""/>'),
    "a link urljoin refuses": rss("<link>/</link>", "<title>a</title><link>http://[::1/a</link>"),
    "a relative license": rss('<link>/</link><cc:license rdf:resource="by.html"/>'),
    "a relative atom id after a link": atom(
        '<link href="/"/>', '<title>a</title><link href="/a"/><id>a</id>'
    ),
}


@pytest.mark.parametrize("data", SAME.values(), ids=SAME.keys())
def test_resolving_afterwards_gives_what_feedparser_gives(data: bytes) -> None:
    expected = parse(data, URL)
    resolved = resolved_afterwards(data, URL)
    assert resolved is not None
    assert resolved.feed == expected.feed
    assert resolved.entries == expected.entries


@pytest.mark.parametrize("data", UNSURE.values(), ids=UNSURE.keys())
def test_what_feedparser_may_not_have_resolved_is_left_to_feedparser(data: bytes) -> None:
    assert resolved_afterwards(data, URL) is None


@pytest.mark.parametrize(
    ("data", "location"),
    [
        (rss('<link xml:base="/sub/">x</link>'), URL),
        (atom('<link base="/sub/" href="x"/>'), URL),
        (rss(), "ftp://example.org/feed.xml"),
        (rss(), "feed.xml"),
        (rss(), ""),
        (rss(), None),
        (rss(), "http://[::1/feed.xml"),
    ],
    ids=["xml:base", "base", "not http", "relative", "empty", "none", "unreadable"],
)
def test_feedparser_resolves_where_the_base_may_change_or_is_no_web_url(
    data: bytes, location: str | None
) -> None:
    assert document_base(data, location) is None


@pytest.mark.parametrize(
    ("location", "base"),
    [
        ("https://Example.org/a/../feed?", "https://Example.org/a/../feed"),
        ("https:///example.org/feed.xml", "https://example.org/feed.xml"),
    ],
)
def test_the_base_is_the_url_as_feedparser_normalises_it(location: str, base: str) -> None:
    assert document_base(rss(), location) == base
