"""Every exporter's output reads back into the model it was written from, and is a good feed.

``parse_feed(to_X(feed))`` gives the same items and the same :class:`FeedInfo`,
with the documented exceptions (docs/feeds.md):

- Atom requires a feed author, so a feed without one is written with its title
  as author, and reads back so;
- RSS carries one enclosure per item: the first; and one whole author, the first
  (the others as author strings, which readers parse: commas separate co-authors);
- an item whose one author is the feed's own author, by name alone, is the same
  as an item inheriting the feed's author, and reads back without authors (in Atom,
  a feed without an author is named by its title, its items' author then too).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from newsfeed import (
    Feed,
    FeedInfo,
    NewsItem,
    Person,
    Source,
    derive_title,
    parse_bulletin,
    parse_feed,
    to_atom,
    to_json_feed,
    to_rss,
)
from newsfeed._ingest._people import people_from_string, unique
from newsfeed._text import html_to_text
from strategies import TRICKY_FRAGMENTS, feed_infos, feeds, news_items, one_line_text, urls

SAMPLE = Path(__file__).parents[2] / "examples" / "news.txt"
FEED_URL = "https://example.org/feed.xml"
ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/elements/1.1/"
NS = {"atom": ATOM, "dc": DC}

Exporter = Callable[[Feed], bytes]
EXPORTERS = pytest.mark.parametrize(
    "export", [to_rss, to_atom, to_json_feed], ids=["rss", "atom", "json"]
)


def _in_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


def as_instants(items: tuple[NewsItem, ...]) -> list[NewsItem]:
    """Items with their times in UTC, so that equal means the same instant.

    ``==`` on aware datetimes already compares instants, except that Python calls a
    time in a zone's gap or fold unequal to every time of another zone (PEP 495).
    """
    return [
        replace(item, published=_in_utc(item.published), updated=_in_utc(item.updated))
        for item in items
    ]


def info_read_back(export: Exporter, info: FeedInfo) -> FeedInfo:
    """The FeedInfo each format gives back: Atom names the title as author when none is set."""
    if export is to_atom and info.author is None:
        return replace(info, author=info.title)
    return info


def items_read_back(export: Exporter, feed: Feed) -> tuple[NewsItem, ...]:
    """The items each format gives back: see the module's docstring."""
    # Atom names a feed without an author by its title, which its items then inherit.
    author = feed.info.author or (feed.info.title if export is to_atom else None)
    inherited = (Person(name=author),) if author is not None else None
    items = tuple(
        replace(item, authors=()) if item.authors == inherited else item for item in feed.items
    )
    if export is to_rss:
        items = tuple(
            replace(item, enclosures=item.enclosures[:1], authors=_rss_authors(item.authors))
            for item in items
        )
    return items


def _rss_authors(authors: tuple[Person, ...]) -> tuple[Person, ...]:
    """RSS carries the first author whole; the others as author strings, read as readers do.

    An author string is read for what it says: ``jane@x.example (Jane)`` is a person with
    an address, and commas separate co-authors.
    """
    others = (found for person in authors[1:] for found in people_from_string(person.label))
    return unique((*authors[:1], *others))


def _differences(got: list[NewsItem], wanted: list[NewsItem]) -> list[str]:
    """Each field that differs, item by item: pytest's diff of long items is cut short."""
    return [
        f"item {index}: {name}: {getattr(one, name)!r} != {getattr(other, name)!r}"
        for index, (one, other) in enumerate(zip(got, wanted, strict=False))
        for name in one.__dataclass_fields__
        if getattr(one, name) != getattr(other, name)
    ]


def assert_round_trip(export: Exporter, feed: Feed) -> None:
    back = parse_feed(export(feed))
    got, wanted = as_instants(back.items), as_instants(items_read_back(export, feed))
    assert got == wanted, "\n".join(_differences(got, wanted))
    assert back.info == info_read_back(export, feed.info)


def sample_feed(author: str | None = None) -> Feed:
    items = parse_bulletin(SAMPLE.read_text(encoding="utf-8"), feed_url=FEED_URL)
    info = FeedInfo(
        title="Cluster of Automotive Industry: news",
        link="https://example.org/",
        description="News of the Samara region's automotive cluster",
        feed_url=FEED_URL,
        language="en",
        author=author,
    )
    return Feed(info=info, items=tuple(items))


def xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))


# ------------------------------------------------------------------ round-trips


@EXPORTERS
@settings(max_examples=100, deadline=None)
@given(feed=feeds())
def test_generated_feeds_read_back_equal(export, feed):
    assert_round_trip(export, feed)


@EXPORTERS
@pytest.mark.parametrize("author", [None, "Cluster of Automotive Industry"])
def test_the_sample_bulletin_reads_back_equal(export, author):
    feed = sample_feed(author)
    assert len(feed.items) == 21
    # Records 8 and 17 have no headline (their title is derived from the body), 21 no body.
    for headless in (feed.items[7], feed.items[16]):
        assert headless.title == derive_title(headless.summary)
    assert feed.items[20].summary == ""
    assert_round_trip(export, feed)


@EXPORTERS
def test_atom_alone_names_the_title_as_author_of_a_feed_without_one(export):
    # The one documented exception to the round-trip: RFC 4287 requires a feed author.
    feed = sample_feed(author=None)
    back = parse_feed(export(feed))
    expected = feed.info.title if export is to_atom else None
    assert back.info.author == expected


def test_atom_writes_the_title_as_author_of_a_feed_without_one():
    feed = sample_feed(author=None)
    names = xml(to_atom(feed)).xpath("atom:author/atom:name/text()", namespaces=NS)
    assert names == [feed.info.title]


@EXPORTERS
@pytest.mark.parametrize("text", [*TRICKY_FRAGMENTS, "a &amp; <i>", '<b onclick="x">B</b>'])
def test_plain_text_comes_back_literally(export, text):
    # Titles that look like HTML to feedparser ("</p>", "&amp;") were once read as markup.
    title = f"Заголовок {text} «{text}» 😀"
    summary = f'Начало {text} конец\nСтрока <b>два</b> & "три"\n\n«{text}» 😀'
    item = NewsItem(
        id=f"urn:x:{text}:1",
        title=title,
        summary=summary,
        published=datetime(2020, 6, 18, tzinfo=UTC),
        author=title,
        categories=(title, "&amp;"),
        source=Source(title=title, url="https://example.org/source.xml"),
    )
    info = FeedInfo(
        title=title, link="https://example.org/", description=title, author=title, language="ru"
    )
    assert_round_trip(export, Feed(info=info, items=(item,)))


@pytest.mark.parametrize("export", [to_rss, to_atom], ids=["rss", "atom"])
def test_titles_are_written_as_text_not_markup(export):
    title = "Fish & <b>chips</b> &amp; “peas”"
    item = NewsItem(id="urn:x:1", title=title, published=datetime(2020, 1, 1, tzinfo=UTC))
    info = FeedInfo(title=title, link="https://example.org/", description=title)
    root = xml(export(Feed(info=info, items=(item,))))
    titles = root.xpath("//title | //atom:title", namespaces=NS)
    if export is to_atom:
        # Markup-like text is declared: escaped HTML, which every reader shows as written.
        assert [element.get("type") for element in titles] == ["html", "html"]
        assert [html_to_text(element.text) for element in titles] == [title, title]
    else:
        assert [element.text for element in titles] == [title, title]


@pytest.mark.parametrize(
    "zone",
    [
        timezone(-timedelta(minutes=44, seconds=30)),  # Monrovia's offset until 1972
        ZoneInfo("Africa/Monrovia"),
        ZoneInfo("America/Sao_Paulo"),  # 2018-11-04 00:00 did not exist there
    ],
    ids=str,
)
@EXPORTERS
def test_times_in_any_zone_read_back_as_the_same_instant(export, zone):
    items = tuple(
        NewsItem(id=f"urn:x:{day}", title="t", published=datetime.combine(day, time(), zone))
        for day in [date(2018, 11, 4), date(1971, 6, 1)]
    )
    feed = Feed(info=FeedInfo(title="t", link="https://example.org/", description="d"), items=items)
    assert_round_trip(export, feed)


