"""Script injection: hostile markup and links in what is read never become live in what is written.

Sources (RSS, Atom and JSON Feed, served over loopback and read by a real aggregation)
and a bulletin (``newsfeed build`` in a subprocess) carry ``<script>``, ``on*=``
handlers, ``javascript:`` and ``data:`` links, ``<iframe>``, CSS expressions, SVG and
MathML, forms, objects and embeds, in every field they have. Then every output is read
back the way a feed reader or a browser reads it:

- a field that readers render as HTML (RSS ``description`` and ``content:encoded``, Atom
  ``type="html"``/``"xhtml"``, JSON ``content_html``) is parsed as HTML, and holds no
  scripting element, no event handler, no link other than http(s), mailto or relative,
  and no ``javascript:`` or ``expression(`` in any attribute;
- every link field (RSS ``link``, ``source url``, Atom ``link href``, JSON ``url``...)
  is http(s), and no hostile link appears anywhere, in any form;
- plain-text fields show the markup as text: the same text in every format and on the
  page;
- the page (``index.html``) and the archive documents pass the same checks, and the page
  has no ``<script>`` at all.
"""

from __future__ import annotations

import base64
import html
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

from aggregator_fixtures import NOW, RSS_TYPE, Aggregation, FeedServer
from newsfeed import Outcome
from newsfeed._text import html_to_text
from processes import newsfeed

# --- what the sources carry -------------------------------------------------------------------

#: Markup that would run script, load something, submit or restyle, were it live.
HOSTILE_MARKUP = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">a javascript link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a data link</a>',
    '<a href="jav&#x09;ascript:alert(1)">an obfuscated link</a>',
    '<iframe src="https://evil.example/frame"></iframe>',
    '<div style="background:url(javascript:alert(1))">a styled block</div>',
    '<p style="width: expression(alert(1))">an expression</p>',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    '<math><mi xlink:href="javascript:alert(1)">a formula</mi></math>',
    (
        '<form action="javascript:alert(1)"><input type=submit formaction="javascript:alert(1)">'
        "</form>"
    ),
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>body { background: url(javascript:alert(1)) }</style>",
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0; url=javascript:alert(1)">',
)
HOSTILE_HTML = "<p>Visible words.</p>" + "".join(HOSTILE_MARKUP)
# The same, as well-formed XHTML for Atom's type="xhtml".
HOSTILE_XHTML = (
    '<div xmlns="http://www.w3.org/1999/xhtml"><p>Visible words.</p>'
    "<script>alert(1)</script>"
    '<img src="x" onerror="alert(1)"/>'
    '<a href="javascript:alert(1)">a javascript link</a>'
    '<iframe src="https://evil.example/frame"></iframe>'
    '<div style="background:url(javascript:alert(1))">a styled block</div>'
    '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'
    '<form action="javascript:alert(1)"><input type="submit"/></form>'
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)"/>'
    "</div>"
)
#: What a plain-text field says: it must be shown as this text, never as markup.
HOSTILE_TEXT = '<script>alert(1)</script> "quoted" & <img src=x onerror=alert(1)> <b>bold</b>'

_DATA_PAYLOAD = base64.b64encode(b"<script>alert('hostile-link-data')</script>").decode()
#: Links no output may carry, in any form: each has a marker found nowhere else.
HOSTILE_LINKS = {
    "javascript": "javascript:alert('hostile-link-1')",
    "upper": "JavaScript:alert('hostile-link-2')",
    "data": f"data:text/html;base64,{_DATA_PAYLOAD}",
    "vbscript": "vbscript:msgbox('hostile-link-3')",
    "spaced": " javascript:alert('hostile-link-4')",
}
LINK_MARKERS = ("hostile-link", _DATA_PAYLOAD)

RECENT = NOW - timedelta(hours=2)
# Months before the others: archived when the current feed is full.
OLD = NOW - timedelta(days=90)


def _rfc822(hours: int) -> str:
    return (NOW - timedelta(hours=hours)).strftime("%a, %d %b %Y %H:%M:%S +0000")


