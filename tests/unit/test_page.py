"""The web page (``index.html``): what it shows, what it links, and what it must never run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from newsfeed import Enclosure, Feed, FeedInfo, NewsItem, Source, load_bulletin
from newsfeed._page import Alternate, alternates_for, safe_href, to_html

EXAMPLE = Path(__file__).parents[2] / "examples" / "news.txt"
VOID = {"meta", "link", "br", "img", "hr", "input", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.tag == tag:
                    found.append(child)
                found.extend(child.iter(tag))
        return found


class _TreeBuilder(HTMLParser):
    """A strict little DOM: every non-void element must be closed, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs))
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br />": the slash closes nothing in HTML; a void element has no end.
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: bytes) -> Element:
    builder = _TreeBuilder()
    builder.feed(page.decode("utf-8"))
    builder.close()
    assert builder.stack == [builder.root], "unclosed elements"
    return builder.root


INFO = FeedInfo(
    title="Automotive cluster news",
    link="https://example.org/news/",
    description="News of the cluster",
    feed_url="https://example.org/news/feed.xml",
    language="en",
)
ALTERNATES = alternates_for(
    Path("public/index.html"),
    [
        (Path("public/feed.xml"), "rss"),
        (Path("public/atom.xml"), "atom"),
        (Path("public/feeds/feed.json"), "json"),
    ],
)


@pytest.fixture(scope="module")
def example() -> Feed:
    return Feed(info=INFO, items=tuple(load_bulletin(EXAMPLE, feed_url=INFO.feed_url)))


def item(**changes: object) -> NewsItem:
    values: dict[str, object] = {
        "id": "tag:example.org,2020:1",
        "title": "A title",
        "published": datetime(2020, 6, 18, 9, 30, tzinfo=UTC),
        "summary": "First line\nsecond line\n\nSecond paragraph.",
    }
    return NewsItem(**(values | changes))  # type: ignore[arg-type]


def test_alternates_are_relative_to_the_page_with_their_media_types():
    found = ALTERNATES
    assert found == [
        Alternate(media_type="application/rss+xml", href="feed.xml"),
        Alternate(media_type="application/atom+xml", href="atom.xml"),
        Alternate(media_type="application/feed+json", href="feeds/feed.json"),
    ]
    assert alternates_for(Path("site/news/index.html"), [(Path("site/feed.xml"), "rss")]) == [
        Alternate(media_type="application/rss+xml", href="../feed.xml")
    ]


def test_page_structure(example):
    root = parse(to_html(example, ALTERNATES))
    (html,) = root.iter("html")
    assert html.attrs["lang"] == "en"
    assert len(root.iter("h1")) == 1
    assert root.iter("h1")[0].text() == INFO.title
    assert root.iter("title")[0].text() == INFO.title
    assert len(root.iter("article")) == len(example.items) == 21


def test_language_defaults_to_english():
    info = FeedInfo(title="T", link="https://example.org/", description="d")
    (html,) = parse(to_html(Feed(info=info, items=(item(),)))).iter("html")
    assert html.attrs["lang"] == "en"


def test_every_item_title_date_and_paragraph_is_shown(example):
    articles = parse(to_html(example, ALTERNATES)).iter("article")
    for article, news in zip(articles, example.items, strict=True):
        (heading,) = article.iter("h2")
        assert heading.text() == news.title
        (time,) = article.iter("time")
        assert time.attrs["datetime"] == news.published.isoformat()
        day = news.published
        assert time.text() == f"{day.day} {day:%B} {day.year}"
        paragraphs = [p.text() for p in article.iter("p") if p.attrs.get("class") != "meta"]
        assert paragraphs == [p for p in news.summary.split("\n\n") if p]


def test_lines_of_a_paragraph_are_kept_apart():
    (article,) = parse(to_html(Feed(info=INFO, items=(item(),)))).iter("article")
    body = [p for p in article.iter("p") if p.attrs.get("class") != "meta"]
    assert [p.text() for p in body] == ["First linesecond line", "Second paragraph."]
    assert len(body[0].iter("br")) == 1


def test_autodiscovery_links_each_feed(example):
    links = [link.attrs for link in parse(to_html(example, ALTERNATES)).iter("link")]
    alternates = [(a["type"], a["href"]) for a in links if a.get("rel") == "alternate"]
    assert alternates == [
        ("application/rss+xml", "feed.xml"),
        ("application/atom+xml", "atom.xml"),
        ("application/feed+json", "feeds/feed.json"),
    ]
    titles = [a["title"] for a in links if a.get("rel") == "alternate"]
    assert titles == [f"{INFO.title} (RSS)", f"{INFO.title} (Atom)", f"{INFO.title} (JSON Feed)"]


def test_no_script_and_nothing_loaded_from_elsewhere():
    linked = item(link="https://news.example.com/story?id=1")
    sourced = item(
        id="tag:example.org,2020:2",
        source=Source(title="Member", url="https://member.example/feed.atom"),
    )
    page = to_html(Feed(info=INFO, items=(linked, sourced)), ALTERNATES)
    assert b"<script" not in page.lower()
    root = parse(page)
    allowed = {"https://news.example.com/story?id=1", "https://member.example/feed.atom"}
    for tag in ("a", "link", "img", "script", "iframe", "meta", "style"):
        for element in root.iter(tag):
            for name in ("src", "href"):
                value = element.attrs.get(name)
                if value is not None and urlsplit(value).netloc:
                    assert value in allowed, f"<{tag} {name}={value!r}>"
    assert [a.attrs["href"] for a in root.iter("a") if a.attrs["href"] in allowed] == [
        "https://news.example.com/story?id=1",
        "https://member.example/feed.atom",
    ]