@pytest.mark.parametrize("export", [to_rss, to_atom], ids=["rss", "atom"])
def test_an_id_that_is_a_web_address_is_not_taken_for_a_link(export):
    # feedparser reads an Atom <id> as a permalink guid; the item has no link all the same.
    item = NewsItem(
        id="https://example.org/1", title="t", published=datetime(2020, 1, 1, tzinfo=UTC)
    )
    feed = Feed(
        info=FeedInfo(title="t", link="https://example.org/", description="d"), items=(item,)
    )
    assert parse_feed(export(feed)).items[0].link is None


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: replace_item(title="Ã©tÃ©"), "Latin-1"),
        (lambda: replace_item(categories=("news", "news")), "more than once"),
        (lambda: replace_item(link="https://example.org/?a=1&amp;b=2"), "character reference"),
        (lambda: replace_item(link="https:///example.org/"), "with a host"),
        (lambda: replace_item(link="mailto:news@example.org"), "http or https"),
        (lambda: replace_item(link="javascript:alert(1)"), "http or https"),
        (lambda: replace_item(id="file:///srv/news/1"), "slash"),
    ],
    ids=[
        "mojibake",
        "repeated-category",
        "reference-in-url",
        "hostless-url",
        "mailto",
        "javascript",
        "id",
    ],
)
def test_the_model_refuses_what_readers_would_change(build, message):
    # The model's promise: whatever constructs, every format carries and reads back.
    # These values would not survive feedparser, so they do not construct.
    with pytest.raises(ValueError, match=message):
        build()


def replace_item(**changes: object) -> NewsItem:
    base: dict[str, object] = {
        "id": "urn:x:1",
        "title": "t",
        "published": datetime(2020, 1, 1, tzinfo=UTC),
    }
    return NewsItem(**{**base, **changes})


# ------------------------------------------------------------------ determinism and order


@EXPORTERS
@settings(max_examples=25, deadline=None)
@given(feed=feeds(max_items=4))
def test_output_is_byte_identical_when_built_twice(export, feed):
    rebuilt = Feed(info=replace(feed.info), items=tuple(replace(item) for item in feed.items))
    assert export(feed) == export(rebuilt)


@EXPORTERS
def test_the_sample_is_byte_identical_when_built_twice(export):
    assert export(sample_feed()) == export(sample_feed())


@EXPORTERS
@settings(max_examples=25, deadline=None)
@given(feed=feeds(max_items=4), order=st.randoms(use_true_random=False))
def test_items_come_out_in_input_order(export, feed, order):
    items = list(feed.items)
    order.shuffle(items)
    shuffled = replace(feed, items=tuple(items))
    assert [item.id for item in parse_feed(export(shuffled)).items] == [item.id for item in items]


@EXPORTERS
def test_the_sample_oldest_first_comes_out_oldest_first(export):
    feed = sample_feed()
    oldest_first = replace(feed, items=feed.items[::-1])
    ids = [item.id for item in parse_feed(export(oldest_first)).items]
    assert ids == [item.id for item in feed.items[::-1]]


def test_no_two_sample_items_are_published_at_the_same_time():
    times = [item.published for item in sample_feed().items]
    assert len(set(times)) == len(times) == 21


# ------------------------------------------------------------------ structure


@settings(max_examples=30, deadline=None)
@given(feed=feeds(max_items=4), feed_url=st.none() | urls())
def test_rss_structure(feed, feed_url):
    feed = replace(feed, info=replace(feed.info, feed_url=feed_url))
    channel = xml(to_rss(feed)).find("channel")
    # The channel's <link> is the site; the feed's own address is the atom:link rel=self.
    assert channel.findtext("link") == feed.info.link
    author = feed.info.author
    assert channel.xpath("dc:creator/text()", namespaces=NS) == ([author] if author else [])
    self_links = channel.xpath("atom:link[@rel='self']/@href", namespaces=NS)
    assert self_links == ([feed_url] if feed_url else [])
    hub_links = channel.xpath("atom:link[@rel='hub']/@href", namespaces=NS)
    assert hub_links == list(feed.info.hubs)
    items = channel.findall("item")
    assert len(items) == len(feed.items)
    for element, item in zip(items, feed.items, strict=True):
        guid = element.find("guid")
        assert guid.get("isPermaLink") == "false"
        assert guid.text == item.id
        # Every author by name (else address, else page), in one string where a reader
        # splitting it at commas gets them back; the feed's author for an item without.
        authors = item.authors or ((Person(name=author),) if author else ())
        labels = [person.label for person in authors]
        splittable = not any(char in label for label in labels for char in ',"()<>')
        assert element.xpath("dc:creator/text()", namespaces=NS) == (
            [", ".join(labels)] if splittable and labels else labels
        )
        updated = element.findtext(f"{{{ATOM}}}updated")
        assert _in_utc(updated and datetime.fromisoformat(updated)) == _in_utc(item.updated)