def hostile_rss() -> bytes:
    links = HOSTILE_LINKS
    text = escape(HOSTILE_TEXT)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:media="http://search.yahoo.com/mrss/"
 xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel>
<title>{text}</title>
<link>{escape(links["javascript"])}</link>
<description>{escape(HOSTILE_HTML)}</description>
<image><url>{escape(links["javascript"])}</url><title>{text}</title><link>{escape(links["data"])}</link></image>
<atom:icon>{escape(links["vbscript"])}</atom:icon>
<atom:link rel="self" href={quoteattr(links["data"])}/>
<atom:link rel="hub" href={quoteattr(links["vbscript"])}/>
<item>
<title>{text}</title>
<link>{escape(links["javascript"])}</link>
<guid isPermaLink="false">https://rss.example/escaped</guid>
<pubDate>{_rfc822(1)}</pubDate>
<description>{escape(HOSTILE_HTML)}</description>
<dc:creator>{text}</dc:creator>
<category>{text}</category>
<source url={quoteattr(links["upper"])}>{text}</source>
</item>
<item>
<title>{text}</title>
<link>https://rss.example/cdata?a=1&amp;b=%3Cscript%3E</link>
<guid isPermaLink="true">{escape(links["upper"])}</guid>
<pubDate>{_rfc822(2)}</pubDate>
<description><![CDATA[{HOSTILE_HTML}]]></description>
<content:encoded><![CDATA[{HOSTILE_HTML}]]></content:encoded>
<author>hostile@rss.example ({text})</author>
<enclosure url={quoteattr(links["javascript"])} length="1" type="audio/mpeg"/>
<enclosure url={quoteattr(links["data"])} length="1" type="text/html"/>
<media:content url={quoteattr(links["vbscript"])} medium="video" type="video/mp4"/>
<media:thumbnail url={quoteattr(links["upper"])}/>
<itunes:image href={quoteattr(links["spaced"])}/>
<source url="https://origin.example/feed.xml">{text}</source>
</item>
<item>
<title>{text}</title>
<link>{escape(links["data"])}</link>
<guid isPermaLink="false">https://rss.example/archived</guid>
<pubDate>{OLD.strftime("%a, %d %b %Y %H:%M:%S +0000")}</pubDate>
<description>{escape(HOSTILE_HTML)}</description>
</item>
</channel>
</rss>
""".encode()


def hostile_atom() -> bytes:
    links = HOSTILE_LINKS
    text = escape(HOSTILE_TEXT)
    markup = escape(HOSTILE_HTML)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base={quoteattr(links["javascript"])}>
<id>tag:atom.example,2024:hostile</id>
<title type="html">{markup}</title>
<subtitle type="xhtml">{HOSTILE_XHTML}</subtitle>
<updated>{NOW.isoformat()}</updated>
<link rel="alternate" href={quoteattr(links["javascript"])}/>
<link rel="self" href={quoteattr(links["data"])}/>
<icon>{escape(links["javascript"])}</icon>
<logo>{escape(links["data"])}</logo>
<author><name>{text}</name><uri>{escape(links["javascript"])}</uri></author>
<entry>
<id>tag:atom.example,2024:html</id>
<title type="html">{markup}</title>
<link rel="alternate" href={quoteattr(links["upper"])}/>
<published>{(NOW - timedelta(hours=3)).isoformat()}</published>
<updated>{(NOW - timedelta(hours=3)).isoformat()}</updated>
<content type="html">{markup}</content>
<summary type="html">{markup}</summary>
<link rel="enclosure" href={quoteattr(links["javascript"])} type="audio/mpeg" length="5"/>
<author><name>{text}</name><uri>{escape(links["vbscript"])}</uri>
<email>{escape(HOSTILE_TEXT)}</email></author>
<category term={quoteattr(HOSTILE_TEXT)} label={quoteattr(HOSTILE_TEXT)}/>
<source>
<id>tag:origin.example,2024:feed</id>
<title>{text}</title>
<link rel="self" href={quoteattr(links["vbscript"])}/>
<updated>{NOW.isoformat()}</updated>
</source>
</entry>
<entry xml:base={quoteattr(links["spaced"])}>
<id>tag:atom.example,2024:xhtml</id>
<title type="xhtml">{HOSTILE_XHTML}</title>
<link rel="alternate" href="relative/page"/>
<updated>{(NOW - timedelta(hours=4)).isoformat()}</updated>
<content type="xhtml">{HOSTILE_XHTML}</content>
</entry>
<entry>
<id>tag:atom.example,2024:text</id>
<title type="text">{text}</title>
<updated>{(NOW - timedelta(hours=7)).isoformat()}</updated>
<content type="text">{escape(HOSTILE_HTML)}</content>
</entry>
<entry>
<id>{escape(links["javascript"])}</id>
<title type="text">{text}</title>
<updated>{OLD.isoformat()}</updated>
<content type="text">{text}</content>
</entry>
</feed>
""".encode()


