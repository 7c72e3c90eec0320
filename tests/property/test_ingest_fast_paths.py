"""Reading's fast paths give exactly what the long ways they skip give (issue #11).

Each fast path is compared with the slow path it replaces, on generated and real-world
inputs; and whole documents read with every fast path turned off give the same feeds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from newsfeed import Feed, FeedParseError, to_atom, to_json_feed, to_rss
from newsfeed._ingest import ReadFeed, _bases, _bodies, _clean, _feedparser, read_feed
from newsfeed._ingest._bases import join, joined
from newsfeed._ingest._bodies import has_markup, html_body, sanitized_body
from newsfeed._ingest._clean import Cleaner, html_text
from newsfeed._text import html_to_text, rendered_body, text_to_html
from strategies import feeds, html_bodies, item_ids, summaries, urls

DATA = Path(__file__).parents[1] / "data"
# Every hand-written and real-world-shaped document the tests keep.
DOCUMENTS = sorted(
    path for folder in ("feeds", "fidelity") for path in (DATA / folder).iterdir()
    if path.suffix != ".txt" and path.name != "expected.json"
)  # fmt: skip

# URLs as feeds write them (links, ids, enclosures, comments), and the shapes urljoin
# rewrites or refuses.
REAL_WORLD_URLS = [
    "https://www.theguardian.com/world/2025/jan/06/some-story",
    "http://feeds.bbci.co.uk/news/rss.xml?edition=uk",
    "https://example.com/blog/2024/05/post.html#comments",
    "https://cdn.example.net/audio/ep%2012.mp3?token=a-b_c~d&x=1",
    "https://user:pass@example.org:8443/path/",
    "https://example.org/a;b",
    "https://example.org/a;",
    "https://example.org/a?",
    "https://example.org/a#",
    "https://example.org/a?#",
    "HTTP://EXAMPLE.ORG/",
    "Https://example.org/x",
    "http:///example.org/",
    "https:////example.org/a",
    "http://[::1]:8080/feed",
    "http://[::1/feed",
    "http://пример.рф/новости",
    "https://example.org/новости?q=ü#ß",
    "http://example.org/a b",
    " http://example.org/",
    "http://example.org/\t/x",
    "http://ex\tample.org/",
    "http://example.org:port/",
    "http://",
    "http:",
    "//example.org/path",
    "/relative/path",
    "relative",
    "../up",
    "?query",
    "#fragment",
    "urn:uuid:5c0f8f0e-2b1a-5d55-8b7e-6e65777366ee",
    "urn:bench:h0.example:0",
    "tag:example.org,2024:entry-1",
    "mailto:someone@example.org",
    "yt:video:abc123",
    "URN:ISBN:0451450523",
    "urn://host/x",
    "urn:/\t/[",
    "urn:a\tb",
    "javascript:alert(1)",
    "data:text/plain,hi",
    "ftp://example.org/file",
    "ftp:x",
    "file:relative",
    "feed:https://example.org/",
    "1http://example.org/",
    "ht tp://example.org/",
    "\x00http://example.org/",
    "\u0085http://example.org/",
]
BASES = [
    "http://example.org/blog/feed.xml",
    "https://example.org/",
    "https://a.example",
    "urn:x:base",
    "",
]
_URL_CHARACTERS = "aAzZ09.-_~!$&'()*+,;=:@%/?#[] \t\n\x00\x7fé\u2028/пß"


def uri_like() -> st.SearchStrategy[str]:
    """Strings shaped like URIs: a scheme or not, then characters urljoin treats specially."""
    starts = st.sampled_from(
        ["http://", "https://", "HTTP://", "hTTps://", "urn:", "tag:", "mailto:", "ftp://",
         "http:", "//", "/", "", "http:///", "a.b-c+d:", "x:"]
    )  # fmt: skip
    return st.builds(str.__add__, starts, st.text(_URL_CHARACTERS, max_size=20))


@example(base="https://example.org/", uri="https://example.org/a;")
@example(base="https://example.org/", uri="HTTP://EXAMPLE.ORG/")
@example(base="https://example.org/", uri="urn:/\t/[")
@settings(max_examples=1000)
@given(
    base=st.one_of(st.sampled_from(BASES), urls()),
    uri=st.one_of(st.sampled_from(REAL_WORLD_URLS), urls(), item_ids(), uri_like(), st.text()),
)
def test_join_gives_what_urljoin_gives(base: str, uri: str) -> None:
    assert join(base, uri) == joined(base, uri)


@pytest.mark.parametrize(
    "uri",
    [
        "https://www.theguardian.com/world/2025/jan/06/some-story",
        "http://feeds.bbci.co.uk/news/rss.xml?edition=uk",
        "https://cdn.example.net/audio/ep%2012.mp3?token=a-b_c~d&x=1",
        "urn:bench:h0.example:0",
        "tag:example.org,2024:entry-1",
    ],
)
def test_join_takes_the_fast_path_for_the_usual_absolute_uris(uri: str) -> None:
    # Checked as the fast path decides: with urljoin gone, only the fast path can answer.
    with mock.patch.object(_bases, "joined", side_effect=AssertionError("slow path taken")):
        assert join("https://example.org/feed.xml", uri) == uri


def _changed(markup: str, at: int, piece: str) -> str:
    at %= len(markup) + 1
    return markup[:at] + piece + markup[at:]


def renderings() -> st.SearchStrategy[str]:
    """Plain text rendered as newsfeed renders it, as it is or slightly changed."""
    text = st.one_of(summaries(), st.text())
    rendered = st.one_of(text.map(text_to_html), text.map(rendered_body))
    pieces = st.sampled_from(
        ["<br>", "<br />", "<br/>", "</p><p>", "</p>\n<p>", "<p>", "</p>", " ", "\n", "&amp;",
         "&lt;", "&nbsp;", "&#10;", '<a href="https://x.example/">', "</a>", "<b>", "\u00a0", "é"]
    )  # fmt: skip
    return st.one_of(rendered, st.builds(_changed, rendered, st.integers(0, 500), pieces))


@settings(max_examples=1000)
@given(markup=st.one_of(renderings(), html_bodies(), st.text()))
def test_the_text_of_html_is_html_to_texts(markup: str) -> None:
    assert html_text(markup) == html_to_text(markup)


@given(summary=summaries().filter(bool))
def test_the_text_of_a_rendered_summary_takes_the_fast_path(summary: str) -> None:
    with mock.patch.object(_clean, "html_to_text", side_effect=AssertionError("slow path taken")):
        assert html_text(text_to_html(summary)) == summary
        assert html_text(rendered_body(summary)) == summary


def _html_body_the_long_way(
    markup: str | None, *, base: str | None, summary: str, clean: Cleaner
) -> str:
    if not markup or not has_markup(markup):
        return ""
    return sanitized_body(clean(markup), base=base, summary=summary)


@settings(max_examples=500)
@given(
    summary=st.one_of(summaries(), st.text()),
    base=st.one_of(st.none(), st.sampled_from(["", "http://a.0.0/", *BASES[:3]]), urls()),
    data=st.data(),
)
def test_an_html_body_is_the_one_sanitizing_gives(
    summary: str, base: str | None, data: st.DataObject
) -> None:
    markup = data.draw(
        st.one_of(
            st.sampled_from([text_to_html(summary), rendered_body(summary)]),
            renderings(),
            html_bodies(),
            st.text(),
        )
    )
    fast, slow = Cleaner(), Cleaner()
    expected = _html_body_the_long_way(markup, base=base, summary=summary, clean=slow)
    assert html_body(markup, base=base, summary=summary, clean=fast) == expected
    assert fast.removed == slow.removed


def _entries() -> list[feedparser.FeedParserDict]:
    entries = []
    for path in DOCUMENTS:
        try:
            parsed = feedparser.parse(
                io.BytesIO(path.read_bytes()), sanitize_html=False, resolve_relative_uris=False
            )
        except UnicodeError:  # a reference to a surrogate, which read_feed refuses
            continue
        entries.extend(parsed.entries)
    return entries


# Media where feedparser puts it, and entries without any.
MEDIA_RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"
  xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>T</title>
<item><title>a</title><enclosure url="/a.mp3" type="audio/mpeg" length="5"/></item>
<item><title>b</title><media:thumbnail url="https://x.example/b.jpg"/></item>
<item><title>c</title><media:content url="c.mp4" type="video/mp4"/></item>
<item><title>d</title><itunes:image href="https://x.example/d.png"/></item>
<item><title>e</title><media:group><media:thumbnail url="e.jpg"/></media:group></item>
<item><title>f</title><link>https://x.example/f</link></item>
<item><title>g</title></item>
</channel></rss>"""
MEDIA_ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>a</title><link rel="enclosure" href="a.ogg" type="audio/ogg"/></entry>
<entry><title>b</title><link href="https://x.example/b"/><link rel="related" href="/r"/></entry>
</feed>"""


@pytest.mark.parametrize(
    "entry",
    [
        *_entries(),
        *feedparser.parse(MEDIA_RSS).entries,
        *feedparser.parse(MEDIA_ATOM).entries,
    ],
)
def test_an_entrys_media_are_those_looked_for_everywhere(
    entry: feedparser.FeedParserDict,
) -> None:
    base = "https://x.example/feed.xml"
    expected = _feedparser._all_media(entry, Cleaner(), base)
    assert _feedparser._media(entry, Cleaner(), base) == expected


# What an entry's conversion reads from its stored items rather than through feedparser's
# access (which maps old names to new ones): names feedparser maps nothing to.
ENTRY_NAMES = (
    "author", "content", "guidislink", "id", "links", "published_parsed", "source",
    "summary_detail", "tags", "title", "title_detail", "updated_parsed",
)  # fmt: skip


@pytest.mark.parametrize("entry", _entries())
def test_an_entrys_stored_items_are_what_feedparser_answers(
    entry: feedparser.FeedParserDict,
) -> None:
    stored = dict(entry)
    for name in ENTRY_NAMES:
        # Not entry.get: that falls back from updated_parsed to published_parsed; "in" does not.
        answered = entry[name] if name in entry else None  # noqa: SIM401
        assert stored.get(name) == answered, name


@contextmanager
def slow_paths() -> Iterator[None]:
    """Reading with every fast path turned off: each question answered the long way."""
    with (
        mock.patch.object(_bases, "join", _bases.joined),
        mock.patch.object(_clean, "_rendered_text", return_value=None),
        mock.patch.object(_bodies, "renders", return_value=False),
        mock.patch.object(_feedparser, "_media", _feedparser._all_media),
    ):
        yield


def read_both_ways(data: bytes, url: str | None) -> tuple[object, object]:
    def read() -> ReadFeed | str:
        try:
            return read_feed(data, url=url, now=None)
        except FeedParseError as error:
            return str(error)

    fast = read()
    with slow_paths():
        slow = read()
    return fast, slow


@pytest.mark.parametrize("url", [None, "https://example.org/blog/feed.xml"])
@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda path: path.name)
def test_every_document_reads_the_same_without_the_fast_paths(path: Path, url: str | None) -> None:
    fast, slow = read_both_ways(path.read_bytes(), url)
    assert fast == slow


@settings(max_examples=60, deadline=None)
@given(feed=feeds(), export=st.sampled_from([to_rss, to_atom, to_json_feed]))
def test_newsfeeds_own_feeds_read_the_same_without_the_fast_paths(
    feed: Feed, export: Callable[[Feed], bytes]
) -> None:
    fast, slow = read_both_ways(export(feed), "https://example.org/feed.xml")
    assert isinstance(fast, ReadFeed)
    assert fast == slow