def test_markup_in_item_text_is_escaped():
    hostile = item(
        title="<script>alert(1)</script>",
        author='"><img src=x onerror=alert(1)>',
        summary="<b>bold</b> & <i>co</i>",
    )
    page = to_html(Feed(info=INFO, items=(hostile,)))
    assert b"<script" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert b"<img" not in page
    assert b"<b>" not in page
    (article,) = parse(page).iter("article")
    assert article.iter("h2")[0].text() == "<script>alert(1)</script>"
    assert "<b>bold</b> & <i>co</i>" in article.text()


def test_feed_info_is_escaped_too():
    info = FeedInfo(
        title="News <em>now</em>", link="https://example.org/", description='say "hi" <b>'
    )
    page = to_html(
        Feed(info=info, items=()), [Alternate(media_type="application/rss+xml", href='a"b.xml')]
    )
    assert b"<em>" not in page
    assert b"<b>" not in page
    root = parse(page)
    assert root.iter("h1")[0].text() == "News <em>now</em>"
    (link,) = [e for e in root.iter("link") if e.attrs.get("rel") == "alternate"]
    assert link.attrs["href"] == 'a"b.xml'
    assert "No news yet." in root.text()


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "vbscript:x", "/x"]
)
def test_only_web_links_are_links(url):
    assert safe_href(url) is None
    # The model refuses such links, but a page must not rely on that: bypass it.
    news = item(link="https://example.org/ok")
    object.__setattr__(news, "link", url)
    page = to_html(Feed(info=INFO, items=(news,)))
    (article,) = parse(page).iter("article")
    assert article.iter("a") == []
    assert article.iter("h2")[0].text() == "A title"
    assert b"alert" not in page


def test_web_links_are_kept():
    assert safe_href("https://example.org/a") == "https://example.org/a"
    assert safe_href("HTTP://example.org/a") == "HTTP://example.org/a"
    assert safe_href(None) is None


def test_bytes_are_deterministic(example):
    first = to_html(example, ALTERNATES)
    assert first == to_html(example, ALTERNATES)
    rebuilt = Feed(info=INFO, items=tuple(load_bulletin(EXAMPLE, feed_url=INFO.feed_url)))
    assert first == to_html(rebuilt, list(ALTERNATES))
    first.decode("utf-8")
    assert re.match(rb"<!DOCTYPE html>\n", first)
    assert first.endswith(b"</html>\n")


def rich_item(**changes: object) -> NewsItem:
    values: dict[str, object] = {
        "content_html": (
            '<p>Read the <a href="https://example.org/report.pdf">report</a>.</p>'
            '<ul><li>Racks</li></ul><img src="https://example.org/chart.png" alt="Chart">'
        ),
        "image": "https://example.org/thumb.jpg",
        "enclosures": (
            Enclosure(
                url="https://example.org/ep%201.mp3", media_type="audio/mpeg", length=2_500_000
            ),
            Enclosure(url="https://example.org/report.pdf", media_type="application/pdf"),
        ),
    }
    return item(**(values | changes))


def test_an_items_html_body_image_and_enclosures_are_shown():
    (article,) = parse(to_html(Feed(info=INFO, items=(rich_item(),)))).iter("article")
    (body,) = [div for div in article.iter("div") if div.attrs.get("class") == "body"]
    assert [a.attrs["href"] for a in body.iter("a")] == ["https://example.org/report.pdf"]
    assert [li.text() for li in body.iter("li")] == ["Racks"]
    images = [img.attrs["src"] for img in article.iter("img")]
    assert images == ["https://example.org/thumb.jpg", "https://example.org/chart.png"]
    (audio,) = article.iter("audio")
    assert (audio.attrs["src"], "controls" in audio.attrs) == (
        "https://example.org/ep%201.mp3",
        True,
    )
    (enclosures,) = [ul for ul in article.iter("ul") if ul.attrs.get("class") == "enclosures"]
    links = [(a.attrs["href"], a.text()) for a in enclosures.iter("a")]
    assert links == [
        ("https://example.org/ep%201.mp3", "ep 1.mp3"),
        ("https://example.org/report.pdf", "report.pdf"),
    ]
    assert "audio/mpeg, 2.5 MB" in enclosures.text()


def test_web_addresses_in_plain_text_are_links_on_the_page():
    news = item(summary="Details at https://example.org/details.")
    (article,) = parse(to_html(Feed(info=INFO, items=(news,)))).iter("article")
    assert [a.attrs["href"] for a in article.iter("a")] == ["https://example.org/details"]
    assert "Details at https://example.org/details." in article.text()


def test_an_html_body_that_bypassed_the_model_is_sanitized_on_the_page():
    news = rich_item(enclosures=())
    hostile = '<p onclick="x()">hi</p><script>alert(1)</script><iframe src="https://evil.example/">'
    object.__setattr__(news, "content_html", hostile)
    bad = Enclosure(url="https://example.org/a.mp3", media_type="audio/mpeg")
    object.__setattr__(bad, "url", "javascript:alert(2)")
    object.__setattr__(news, "enclosures", (bad,))
    page = to_html(Feed(info=INFO, items=(news,)))
    assert b"<script" not in page
    assert b"onclick" not in page
    assert b"<iframe" not in page
    assert b"javascript:" not in page