def hostile_json() -> bytes:
    links = HOSTILE_LINKS
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": HOSTILE_TEXT,
        "home_page_url": links["javascript"],
        "feed_url": links["data"],
        "next_url": links["vbscript"],
        "hubs": [{"type": "WebSub", "url": links["javascript"]}],
        "icon": links["javascript"],
        "favicon": links["data"],
        "authors": [{"name": HOSTILE_TEXT, "url": links["javascript"]}],
        "items": [
            {
                "id": "https://json.example/html",
                "title": HOSTILE_TEXT,
                "content_html": HOSTILE_HTML,
                "url": links["javascript"],
                "external_url": links["data"],
                "image": links["data"],
                "date_published": (NOW - timedelta(hours=5)).isoformat(),
                "authors": [{"name": HOSTILE_TEXT, "url": links["upper"], "avatar": links["data"]}],
                "tags": [HOSTILE_TEXT],
                "attachments": [{"url": links["javascript"], "mime_type": "text/html"}],
                "_source": {"title": HOSTILE_TEXT, "url": links["upper"]},
            },
            {
                "id": links["upper"],
                "content_html": HOSTILE_HTML,
                "url": links["spaced"],
                "date_published": (NOW - timedelta(hours=6)).isoformat(),
            },
            {
                "id": "https://json.example/recent-text",
                "title": HOSTILE_TEXT,
                "content_text": HOSTILE_HTML,
                "date_published": (NOW - timedelta(hours=8)).isoformat(),
            },
            {
                "id": "https://json.example/text",
                "title": HOSTILE_TEXT,
                "content_text": f"{HOSTILE_TEXT}\n\n{HOSTILE_HTML}",
                "url": links["vbscript"],
                "date_published": OLD.isoformat(),
            },
        ],
    }
    return json.dumps(document).encode()


# --- reading outputs as readers and browsers do ----------------------------------------------

_URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "data", "poster", "background", "cite",
        "longdesc", "lowsrc", "dynsrc", "codebase", "manifest", "ping", "xlink:href", "srcset",
    }
)  # fmt: skip
#: Elements that run script, load or embed something, submit, or restyle the page.
_LIVE_ELEMENTS = frozenset(
    {
        "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input",
        "button", "style", "svg", "math", "base", "meta", "link", "template", "noscript", "xmp",
        "textarea",
    }
)  # fmt: skip
#: Elements that show a picture or play a file: an HTML body's images and the page's
#: enclosures (issue #10) may have them, loading from absolute http(s) URLs only.
_MEDIA_ELEMENTS = frozenset({"img", "video", "audio", "source"})
_HTML_SCHEMES = frozenset({"http", "https", "mailto", ""})


def _squeezed(value: str) -> str:
    # Browsers ignore ASCII tabs and line breaks in URLs and are case-blind in schemes.
    return "".join(char for char in value if char > " ").lower()


