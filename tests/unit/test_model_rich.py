"""Rich items: HTML bodies, enclosures, images, people, feed pictures; model errors are ours."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from newsfeed import (
    Enclosure,
    Feed,
    FeedInfo,
    NewsfeedError,
    NewsItem,
    Person,
    Source,
    ValidationError,
)

WHEN = datetime(2020, 6, 18, 12, 0, tzinfo=UTC)


def item(**changes: Any) -> NewsItem:
    fields: dict[str, Any] = {"id": "urn:example:1", "title": "A title", "published": WHEN}
    fields.update(changes)
    return NewsItem(**fields)


def test_html_bodies_are_sanitized_on_construction() -> None:
    news = item(
        content_html='<p onclick="steal()">Report <a href="https://example.org/r.pdf">PDF</a>'
        '<script>alert(1)</script><img src="https://example.org/a.png" alt="chart" '
        'width="10" onerror="x()"></p><iframe src="https://evil.example/"></iframe>'
        '<a href="javascript:alert(1)">click</a><style>p{}</style>',
    )
    assert news.content_html == (
        '<p>Report <a href="https://example.org/r.pdf">PDF</a>'
        '<img src="https://example.org/a.png" alt="chart" width="10"></p><a>click</a>'
    )


@pytest.mark.parametrize(
    "markup",
    [
        '<ul><li>one</li><li><em>two</em></li></ul><ol start="3"><li>three</li></ol>',
        "<blockquote><p>Quoted</p></blockquote><pre><code>x = 1</code></pre>",
        '<h2>Heading</h2><table><tbody><tr><th>a</th><td colspan="2">b</td></tr></tbody></table>',
        (
            '<figure><img src="https://example.org/a.png" alt="a" height="20">'
            "<figcaption>A</figcaption></figure>"
        ),
        '<p><a href="mailto:press@example.org">press</a> <strong>bold</strong> <code>c</code></p>',
    ],
)
def test_the_allowlist_keeps_what_news_bodies_use(markup: str) -> None:
    assert item(content_html=markup).content_html == markup


def test_relative_urls_in_the_model_are_dropped_not_guessed() -> None:
    # Ingest resolves them against the document first; the model cannot know a base.
    news = item(content_html='<a href="/about">About</a><img src="pic.png">')
    assert news.content_html == "<a>About</a><img>"


def test_sanitizing_is_idempotent_so_items_compare_equal_after_a_round_trip() -> None:
    news = item(content_html="<p>a<b>b<i>c</p>text & more <unknown>x</unknown>")
    assert item(content_html=news.content_html) == news


def test_html_bodies_must_be_carried_by_xml() -> None:
    with pytest.raises(ValidationError, match="content_html"):
        item(content_html="<p>bell \x07</p>")


def test_enclosures() -> None:
    audio = Enclosure(url="https://example.org/ep1.mp3", media_type="audio/mpeg", length=1234)
    pdf = Enclosure(url="https://example.org/report.pdf", media_type="application/pdf")
    news = item(enclosures=[audio, pdf])
    assert news.enclosures == (audio, pdf)
    assert pdf.length is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://example.org/a.mp3"}, "url"),
        ({"url": "/a.mp3"}, "url"),
        ({"media_type": "audio"}, "media_type"),
        ({"media_type": "Audio/MPEG"}, "media_type"),
        ({"media_type": "audio/mpeg; charset=x"}, "media_type"),
        ({"length": 0}, "length"),
        ({"length": -1}, "length"),
        ({"length": True}, "length"),
        ({"length": "12"}, "length"),
    ],
)
def test_enclosures_reject_what_feeds_cannot_carry(changes: dict[str, Any], field: str) -> None:
    fields: dict[str, Any] = {"url": "https://example.org/a.mp3", "media_type": "audio/mpeg"}
    fields.update(changes)
    with pytest.raises(ValidationError, match=rf"Enclosure\.{field}"):
        Enclosure(**fields)


def test_an_enclosure_url_appears_once() -> None:
    audio = Enclosure(url="https://example.org/ep1.mp3", media_type="audio/mpeg")
    with pytest.raises(ValidationError, match="enclosures"):
        item(enclosures=(audio, dataclasses.replace(audio, length=5)))
    with pytest.raises(ValidationError, match="Enclosure"):
        item(enclosures=("https://example.org/ep1.mp3",))


def test_item_image_is_a_web_url() -> None:
    assert item(image="https://example.org/a.jpg").image == "https://example.org/a.jpg"
    with pytest.raises(ValidationError, match="image"):
        item(image="data:image/png;base64,AAAA")


def test_author_is_the_short_way_to_give_one_author() -> None:
    news = item(author="Jane Doe")
    assert news.authors == (Person(name="Jane Doe"),)
    assert news.author == "Jane Doe"
    assert news == item(authors=(Person(name="Jane Doe"),))
    assert item().author is None


def test_several_authors_and_the_first_ones_name() -> None:
    jane = Person(name="Jane Doe", email="jane@example.org", url="https://example.org/jane")
    press = Person(email="press@example.org")
    news = item(authors=[jane, press])
    assert news.authors == (jane, press)
    assert news.author == "Jane Doe"
    assert item(authors=(press,)).author is None


def test_replacing_authors_cannot_disagree_with_author() -> None:
    news = item(author="Jane Doe")
    other = dataclasses.replace(news, authors=(Person(name="John Roe"),))
    assert other.author == "John Roe"


def test_author_and_authors_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="not both"):
        item(author="Jane", authors=(Person(name="Jane"),))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs a name"),
        ({"email": "jane"}, "Person.email"),
        ({"email": "Jane <jane@example.org>"}, "Person.email"),
        ({"email": "jane@example.org (Jane)"}, "Person.email"),
        ({"url": "javascript:alert(1)"}, "Person.url"),
        ({"name": "two\nlines"}, "Person.name"),
    ],
)
def test_people_are_checked(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Person(**fields)


def test_a_person_appears_once_per_item() -> None:
    with pytest.raises(ValidationError, match="authors"):
        item(authors=(Person(name="A"), Person(name="A")))


def test_feed_icon_and_logo() -> None:
    info = FeedInfo(
        title="News",
        link="https://example.org/",
        description="d",
        icon="https://example.org/favicon.png",
        logo="https://example.org/logo.png",
    )
    assert (info.icon, info.logo) == (
        "https://example.org/favicon.png",
        "https://example.org/logo.png",
    )
    with pytest.raises(ValidationError, match=r"FeedInfo\.logo"):
        dataclasses.replace(info, logo="logo.png")


@pytest.mark.parametrize(
    "item_id", ["123456789", "post-42", "", "just text", "javascript:alert(1)", "yt:video:x"]
)
def test_item_ids_are_uris_as_atom_requires(item_id: str) -> None:
    with pytest.raises(ValidationError, match="id"):
        item(id=item_id)


@pytest.mark.parametrize(
    "make",
    [
        lambda: item(published=datetime(2020, 1, 1)),  # noqa: DTZ001 - the point of the test
        lambda: item(published="2020-01-01"),
        lambda: item(link="javascript:alert(1)"),
        lambda: item(title=""),
        lambda: item(categories=("a", "a")),
        lambda: item(categories="a"),
        lambda: item(source={"title": "x"}),
        lambda: Feed(
            info=FeedInfo(title="t", link="https://example.org/", description="d"),
            items=(item(), item()),
        ),
        lambda: Source(title="t", url="feed.xml"),
        lambda: FeedInfo(title="t", link="https://example.org/", description="d", hubs="x"),
    ],
    ids=[
        "naive-date",
        "string-date",
        "javascript-link",
        "empty-title",
        "repeated-category",
        "categories-str",
        "source-dict",
        "duplicate-ids",
        "relative-source-url",
        "hubs-str",
    ],
)
def test_every_model_error_is_a_newsfeed_error(make: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        make()
    assert isinstance(caught.value, NewsfeedError)
    assert isinstance(caught.value, ValueError)


def test_an_html_body_alone_gives_the_item_its_plain_text() -> None:
    news = item(
        content_html="<p>Read the <a href='https://example.org/r'>report</a>.</p><p>Now</p>"
    )
    assert news.summary == "Read the report.\n\nNow"
    assert item(content_html="<p>x</p>", summary="Mine").summary == "Mine"
    assert item(content_html="<script>only</script>").summary == ""


def test_an_html_body_that_is_only_the_plain_text_rendered_is_no_body() -> None:
    # Written and read back as the plain text is, in every format.
    news = item(summary="< and &\n\nMore", content_html="<p>&lt; and &amp;</p><p>More</p>")
    assert news.content_html == ""
    assert (
        item(summary="Text", content_html="<p><b>Text</b></p>").content_html == "<p><b>Text</b></p>"
    )
