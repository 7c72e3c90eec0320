"""The model checks every value once, so that exporters can trust what they are given."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from newsfeed import Feed, FeedInfo, NewsItem, Source, ValidationError

WHEN = datetime(2020, 6, 18, 12, 0, tzinfo=UTC)


def item(**changes: Any) -> NewsItem:
    fields: dict[str, Any] = {"id": "urn:example:1", "title": "A title", "published": WHEN}
    fields.update(changes)
    return NewsItem(**fields)


def info(**changes: Any) -> FeedInfo:
    fields: dict[str, Any] = {
        "title": "News",
        "link": "https://example.org/",
        "description": "What happened",
    }
    fields.update(changes)
    return FeedInfo(**fields)


def test_item_defaults() -> None:
    news = item()
    assert news.summary == ""
    assert news.updated is None
    assert news.link is None
    assert news.author is None
    assert news.categories == ()
    assert news.source is None
    assert news.last_changed == WHEN


@pytest.mark.parametrize(
    "make",
    [
        item,
        info,
        lambda: Feed(info=info()),
        lambda: Source(title="Elsewhere", url="https://example.net/feed.xml"),
    ],
    ids=["NewsItem", "FeedInfo", "Feed", "Source"],
)
def test_values_are_frozen_and_slotted(make: Any) -> None:
    value = make()
    assert not hasattr(value, "__dict__")
    field = dataclasses.fields(value)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, getattr(value, field))
    with pytest.raises((AttributeError, TypeError)):
        value.not_a_field = 1


@pytest.mark.parametrize(
    ("cls", "args"),
    [
        (NewsItem, ("urn:example:1", "A title", WHEN)),
        (FeedInfo, ("News", "https://example.org/", "What happened")),
        (Feed, (FeedInfo(title="News", link="https://example.org/", description="d"),)),
        (Source, ("Elsewhere", "https://example.net/feed.xml")),
    ],
)
def test_constructors_are_keyword_only(cls: Any, args: tuple[Any, ...]) -> None:
    with pytest.raises(TypeError):
        cls(*args)


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2020, 6, 18, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        item(published=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        item(updated=naive)


def test_a_date_is_not_a_datetime() -> None:
    with pytest.raises(ValidationError, match="datetime"):
        item(published=WHEN.date())


def test_microseconds_are_dropped() -> None:
    news = item(
        published=WHEN.replace(microsecond=999_999),
        updated=(WHEN + timedelta(seconds=5)).replace(microsecond=1),
    )
    assert news.published == WHEN
    assert news.published.microsecond == 0
    assert news.updated == WHEN + timedelta(seconds=5)


def test_zone_is_kept() -> None:
    moscow = timezone(timedelta(hours=3))
    news = item(published=WHEN.astimezone(moscow))
    assert news.published.utcoffset() == timedelta(hours=3)


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(seconds=-1), timedelta(days=-3)])
def test_updated_must_be_later_than_published(delta: timedelta) -> None:
    with pytest.raises(ValueError, match="later than"):
        item(updated=WHEN + delta)


def test_updated_equal_after_dropping_microseconds_is_rejected() -> None:
    # Both round down to the same second, which no feed could tell apart.
    with pytest.raises(ValueError, match="later than"):
        item(published=WHEN.replace(microsecond=1), updated=WHEN.replace(microsecond=900_000))


def test_updated_later_is_accepted() -> None:
    later = WHEN + timedelta(seconds=1)
    assert item(updated=later).last_changed == later


@pytest.mark.parametrize("value", ["", " ", " padded", "padded "])
def test_empty_or_padded_id_is_rejected(value: str) -> None:
    with pytest.raises(ValueError, match=r"NewsItem\.id"):
        item(id=value)


@pytest.mark.parametrize(
    "char",
    [
        "\x00",
        "\x01",
        "\x08",
        "\x0b",
        "\x0c",
        "\x0e",
        "\x1f",
        "\x7f",
        chr(0xD800),  # lone surrogates, written so that tools do not merge them
        chr(0xDFFF),
        "\ufffe",
        "\uffff",
    ],
    ids=repr,
)
def test_characters_xml_cannot_carry_are_rejected(char: str) -> None:
    for field in ("title", "id", "author"):
        with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
            item(**{field: f"a{char}b"})
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        item(summary=f"a{char}b")
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        info(title=f"a{char}b")


@pytest.mark.parametrize("char", ["\x80", "\x85", "\x9f"], ids=repr)
def test_c1_controls_are_rejected(char: str) -> None:
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        item(title=f"a{char}b")
    with pytest.raises(ValueError, match=f"U\\+{ord(char):04X}"):
        item(summary=f"a{char}b")


@pytest.mark.parametrize("text", ["tab\tinside", "no\u00a0break", "Привет", "emoji 🎉", "\ue000"])
def test_characters_xml_carries_are_accepted(text: str) -> None:
    assert item(title=text).title == text


@pytest.mark.parametrize("title", ["two\nlines", "two\rlines", "two\r\nlines", "ends\n"])
def test_multi_line_titles_are_rejected(title: str) -> None:
    with pytest.raises(ValueError, match=r"NewsItem\.title"):
        item(title=title)


@pytest.mark.parametrize("title", ["", " lead", "trail ", "\tlead"])
def test_empty_or_padded_titles_are_rejected(title: str) -> None:
    with pytest.raises(ValueError, match=r"NewsItem\.title"):
        item(title=title)


@pytest.mark.parametrize(
    "summary",
    [
        "One line.",
        "Two\nlines.",
        "Para one.\n\nPara two.",
        "A\nB\n\nC\n\nD\nE",
        "inner  spaces kept",
    ],
)
def test_canonical_summaries_are_accepted(summary: str) -> None:
    assert item(summary=summary).summary == summary


@pytest.mark.parametrize(
    "summary",
    [
        "\n",
        "trailing newline\n",
        "\nleading newline",
        "three\n\n\nnewlines",
        " leading space",
        "trailing space ",
        "line \nwith trailing space",
        "crlf\r\nbreak",
        "cr\rbreak",
        "blank line\n \nwith a space",
    ],
    ids=repr,
)
def test_non_canonical_summaries_are_rejected(summary: str) -> None:
    with pytest.raises(ValueError, match=r"NewsItem\.summary"):
        item(summary=summary)


def test_categories_are_kept_as_a_tuple() -> None:
    assert item(categories=("a", "b")).categories == ("a", "b")
    assert item(categories=["a", "b"]).categories == ("a", "b")
    with pytest.raises(ValidationError, match="tuple"):
        item(categories="ab")
    with pytest.raises(ValueError, match="categories"):
        item(categories=("",))


def test_source_must_be_a_source() -> None:
    source = Source(title="Elsewhere", url="https://example.net/feed.xml")
    assert item(source=source).source is source
    with pytest.raises(ValidationError, match="Source"):
        item(source={"title": "Elsewhere", "url": "https://example.net/feed.xml"})


@pytest.mark.parametrize("url", ["example.org/page", "/relative", "https://exa mple.org/", ""])
def test_links_must_be_absolute_urls(url: str) -> None:
    with pytest.raises(ValueError, match="link"):
        item(link=url)
    with pytest.raises(ValueError, match="link"):
        info(link=url)
    with pytest.raises(ValueError, match="url"):
        Source(title="Elsewhere", url=url)


def test_feed_info_optional_fields() -> None:
    full = info(feed_url="https://example.org/feed.xml", language="ru-RU", author="Cluster")
    assert full.feed_url == "https://example.org/feed.xml"
    assert full.language == "ru-RU"
    with pytest.raises(ValueError, match="feed_url"):
        info(feed_url="feed.xml")
    with pytest.raises(ValueError, match="description"):
        info(description="two\nlines")
    with pytest.raises(ValueError, match="language"):
        info(language="")


def test_feed_rejects_duplicate_ids() -> None:
    first = item(id="urn:example:same")
    second = item(id="urn:example:same", title="Another title")
    with pytest.raises(ValueError, match="urn:example:same"):
        Feed(info=info(), items=(first, second))


def test_feed_items_are_kept_as_a_tuple() -> None:
    assert Feed(info=info(), items=[item()]).items == (item(),)
    with pytest.raises(ValidationError, match="tuple"):
        Feed(info=info(), items=item())


def test_feed_updated_is_the_latest_change_not_the_clock() -> None:
    assert Feed(info=info()).updated is None
    older = item(id="urn:example:1", published=WHEN - timedelta(days=2))
    edited = item(
        id="urn:example:2",
        published=WHEN - timedelta(days=5),
        updated=WHEN + timedelta(hours=1),
    )
    newest = item(id="urn:example:3", published=WHEN)
    feed = Feed(info=info(), items=(newest, older, edited))
    assert feed.updated == WHEN + timedelta(hours=1)
    assert feed.items == (newest, older, edited)