def assert_web_link(
    value: str | None, where: str, schemes: frozenset[str] = frozenset({"http", "https"})
) -> None:
    if value is None:
        return
    assert urlsplit(_squeezed(value)).scheme in schemes, f"{where}: link {value!r}"


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: tuple[str, ...]
    children: list[Element] = field(default_factory=list)
    #: Text and child elements in document order.
    content: list[Element | str] = field(default_factory=list)

    def iter(self) -> Iterator[Element]:
        yield self
        for child in self.children:
            yield from child.iter()

    def all_text(self) -> str:
        return "".join(part if isinstance(part, str) else part.all_text() for part in self.content)


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})  # fmt: skip


class _Tree(HTMLParser):
    """An element tree, as a browser's tokenizer sees the markup (attribute values decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, ())
        self.open = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        parent = self.open[-1]
        element = Element(
            tag, {name: value or "" for name, value in attrs}, (*parent.parents, parent.tag)
        )
        parent.children.append(element)
        parent.content.append(element)
        if tag not in _VOID:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.open[-1].content.append(data)


def parse_html(markup: str) -> Element:
    tree = _Tree()
    tree.feed(markup)
    tree.close()
    return tree.root


def assert_inert_attributes(element: Element, where: str) -> None:
    if element.tag in _MEDIA_ELEMENTS:
        for name in ("src", "poster", "srcset"):
            assert_web_link(element.attrs.get(name), f"{where}: <{element.tag} {name}>")
    for name, value in element.attrs.items():
        assert not name.startswith("on"), f"{where}: <{element.tag} {name}={value!r}>"
        if name in _URL_ATTRIBUTES:
            assert_web_link(value, f"{where}: <{element.tag} {name}>", _HTML_SCHEMES)
        squeezed = _squeezed(value)
        for live in ("javascript:", "vbscript:", "expression(", "data:text/html"):
            assert live not in squeezed, f"{where}: <{element.tag} {name}={value!r}>"


def assert_inert_html(markup: str, where: str) -> Element:
    """*markup*, a field readers render as HTML, can run, load and restyle nothing."""
    root = parse_html(markup)
    for element in root.iter():
        assert element.tag not in _LIVE_ELEMENTS, f"{where}: <{element.tag}> in {markup!r}"
        assert_inert_attributes(element, where)
    return root


def assert_no_hostile_link(data: bytes, where: str) -> None:
    # Decoded as well: a link could hide behind character references.
    for form in (data.decode(), html.unescape(data.decode())):
        for marker in LINK_MARKERS:
            assert marker not in form, f"{where}: {marker!r} is there"


def read_xml(data: bytes) -> ET.Element:
    return ET.fromstring(data)  # noqa: S314 - our own output, the thing under test


_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


@dataclass(frozen=True, slots=True)
class Shown:
    """The plain-text fields of one item as a format carries them."""

    title: str
    #: The summary as a reader shows it, whitespace aside.
    summary: str
    author: str | None
    categories: tuple[str, ...]
    source: str | None


def _words(text: str) -> str:
    # Without any whitespace: formats and the page lay out paragraphs and lines differently.
    return "".join(text.split())


def check_rss(data: bytes, where: str) -> list[Shown]:
    assert_no_hostile_link(data, where)
    channel = read_xml(data).find("channel")
    assert channel is not None
    for element in channel.iter():
        if element.tag in {"link", "comments", "docs", "url"}:
            assert_web_link(element.text, f"{where} <{element.tag}>")
        if element.tag == "guid" and element.get("isPermaLink") != "false":
            assert_web_link(element.text, f"{where} <guid>")
        for name in ("href", "url", "src", _XML_BASE):
            assert_web_link(element.get(name), f"{where} <{element.tag} {name}>")
        if element.tag in {"description", _CONTENT}:
            assert_inert_html(element.text or "", f"{where} <{element.tag}>")
        if element.tag in {"title", _DC_CREATOR, "category", "source"}:
            # Plain text: no markup, only the text (which the XML parser has unescaped).
            assert len(element) == 0, f"{where}: <{element.tag}> has child elements"
    return [
        Shown(
            title=item.findtext("title", ""),
            # The plain text (as HTML), else the HTML body's text.
            summary=_words(
                parse_html(item.findtext("description") or item.findtext(_CONTENT, "")).all_text()
            ),
            author=item.findtext(_DC_CREATOR),
            categories=tuple(category.text or "" for category in item.iter("category")),
            source=item.findtext("source"),
        )
        for item in channel.iter("item")
    ]


def check_atom(data: bytes, where: str) -> list[Shown]:
    assert_no_hostile_link(data, where)
    root = read_xml(data)
    for element in root.iter():
        for name in ("href", "src", _XML_BASE):
            assert_web_link(element.get(name), f"{where} <{element.tag} {name}>")
        if element.tag in {f"{_ATOM}uri", f"{_ATOM}icon", f"{_ATOM}logo"}:
            assert_web_link(element.text, f"{where} <{element.tag}>")
        kind = element.get("type")
        if kind == "html":
            assert_inert_html(element.text or "", f"{where} <{element.tag} type=html>")
        elif kind == "xhtml":
            inner = "".join(ET.tostring(child, encoding="unicode") for child in element)
            assert_inert_html(inner, f"{where} <{element.tag} type=xhtml>")
        elif element.tag in {f"{_ATOM}title", f"{_ATOM}subtitle", f"{_ATOM}content"}:
            assert kind in {None, "text"}, f"{where}: <{element.tag} type={kind}>"
            assert len(element) == 0, f"{where}: <{element.tag}> has child elements"
    return [
        Shown(
            title=_atom_text(entry.find(f"{_ATOM}title")),
            # The plain text: the summary next to an HTML body, else the content.
            summary=_words(
                _atom_text(
                    entry.find(f"{_ATOM}summary")
                    if entry.find(f"{_ATOM}summary") is not None
                    else entry.find(f"{_ATOM}content")
                )
            ),
            author=entry.findtext(f"{_ATOM}author/{_ATOM}name"),
            categories=tuple(
                category.get("term", "") for category in entry.iter(f"{_ATOM}category")
            ),
            source=entry.findtext(f"{_ATOM}source/{_ATOM}title"),
        )
        for entry in root.iter(f"{_ATOM}entry")
    ]


def _atom_text(element: ET.Element | None) -> str:
    """The text a reader shows of an Atom text construct, by its type."""
    if element is None:
        return ""
    if element.get("type") == "html":
        return html_to_text(element.text or "")
    return element.text or ""


_JSON_URLS = frozenset(
    {"url", "external_url", "home_page_url", "feed_url", "next_url", "icon", "favicon",
     "avatar", "image", "banner_image"}
)  # fmt: skip


def _check_json_value(value: object, where: str) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in _JSON_URLS:
                assert isinstance(inner, str)
                # JSON Feed writes an author's address as a mailto: URL (it has no email key).
                schemes = (
                    _HTML_SCHEMES - {""} if ".authors[" in where else frozenset({"http", "https"})
                )
                assert_web_link(inner, f"{where}.{key}", schemes)
            elif key == "content_html":
                assert isinstance(inner, str)
                assert_inert_html(inner, f"{where}.content_html")
            else:
                _check_json_value(inner, f"{where}.{key}")
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _check_json_value(inner, f"{where}[{index}]")


def check_json(data: bytes, where: str) -> list[Shown]:
    assert_no_hostile_link(data, where)
    document = json.loads(data)
    _check_json_value(document, where)
    return [
        Shown(
            title=item["title"],
            # The plain text: content_text, or the summary next to an HTML body, else the
            # HTML body's text.
            summary=_words(
                item.get("content_text")
                or item.get("summary")
                or parse_html(item.get("content_html", "")).all_text()
            ),
            # JSON Feed 1.1: an item without authors has the feed's.
            author=(item.get("authors") or document.get("authors") or [{"name": None}])[0]["name"],
            categories=tuple(item.get("tags", ())),
            source=item["_source"]["title"] if item.get("_source") else None,
        )
        for item in document["items"]
    ]


def json_links(data: bytes) -> dict[str, str]:
    """The feed-level links of a JSON Feed."""
    document = json.loads(data)
    return {key: document[key] for key in _JSON_URLS if isinstance(document.get(key), str)}


def check_page(data: bytes, where: str) -> list[tuple[str, str]]:
    """Check the page as a browser parses it; the title and summary of each article, as shown."""
    assert_no_hostile_link(data, where)
    assert b"<script" not in data.lower()
    root = parse_html(data.decode())
    for element in root.iter():
        assert_inert_attributes(element, where)
        if element.tag in {"style", "meta", "link", "title"}:
            # The page's own head: its style sheet, metadata and autodiscovery links.
            assert "head" in element.parents, f"{where}: <{element.tag}> outside <head>"
            assert "http-equiv" not in element.attrs
        elif element.tag == "a":
            assert_web_link(
                element.attrs.get("href"), f"{where} <a>", frozenset({"http", "https", ""})
            )
        else:
            assert element.tag not in _LIVE_ELEMENTS, f"{where}: <{element.tag}>"
    (style,) = [element for element in root.iter() if element.tag == "style"]
    assert not any(
        live in style.all_text().lower() for live in ("alert", "expression", "url(", "@import")
    )
    articles = [element for element in root.iter() if element.tag == "article"]
    return [
        (
            next(child for child in article.children if child.tag == "h2").all_text(),
            _words(
                " ".join(
                    child.all_text()
                    for child in article.children
                    if child.tag == "div" and child.attrs.get("class") == "body"
                )
            ),
        )
        for article in articles
    ]


def check_feed_file(path: Path) -> list[Shown]:
    data = path.read_bytes()
    checks = {".xml": check_rss, ".atom": check_atom, ".json": check_json}
    return checks[path.suffix](data, str(path))


def assert_shown_alike(by_format: dict[str, list[Shown]]) -> None:
    """Plain text is the same text in every format: none reads it as markup."""
    shown = list(by_format.values())
    assert all(len(items) == len(shown[0]) for items in shown), by_format
    for items in zip(*shown, strict=True):
        assert len({item.title for item in items}) == 1, items
        assert len({item.summary for item in items}) == 1, items
        assert len({item.author for item in items}) == 1, items
        assert len({item.categories for item in items}) == 1, items
        # RSS and Atom name the source; JSON Feed (an extension) too.
        assert len({item.source for item in items}) == 1, items


# --- the aggregator ---------------------------------------------------------------------------


@pytest.fixture
def aggregated(tmp_path: Path) -> Aggregation:
    setup = Aggregation(tmp_path)
    setup.outputs["html"] = tmp_path / "out" / "index.html"
    setup.outputs["archive"] = tmp_path / "out" / "archive"
    feeds = FeedServer(
        {
            "/rss": lambda: (200, {"Content-Type": RSS_TYPE}, hostile_rss()),
            "/atom": lambda: (200, {"Content-Type": "application/atom+xml"}, hostile_atom()),
            "/json": lambda: (200, {"Content-Type": "application/feed+json"}, hostile_json()),
        }
    )
    try:
        setup.configure(
            [{"name": kind, "url": feeds.url(f"/{kind}")} for kind in ("rss", "atom", "json")],
            # Pages of 3: the three old items fill the first archive page, the three next
            # oldest the second, and the current feed holds the five newest.
            feed={"max_items": 3},
        )
        report = setup.run()
    finally:
        feeds.close()
    assert [source.outcome for source in report.sources] == [Outcome.OK] * 3, report
    return setup


def test_aggregated_outputs_hold_no_live_markup(aggregated: Aggregation) -> None:
    by_format = {
        kind: check_feed_file(aggregated.outputs[kind]) for kind in ("rss", "atom", "json")
    }
    assert_shown_alike(by_format)
    archived = sorted(aggregated.outputs["archive"].glob("*.xml"))
    shown = by_format["rss"] + [item for path in archived for item in check_feed_file(path)]
    # Every entry is there: none was dropped to be safe.
    assert (len(by_format["rss"]), len(shown)) == (5, 11)
    titles = [item.title for item in shown]
    # RSS and JSON Feed titles are plain text (and Atom's of type text): the markup is their text.
    # Five of the recent items and the three old ones have the hostile title.
    assert titles.count(HOSTILE_TEXT) == 8
    for item in by_format["json"]:
        assert item.author in {None, HOSTILE_TEXT}
        assert item.categories in {(), (HOSTILE_TEXT,)}
    assert HOSTILE_TEXT in {item.author for item in by_format["json"]}
    assert (HOSTILE_TEXT,) in {item.categories for item in by_format["json"]}
    assert HOSTILE_TEXT in {item.source for item in by_format["json"]}
    # A plain-text summary that reads like markup is shown as that text, in every format.
    summaries = [item.summary for item in shown]
    assert summaries.count(_words(HOSTILE_HTML)) == 2


def test_aggregated_page_holds_no_live_markup(aggregated: Aggregation) -> None:
    page = aggregated.outputs["html"]
    articles = check_page(page.read_bytes(), str(page))
    data = aggregated.outputs["json"].read_bytes()
    shown = check_json(data, "json")
    # The page shows each title, and the HTML body (else the summary) as the feeds carry it.
    bodies = [item.get("content_html") for item in json.loads(data)["items"]]
    assert articles == [
        (item.title, _words(parse_html(body).all_text()) if body else item.summary)
        for item, body in zip(shown, bodies, strict=True)
    ]
    # The page shows the current feed: three of its five items have the hostile title.
    assert [title for title, _ in articles].count(HOSTILE_TEXT) == 3


def test_archive_documents_hold_no_live_markup(aggregated: Aggregation) -> None:
    documents = sorted(aggregated.outputs["archive"].iterdir())
    assert {path.suffix for path in documents} == {".xml", ".atom", ".json"}
    first = {path.suffix: check_feed_file(path) for path in documents if "page-1." in path.name}
    assert_shown_alike(first)
    # The first page: one old item from each source.
    assert len(first[".xml"]) == 3


def test_hostile_links_are_nowhere(aggregated: Aggregation) -> None:
    written = [path for path in (aggregated.directory / "out").rglob("*") if path.is_file()]
    assert len(written) == 10  # three feeds, the page, two pages of three archive documents
    for path in written:
        assert_no_hostile_link(path.read_bytes(), str(path))


# --- the bulletin -----------------------------------------------------------------------------

BULLETIN = f"""{HOSTILE_TEXT}