@settings(max_examples=30, deadline=None)
@given(feed=feeds(max_items=4), feed_url=st.none() | urls())
def test_atom_structure(feed, feed_url):
    feed = replace(feed, info=replace(feed.info, feed_url=feed_url))
    root = xml(to_atom(feed))
    assert root.xpath("atom:link[@rel='self']/@href", namespaces=NS) == (
        [feed_url] if feed_url else []
    )
    assert root.xpath("atom:link[@rel='alternate']/@href", namespaces=NS) == [feed.info.link]
    assert root.xpath("atom:link[@rel='hub']/@href", namespaces=NS) == list(feed.info.hubs)
    assert root.xpath("atom:author/atom:name/text()", namespaces=NS) == [
        feed.info.author or feed.info.title
    ]
    for text in root.xpath("atom:title | atom:subtitle | atom:entry/atom:title", namespaces=NS):
        looks_like_markup = "<" in html_to_text(text.text or "") or "&" in (text.text or "")
        assert text.get("type") == ("html" if looks_like_markup else "text")
    entries = root.findall(f"{{{ATOM}}}entry")
    assert len(entries) == len(feed.items)
    for entry in entries:
        # RFC 4287 4.1.1.1: an entry without an alternate link must have content.
        has_content = entry.find(f"{{{ATOM}}}content") is not None
        alternate = entry.xpath("atom:link[not(@rel) or @rel='alternate']", namespaces=NS)
        assert has_content or alternate
        assert entry.findtext(f"{{{ATOM}}}id")
        assert entry.findtext(f"{{{ATOM}}}updated")


@settings(max_examples=40, deadline=None)
@given(info=feed_infos(), items=st.lists(news_items(), max_size=4, unique_by=lambda i: i.id))
def test_feed_dates_are_the_newest_item_date_never_the_clock(info, items):
    feed = Feed(info=info, items=tuple(items))
    newest = max((item.updated or item.published for item in items), default=None)
    # A feed without items is dated 1970-01-01, still not by the clock.
    expected = newest or datetime(1970, 1, 1, tzinfo=UTC)
    channel = xml(to_rss(feed)).find("channel")
    assert _in_utc(parsedate_to_datetime(channel.findtext("lastBuildDate"))) == _in_utc(expected)
    root = xml(to_atom(feed))
    assert _in_utc(datetime.fromisoformat(root.findtext(f"{{{ATOM}}}updated"))) == _in_utc(expected)


def test_the_sample_feed_is_dated_by_its_newest_item():
    feed = sample_feed()
    newest = datetime(2020, 6, 18, tzinfo=UTC)  # the top record's date, its first second
    channel = xml(to_rss(feed)).find("channel")
    assert parsedate_to_datetime(channel.findtext("lastBuildDate")) == newest
    assert datetime.fromisoformat(xml(to_atom(feed)).findtext(f"{{{ATOM}}}updated")) == newest


def test_json_feed_holds_what_the_spec_asks():
    feed = sample_feed()
    document = json.loads(to_json_feed(feed))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["home_page_url"] == feed.info.link
    assert document["feed_url"] == FEED_URL
    assert [item["id"] for item in document["items"]] == [item.id for item in feed.items]
    assert all(isinstance(item["content_text"], str) for item in document["items"])


@settings(max_examples=30, deadline=None)
@given(title=one_line_text())
def test_channel_title_is_not_read_as_html(title):
    # feedparser guesses RSS text is HTML when it has an entity or a closing tag.
    info = FeedInfo(title=title, link="https://example.org/", description=title)
    back = parse_feed(to_rss(Feed(info=info)))
    assert (back.info.title, back.info.description) == (title, title)