{HOSTILE_HTML}
A second line: <a href="javascript:alert(1)">click</a> & more

{HOSTILE_TEXT}

1 june 2020
Second <iframe src="https://evil.example/"></iframe> headline
31 may 2020
"""


def test_bulletin_markup_stays_text(tmp_path: Path) -> None:
    # The file name is the feed's title when none is given: hostile too.
    bulletin = tmp_path / "<svg onload=alert(1)> & news.txt"
    bulletin.write_text(BULLETIN, encoding="utf-8")
    out = tmp_path / "out"
    for name in ("feed.xml", "feed.atom", "feed.json"):
        extra = ["--html", str(out / "index.html")] if name == "feed.xml" else []
        result = newsfeed(
            "build", bulletin, "-o", out / name, "--feed-url", "https://example.org/news/feed.xml",
            "--author", HOSTILE_TEXT, *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr

    by_format = {
        name: check_feed_file(out / name) for name in ("feed.xml", "feed.atom", "feed.json")
    }
    assert_shown_alike(by_format)
    assert [item.title for item in by_format["feed.json"]] == [
        HOSTILE_TEXT,
        'Second <iframe src="https://evil.example/"></iframe> headline',
    ]
    assert check_page((out / "index.html").read_bytes(), "index.html") == [
        (item.title, item.summary) for item in by_format["feed.json"]
    ]
    # The body is text: each format carries every character of it, markup included.
    document = json.loads((out / "feed.json").read_bytes())
    body = document["items"][0]["content_text"]
    assert HOSTILE_HTML in body
    assert '<a href="javascript:alert(1)">click</a> & more' in body
    channel = read_xml((out / "feed.xml").read_bytes()).find("channel")
    assert channel is not None
    description = channel.findtext("item/description", "")
    shown = parse_html(description)
    assert {element.tag for element in shown.iter()} <= {"#root", "p", "br", "a"}
    # The only links are web addresses written in the text, linked to themselves.
    for link in (element for element in shown.iter() if element.tag == "a"):
        assert link.attrs == {"href": link.all_text()}
        assert_web_link(link.attrs["href"], "linked address")
    assert HOSTILE_HTML in shown.all_text()
    page = parse_html((out / "index.html").read_bytes().decode())
    (article, _) = [element for element in page.iter() if element.tag == "article"]
    assert HOSTILE_HTML in article.all_text()
    # The file name made a title that is text everywhere too.
    title = "<svg onload=alert(1)> & news"
    assert document["title"] == title
    assert [element.all_text() for element in page.iter() if element.tag in {"title", "h1"}] == [
        title,
        title,
    ]


# --- file names are paths, never schemes ------------------------------------------------------
# A relative link is a URL: a file named "javascript:alert(1).xml" must not become a link
# that a browser runs, nor a self or archive link with that scheme.


def test_a_feed_file_named_like_a_script_link_is_linked_as_a_file(tmp_path: Path) -> None:
    bulletin = tmp_path / "news.txt"
    bulletin.write_text(BULLETIN, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    name = "javascript:alert(1).xml"
    # Without a feed URL, the page links the file relatively.
    result = newsfeed(
        "build", bulletin, "-o", out / name,
        "--link", "https://example.org/news/", "--html", out / "index.html",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    page = (out / "index.html").read_bytes()
    check_page(page, "index.html")
    root = parse_html(page.decode())
    hrefs = [
        element.attrs["href"]
        for element in root.iter()
        if element.attrs.get("type") == "application/rss+xml"
    ]
    assert len(hrefs) == 2  # the autodiscovery link and the subscribe link
    # Still the file beside the page, as a browser resolves the link.
    for href in hrefs:
        assert (out / unquote(href)).read_bytes() == (out / name).read_bytes()


def test_an_archive_folder_named_like_a_scheme_gives_web_links(tmp_path: Path) -> None:
    setup = Aggregation(tmp_path)
    setup.outputs["archive"] = tmp_path / "out" / "javascript:archive"
    feeds = FeedServer({"/json": lambda: (200, {"Content-Type": RSS_TYPE}, hostile_json())})
    try:
        setup.configure([{"name": "json", "url": feeds.url("/json")}], feed={"max_items": 2})
        report = setup.run()
    finally:
        feeds.close()

    assert [source.outcome for source in report.sources] == [Outcome.OK]
    documents = sorted(setup.outputs["archive"].iterdir())
    assert len(documents) == 3
    for path in [*documents, *(setup.outputs[kind] for kind in ("rss", "atom", "json"))]:
        check_feed_file(path)
    links = json_links(setup.outputs["json"].read_bytes())
    assert links["next_url"] == "https://combined.example/javascript%3Aarchive/page-1.json"


def test_an_output_named_like_a_scheme_gives_web_links(tmp_path: Path) -> None:
    setup = Aggregation(tmp_path)
    setup.outputs["html"] = tmp_path / "out" / "index.html"
    setup.outputs["atom"] = tmp_path / "out" / "javascript:feed.atom"
    feeds = FeedServer({"/json": lambda: (200, {"Content-Type": RSS_TYPE}, hostile_json())})
    try:
        setup.configure([{"name": "json", "url": feeds.url("/json")}])
        report = setup.run()
    finally:
        feeds.close()

    assert [source.outcome for source in report.sources] == [Outcome.OK]
    atom = setup.outputs["atom"].read_bytes()
    check_atom(atom, "atom")
    self_links = [
        link.get("href")
        for link in read_xml(atom).findall(f"{_ATOM}link")
        if link.get("rel") == "self"
    ]
    assert self_links == ["https://combined.example/javascript%3Afeed.atom"]
    check_page(setup.outputs["html"].read_bytes(), "index.html")
