"""Hypothesis strategies shared by the property and round-trip tests.

Each strategy produces only values the model accepts, as broadly as it
accepts them: a strategy narrower than the model would hide exactly the
inputs that break a round-trip. Where a strategy leaves something out on
purpose, a comment says why.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from newsfeed import Enclosure, Feed, FeedInfo, NewsItem, Person, Source, parse_bulletin
from newsfeed._dates import ImpossibleDateError, looks_like_date, read_date_line
from newsfeed._model import reads_as_mojibake

# What XML 1.0 cannot carry, and C1 controls that feedparser "repairs" as Windows-1252:
# the model rejects them all, so no strategy offers them. Written out here rather than
# taken from the model, so that a model that starts refusing more shows up as an error.
_UNCARRIED = (
    "".join(chr(code) for code in range(0x20) if chr(code) not in "\t\n\r")
    + "".join(chr(code) for code in range(0x7F, 0xA0))
    + "\ufffe\uffff"
)

#: Fragments that look like markup, entities or quoting to a careless exporter or reader.
TRICKY_FRAGMENTS = (
    "<b>",
    "</p>",
    "<br />",
    "<script>alert(1)</script>",
    "<![CDATA[",
    "]]>",
    "<!-- -->",
    "&",
    "&amp;",
    "&lt;",
    "&#x41;",
    "&nbsp;",
    "&copy",
    '"',
    "'",
    "«»",
    "“”",
    "—",
    "…",
    "😀",
    "👩‍💻",
    "Привет, мир",
    "ёЁ",
    "日本語",
    "עברית",
    "\t",
    "\u00a0",
    "\u2028",
    "\u200b",
    "\ufeff",
    "a  b",
    "http://example.org/",
    "x.",
    "St.",
    "Why?",
)

_CHARACTERS = st.characters(exclude_categories=("Cs",), exclude_characters=_UNCARRIED + "\n\r")


def _fragmentary_line() -> st.SearchStrategy[str]:
    """Raw, unstripped line material: arbitrary characters mixed with tricky fragments."""
    return st.lists(
        st.one_of(st.text(_CHARACTERS, min_size=1, max_size=8), st.sampled_from(TRICKY_FRAGMENTS)),
        min_size=1,
        max_size=6,
    ).map("".join)


def one_line_text() -> st.SearchStrategy[str]:
    """A non-empty single line the model accepts for a title, author, category or id.

    Any Unicode the model accepts (Cyrillic, emoji, tabs and Unicode spaces inside,
    ``U+2028``, which is text and not a line break to the model), plus markup-like
    fragments; stripped, since the model refuses surrounding whitespace.
    """
    # The filter drops what reads as UTF-8 misread as Latin-1 ("Ã©"), which the model
    # refuses because feedparser decodes it again; every character above is carried.
    return (
        _fragmentary_line().map(str.strip).filter(lambda text: text and not reads_as_mojibake(text))
    )


def summaries() -> st.SearchStrategy[str]:
    """Plain text as the model holds it: 0..N paragraphs split by exactly one blank line.

    Every line is stripped and non-empty; lines may hold markup-like text, which
    must come back literally.
    """
    paragraph = st.lists(one_line_text(), min_size=1, max_size=3).map("\n".join)
    return st.lists(paragraph, max_size=3).map("\n\n".join)


_OFFSETS = st.one_of(
    st.just(UTC),
    st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    ),
    # Offsets with seconds are real (Africa/Monrovia was -00:44:30 until 1972), though
    # RFC 822 and RFC 3339 cannot write them.
    st.integers(min_value=-86399, max_value=86399).map(
        lambda seconds: timezone(timedelta(seconds=seconds))
    ),
    # Zones with gaps and folds, a 45-minute offset, and Monrovia's old seconds.
    st.sampled_from(
        [
            ZoneInfo("Europe/Moscow"),
            ZoneInfo("America/St_Johns"),
            ZoneInfo("America/Sao_Paulo"),
            ZoneInfo("Asia/Kathmandu"),
            ZoneInfo("Africa/Monrovia"),
        ]
    ),
)


def aware_datetimes(*, min_year: int = 1970, max_year: int = 2100) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes in whole seconds, years *min_year* to *max_year*.

    Offsets range up to ±23:59, in whole minutes or with seconds, plus a few real
    zones, and times in their gaps and folds.
    """
    return st.datetimes(
        min_value=datetime(min_year, 1, 1),  # noqa: DTZ001 - bounds of a naive range, zoned below
        max_value=datetime(max_year, 12, 31, 23, 59, 59),  # noqa: DTZ001
        timezones=_OFFSETS,
    ).map(lambda moment: moment.replace(microsecond=0))


_URL_CHARACTERS = st.characters(
    exclude_categories=("Cs", "Zs", "Zl", "Zp"), exclude_characters=_UNCARRIED + "\t\n\r"
)


def urls() -> st.SearchStrategy[str]:
    """Absolute http(s) URLs with a host, as the model takes them: sometimes with a port, user
    info, an IP or Unicode host, Unicode or URL-special characters in the path, query and
    fragment."""
    label = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
    host = st.one_of(
        st.lists(label, min_size=1, max_size=3).map(".".join),
        st.just("пример.рф"),
        st.ip_addresses(v=4).map(str),
        st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
    )
    authority = st.builds(
        lambda user, name, port: f"{user}{name}{port}",
        st.sampled_from(["", "user@", "user:pass@"]),
        host,
        st.sampled_from(["", ":8080", ":1"]),
    )
    piece = st.one_of(
        st.text("abcdefghijklmnopqrstuvwxyzABC0123456789-._~!$&'()*+,;=:@%", max_size=8),
        st.text(_URL_CHARACTERS, max_size=4),
    )
    path = st.lists(piece, max_size=3).map(lambda parts: "/" + "/".join(parts))
    tail = st.one_of(st.just(""), piece.map("?".__add__), piece.map("#".__add__))
    scheme = st.sampled_from(["http", "https", "HTTP", "Https"])
    candidates = st.builds(
        lambda how, where, what, rest: f"{how}://{where}{what}{rest}", scheme, authority, path, tail
    )
    return candidates.filter(_model_takes_url)


def _model_takes_url(url: str) -> bool:
    # Hosts, ports and '&name;' runs are drawn freely; the model has the last word on which
    # of them are URLs, and the round-trip tests check that every URL it takes comes back.
    try:
        Source(title="t", url=url)
    except ValueError:
        return False
    return True


def item_ids() -> st.SearchStrategy[str]:
    """Item ids as the model takes them: the URIs newsfeed makes, web addresses, other URIs
    with a host, and any URN."""
    return st.one_of(
        st.uuids().map(lambda value: f"urn:uuid:{value}"),
        st.builds(
            lambda day, tail: f"tag:example.org,{day.isoformat()}:{tail}",
            st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31)),
            st.text("0123456789abcdef", min_size=1, max_size=20),
        ),
        urls(),
        st.builds(
            lambda scheme, url: scheme + url[url.index(":") :],
            st.sampled_from(["feed", "x-news"]),
            urls(),
        ),
        # A URN may hold any line, but not "scheme:///...", which the model refuses.
        one_line_text().map(lambda text: f"urn:x:{text}").filter(lambda text: ":///" not in text),
    )


def sources() -> st.SearchStrategy[Source]:
    """The feed an aggregated item came from."""
    return st.builds(Source, title=one_line_text(), url=urls())


def emails() -> st.SearchStrategy[str]:
    """Addresses as feeds carry them, new top-level domains (``.agency``) included."""
    return st.from_regex(
        r"[a-z0-9][a-z0-9._+-]{0,11}@[a-z0-9][a-z0-9-]{0,9}(\.[a-z]{2,8}){1,2}", fullmatch=True
    )


@st.composite
def people(draw: st.DrawFn) -> Person:
    """An author with any of name, email and web page, at least one of them."""
    name = draw(st.none() | one_line_text())
    email = draw(st.none() | emails())
    url = draw(st.none() | urls())
    if name is None and email is None and url is None:
        name = draw(one_line_text())
    return Person(name=name, email=email, url=url)


def media_types() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            ["audio/mpeg", "audio/x-m4a", "video/mp4", "application/pdf", "image/jpeg"]
        ),
        st.from_regex(r"[a-z][a-z0-9.+-]{0,10}/[a-z0-9][a-z0-9.+-]{0,15}", fullmatch=True),
    )


def enclosures() -> st.SearchStrategy[Enclosure]:
    return st.builds(
        Enclosure,
        url=urls(),
        media_type=media_types(),
        length=st.none() | st.integers(min_value=1, max_value=2**53),
    )


# Markup-special, Cyrillic, emoji and a no-break space, besides plain letters.
_BODY_CHARACTERS = "abc xyz<>&\"'Привет🚗\u00a0"


def _escaped(text: str) -> str:
    return html.escape(text, quote=False)


def html_bodies() -> st.SearchStrategy[str]:
    """HTML bodies as feeds carry them: paragraphs, links, images, lists, tables, quotes.

    Made of the elements the sanitizer keeps, with text the model accepts; some
    hostile parts (a script, an event handler) that the model removes on the way in.
    """
    # Lighter than one_line_text(): a body draws many of them.
    text = st.text(_BODY_CHARACTERS, min_size=1, max_size=12).map(str.strip).filter(bool)
    text = text.map(_escaped)
    inline = st.one_of(
        text,
        st.builds(lambda href, label: f'<a href="{html.escape(href)}">{label}</a>', urls(), text),
        st.builds(lambda label: f"<strong>{label}</strong>", text),
        st.builds(lambda label: f"<em>{label}</em>", text),
        st.builds(lambda label: f"<code>{label}</code>", text),
        st.builds(
            lambda src, alt: f'<img src="{html.escape(src)}" alt="{html.escape(alt)}">',
            urls(),
            text,
        ),
    )
    line = st.lists(inline, min_size=1, max_size=2).map(" ".join)
    block = st.one_of(
        line.map(lambda body: f"<p>{body}</p>"),
        st.lists(line, min_size=1, max_size=2).map(
            lambda rows: "<ul>" + "".join(f"<li>{row}</li>" for row in rows) + "</ul>"
        ),
        line.map(lambda body: f"<blockquote><p>{body}</p></blockquote>"),
        st.lists(line, min_size=1, max_size=2).map(
            lambda cells: (
                "<table><tbody><tr>"
                + "".join(f"<td>{cell}</td>" for cell in cells)
                + "</tr></tbody></table>"
            )
        ),
        line.map(lambda body: f"<h2>{body}</h2>"),
        st.just('<p onclick="steal()">hostile<script>alert(1)</script></p>'),
    )
    return st.lists(block, min_size=1, max_size=2).map("".join)


@st.composite
def news_items(
    draw: st.DrawFn, *, published: st.SearchStrategy[datetime] | None = None
) -> NewsItem:
    """One item with every optional field sometimes set: updated (always later), link,
    authors, categories, source, HTML body, enclosures and image."""
    when = draw(published if published is not None else aware_datetimes())
    later = st.integers(min_value=1, max_value=400 * 86400).map(lambda s: timedelta(seconds=s))
    # The rich fields are drawn for some items only: all of them on every item would be
    # more data than Hypothesis draws for one example.
    rich = draw(st.booleans())
    return NewsItem(
        id=draw(item_ids()),
        title=draw(one_line_text()),
        summary=draw(summaries()),
        published=when,
        updated=draw(st.none() | later.map(when.__add__)),
        link=draw(st.none() | urls()),
        authors=tuple(draw(st.lists(people(), max_size=2 if rich else 1, unique=True))),
        categories=tuple(draw(st.lists(one_line_text(), max_size=3, unique=True))),
        source=draw(st.none() | sources()),
        content_html=draw(html_bodies()) if rich else "",
        enclosures=tuple(
            draw(st.lists(enclosures(), max_size=2, unique_by=lambda enclosure: enclosure.url))
            if rich
            else ()
        ),
        image=draw(st.none() | urls()) if rich else None,
    )


def languages() -> st.SearchStrategy[str]:
    """Language tags as feeds write them, and any other line the model takes as one."""
    return st.one_of(
        st.sampled_from(
            ["en", "en-US", "en_US", "ru", "ru-RU", "de-CH", "zh-Hant-TW", "x-klingon"]
        ),
        one_line_text(),
    )


def feed_infos() -> st.SearchStrategy[FeedInfo]:
    """What a feed says about itself, each optional field sometimes set."""
    return st.builds(
        FeedInfo,
        title=one_line_text(),
        link=urls(),
        description=one_line_text(),
        feed_url=st.none() | urls(),
        language=st.none() | languages(),
        author=st.none() | one_line_text(),
        hubs=st.lists(urls(), max_size=2, unique=True).map(tuple),
        icon=st.none() | urls(),
        logo=st.none() | urls(),
    )


@st.composite
def feeds(draw: st.DrawFn, *, max_items: int = 6) -> Feed:
    """A feed of items with unique ids, many of them published on the same day.

    Same-day items are what a bulletin makes (midnight plus one second per
    record), so a few base days are drawn and items spread over them.
    """
    days = draw(st.lists(aware_datetimes(), min_size=1, max_size=3))
    near_a_day = st.builds(
        lambda day, seconds: day + timedelta(seconds=seconds),
        st.sampled_from(days),
        st.integers(min_value=0, max_value=30),
    )
    items = draw(
        st.lists(
            news_items(published=st.one_of(near_a_day, aware_datetimes())),
            max_size=max_items,
            unique_by=lambda item: item.id,
        )
    )
    return Feed(info=draw(feed_infos()), items=tuple(items))


# ---------------------------------------------------------------- bulletins


def _not_a_date_line(line: str) -> bool:
    try:
        return read_date_line(line) is None
    except ImpossibleDateError:
        return False


#: Lines that mention dates, or hold a date's parts, without being date lines: the format
#: reads them as text wherever they stand (the typo check must never flag them).
DATE_MENTIONS = (
    "On June 17, Mitsuba's Supplier Day was organized.",
    "Next meeting: 30 june 2020",
    "Forum 2020, 12:00",
    "18 june 2020 was a Thursday",
    "Since 2019-05-06.",
    "Euro 2020",
    "Top 10",
    "Act 2",
    "COVID-19",
    "Apollo 11, 1969",
    "Windows 10",
    "Version 2.0.1",
    "2020",
    "12:00",
    "Tel. 8 (846) 200-00-00",
    "№ 12 от 18 июня 2020 года, Самара",
    "May the force be with you",
    "March on!",
)

#: The date line typos of issue #12: each is an error where a date line stands.
DATE_TYPOS = (
    "Juen 10, 2020",
    "10 jnue 2020",
    "June 10 ,2020",
    "10 June 202",
    "10.06.20200",
    "June 10, 2O20",
    "10 june",
)

#: Lines shaped like a date without being one (a year or a day missing): a headline may be
#: one, since a date line never directly follows the previous one.
DATE_SHAPED_HEADLINES = ("9 may", "June 10", "May 2020", "Sept. 11")


def bulletin_lines() -> st.SearchStrategy[str]:
    """A line of bulletin text (headline or body) that does not read as a date line.

    Sometimes one of a few shared headlines, so that records repeat a headline (also
    spaced or cased differently, which is the same headline to the id), or a line
    whose first sentence is hard to find (the title of a record without a headline).
    """
    # A U+FEFF that starts a file is its byte-order mark, as for every UTF-8 reader, not
    # text: no line starts with one, or the first line of a bulletin would lose it.
    return st.one_of(
        one_line_text().filter(lambda line: not line.startswith("\ufeff")),
        st.sampled_from(["Supplier Day", "supplier  DAY", "Итоги недели"]),
        st.sampled_from([".", ". x", "…", "?! x", "St. Petersburg. Yes", "A. B. C.", "x" * 90]),
        # Longer than a title, so cut: where depends on the spacing.
        st.sampled_from(["ab  " * 30 + "end", "The long  " * 9 + "read. Yes"]),
        # Fine as lines, but their first sentence alone reads as UTF-8 misread as Latin-1.
        st.sampled_from(["Ã© x. Привет", "Ã©\u00a0. Привет"]),
        st.sampled_from(DATE_MENTIONS),
        # Lines that look like mistyped dates are the typo check's, never a valid body's.
    ).filter(lambda line: _not_a_date_line(line) and not looks_like_date(line.strip()))


def bulletin_headlines() -> st.SearchStrategy[str]:
    """A headline: any body line, or a line shaped like a date, which the format allows there."""
    return st.one_of(bulletin_lines(), st.sampled_from(DATE_SHAPED_HEADLINES))


_MONTHS_EN = ["january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december"]  # fmt: skip
_MONTHS_RU = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря"]  # fmt: skip


def date_lines(day: date) -> st.SearchStrategy[str]:
    """The ways a bulletin may write *day* on its date line (read day-first)."""
    return st.sampled_from(
        [
            f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}",
            f"{day.day} {_MONTHS_EN[day.month - 1].title()} {day.year}",
            f"{_MONTHS_EN[day.month - 1].title()} {day.day}, {day.year}",
            f"{day.day} {_MONTHS_RU[day.month - 1]} {day.year} г.",
            day.isoformat(),
            f"{day.day:02}.{day.month:02}.{day.year}",
        ]
    )


def bulletin_days() -> st.SearchStrategy[date]:
    """Record dates, 1970 to 2100."""
    return st.dates(min_value=date(1970, 1, 1), max_value=date(2100, 12, 31))


@st.composite
def bulletin_records(draw: st.DrawFn, *, day: date | None = None) -> list[str]:
    """The lines of one well-formed record: headline and/or body, then a date line.

    A record without a headline starts with a blank line, as the format says.
    """
    headline = draw(st.none() | bulletin_headlines())
    paragraphs = draw(
        st.lists(
            st.lists(bulletin_lines(), min_size=1, max_size=3),
            min_size=0 if headline is not None else 1,
            max_size=3,
        )
    )
    lines = [headline] if headline is not None else []
    for paragraph in paragraphs:
        lines += ["", *paragraph]
    when = day if day is not None else draw(bulletin_days())
    return [*lines, draw(date_lines(when))]


@st.composite
def bulletin_record_lists(
    draw: st.DrawFn, *, min_records: int = 1, max_records: int = 6
) -> list[list[str]]:
    """The records of a well-formed bulletin, as lists of lines, newest first, often on one day."""
    days = draw(st.lists(bulletin_days(), min_size=1, max_size=3))
    count = draw(st.integers(min_value=min_records, max_value=max_records))
    record_days = sorted((draw(st.sampled_from(days)) for _ in range(count)), reverse=True)
    return [draw(bulletin_records(day=day)) for day in record_days]


def render_bulletin(
    records: list[list[str]],
    *,
    newline: str = "\n",
    bom: bool = False,
    trailing: str = "",
    blank_lines: int = 1,
    final_newline: bool = True,
) -> str:
    """Write records as bulletin text, optionally with the variations the format allows.

    *trailing* is appended to every line; *blank_lines* blank lines stand for each
    blank line between paragraphs (the blank line that opens a record without a
    headline is kept single).
    """
    lines: list[str] = []
    for record in records:
        for index, line in enumerate(record):
            copies = blank_lines if not line and index > 0 else 1
            lines += [line + trailing] * copies
    text = newline.join(lines) + (newline if lines and final_newline else "")
    return ("\ufeff" if bom else "") + text


def bulletin_texts(*, min_records: int = 1, max_records: int = 6) -> st.SearchStrategy[str]:
    """A well-formed bulletin (at least one record, newest first), records often sharing a
    day (and sometimes a headline)."""
    return bulletin_record_lists(min_records=min_records, max_records=max_records).map(
        render_bulletin
    )


def bulletin_items(
    *, feed_url: str | None = "https://example.org/feed.xml", tz: str | tzinfo = "UTC"
) -> st.SearchStrategy[list[NewsItem]]:
    """Items exactly as :func:`newsfeed.parse_bulletin` makes them from a well-formed bulletin."""
    return bulletin_texts().map(lambda text: parse_bulletin(text, feed_url=feed_url, tz=tz))


# ---------------------------------------------------------------- hostile input

#: Characters XML 1.0 cannot carry, one of each kind: C0 controls (NUL, BEL, ESC, and those
#: ``str.strip`` takes for whitespace: VT, FF, U+001C-U+001F), C1 controls (U+0085 is also
#: whitespace to Python), lone surrogates and the noncharacters U+FFFE and U+FFFF.
UNCARRIED_SAMPLES = (
    "\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1c", "\x1f",
    "\x7f", "\x85", "\x9f", "\ud800", "\udbff", "\udc00", "\udfff", "\ufffe", "\uffff",
)  # fmt: skip


def uncarried_characters() -> st.SearchStrategy[str]:
    """One character a feed cannot carry: any of them, with the edge cases drawn often."""
    return st.one_of(st.sampled_from(UNCARRIED_SAMPLES), st.sampled_from(_UNCARRIED + "\ud800"))


def _mutate_lines(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """Apply a few random edits to a bulletin's lines: characters a feed cannot carry put
    anywhere in a line (also at its edges and on blank lines), lines deleted, duplicated or
    swapped, and stray blank lines."""
    lines = list(lines)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not lines:
            lines.append("")
        where = draw(st.integers(min_value=0, max_value=len(lines) - 1))
        edit = draw(st.sampled_from(["insert", "insert", "delete", "duplicate", "swap", "blank"]))
        if edit == "insert":
            line = lines[where]
            at = draw(st.integers(min_value=0, max_value=len(line)))
            lines[where] = line[:at] + draw(uncarried_characters()) + line[at:]
        elif edit == "delete":
            del lines[where]
        elif edit == "duplicate":
            lines.insert(where, lines[where])
        elif edit == "swap" and where + 1 < len(lines):
            lines[where], lines[where + 1] = lines[where + 1], lines[where]
        elif edit == "blank":
            lines.insert(where, draw(st.sampled_from(["", " ", "\t", "\u00a0"])))
    return lines


@st.composite
def mutated_bulletin_texts(draw: st.DrawFn) -> str:
    """A well-formed bulletin after a few random edits (see :func:`_mutate_lines`), written
    with a random mix of LF, CRLF and CR line ends, sometimes with a BOM."""
    lines = [line for record in draw(bulletin_record_lists()) for line in record]
    lines = _mutate_lines(draw, lines)
    ends = draw(
        st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines))
    )
    # A CR end before an empty line's LF end makes one CRLF: that empty line is gone, as it
    # would be in a real file; tests count lines from the text, as the parser does.
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    bom = draw(st.sampled_from(["", "", "\ufeff"]))
    return bom + (text if draw(st.booleans()) else text.rstrip("\r\n"))


#: Feed fragments a byte-level fuzzer splices into real feeds: links no reader should take
#: (empty hosts, spaces, script schemes, reference-like text) under every rel the reader
#: looks at, elements of unknown or undeclared namespaces, entities, CDATA, markup in text.
FEED_FRAGMENTS = tuple(
    [
        f'<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="{rel}" href="{href}"/>'
        for rel in ("self", "alternate", "hub", "current", "prev-archive", "next-archive")
        for href in (
            "http://",
            "https://[",
            "http://a b/",
            "http://x/?a&amp;b;",
            "javascript:x",
            "/rel",
        )
    ]
    + [f'<link rel="{rel}" href="http://"/>' for rel in ("alternate", "self", "hub", "current")]
    + [
        "<x:unknown>text</x:unknown>",
        '<cms:title xmlns:cms="urn:x-cms">Not the title</cms:title>',
        "<title>Second title</title>",
        "<guid>not a uri</guid>",
        '<guid isPermaLink="true">http://</guid>',
        "<pubDate>Mon, 32 Foo 99999 25:61:61 +9999</pubDate>",
        "<updated>0000-00-00T00:00:00Z</updated>",
        "<dc:date>9999-12-31T23:59:59-23:59</dc:date>",
        "<category></category><category> </category><category>a</category><category>a</category>",
        "<author><name>\u00c3\u00a9</name></author>",
        "&nbsp;",
        "&#0;",
        "&#xD800;",
        "&#xFFFE;",
        "<![CDATA[<p>x</p>]]>",
        "<!-- comment -->",
        '<?xml-stylesheet href="x"?>',
        "<item>",
        "</item>",
        "<entry><title>Lone</title></entry>",
        "<item><title>Lone</title></item>",
        "<script>x</script>",
    ]
)


def _cut(draw: st.DrawFn, data: bytes, _: int) -> bytes:
    return data[: draw(st.integers(min_value=0, max_value=len(data)))]


def _put_bytes(draw: st.DrawFn, data: bytes, at: int) -> bytes:
    return data[:at] + draw(st.binary(min_size=1, max_size=6)) + data[at:]


def _put_character(draw: st.DrawFn, data: bytes, at: int) -> bytes:
    # Raw, as a broken encoder writes it (a surrogate as its three UTF-8-like bytes).
    return data[:at] + draw(uncarried_characters()).encode("utf-8", "surrogatepass") + data[at:]


def _put_reference(draw: st.DrawFn, data: bytes, at: int) -> bytes:
    return data[:at] + f"&#x{ord(draw(uncarried_characters())):X};".encode() + data[at:]


def _put_fragment(draw: st.DrawFn, data: bytes, at: int) -> bytes:
    return data[:at] + draw(st.sampled_from(FEED_FRAGMENTS)).encode() + data[at:]


def _declare(draw: st.DrawFn, data: bytes, _: int) -> bytes:
    declared = draw(st.sampled_from(["ISO-8859-1", "UTF-16", "windows-1252", "koi8-r", "x-bogus"]))
    return re.sub(rb'encoding="[^"]*"', f'encoding="{declared}"'.encode(), data, count=1)


def _encode(draw: st.DrawFn, data: bytes, _: int) -> bytes:
    codec = draw(st.sampled_from(["utf-16", "utf-16-be", "cp1252", "latin-1", "koi8-r"]))
    return data.decode("utf-8", "replace").encode(codec, "xmlcharrefreplace")


def _put_bom(draw: st.DrawFn, data: bytes, _: int) -> bytes:
    return draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"])) + data


def _overwrite(draw: st.DrawFn, data: bytes, _: int) -> bytes:
    if not data:
        return data
    where = draw(st.integers(min_value=0, max_value=len(data) - 1))
    return data[:where] + bytes([draw(st.integers(0, 255))]) + data[where + 1 :]


_DOCUMENT_EDITS = (_cut, _put_bytes, _put_character, _put_reference, _put_fragment,
                   _put_fragment, _declare, _encode, _put_bom, _overwrite)  # fmt: skip


@st.composite
def mutated_documents(draw: st.DrawFn, documents: tuple[bytes, ...]) -> bytes:
    """One of *documents* after a few byte-level edits: cut short, bytes or characters a feed
    cannot carry put in (raw, and as character references), :data:`FEED_FRAGMENTS` spliced
    in, the encoding declaration changed, the text re-encoded, a BOM put in front, a byte
    overwritten. Insertions go after a ``>``, where they land among elements or in text."""
    data = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        boundaries = [index + 1 for index, byte in enumerate(data) if byte == ord(">")] or [0]
        edit = draw(st.sampled_from(_DOCUMENT_EDITS))
        data = edit(draw, data, draw(st.sampled_from(boundaries)))
    return data


def _json_values() -> st.SearchStrategy[object]:
    """Any JSON value, its strings drawn from all of Unicode (lone surrogates included)."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=10)
        | st.sampled_from(["", " ", "http://", "https://a.example/x", "2020-06-18T10:00:00Z"]),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=5), children, max_size=3)
        ),
        max_leaves=8,
    )


def _json_objects(
    keys: tuple[str, ...], good: st.SearchStrategy[object]
) -> st.SearchStrategy[dict[str, object]]:
    # Known keys with values of the right shape or of any JSON type, so the reader meets
    # both, and sometimes a key it does not know.
    value = st.one_of(good, _json_values())
    return st.dictionaries(st.sampled_from((*keys, "_x")), value, max_size=len(keys))


_JSON_ITEM_KEYS = ("id", "url", "title", "content_text", "content_html", "summary",
                   "date_published", "date_modified", "authors", "author", "tags",
                   "_source")  # fmt: skip
_JSON_FEED_KEYS = ("title", "home_page_url", "feed_url", "description", "language", "authors",
                   "author", "hubs", "next_url")  # fmt: skip
_PLAUSIBLE = st.one_of(
    st.text(),
    st.sampled_from(["https://a.example/1", "2020-06-18T10:00:00+03:00", "<p>x</p>"]),
    st.lists(st.text(max_size=5), max_size=2),
    st.just([{"name": "A", "type": "WebSub", "url": "https://hub.example/"}]),
    st.just({"title": "Src", "url": "https://src.example/"}),
)


def json_feed_documents() -> st.SearchStrategy[bytes]:
    """JSON Feed documents of any shape: fields of the right and of the wrong types."""
    document = st.builds(
        lambda fields, items, version: {**fields, "version": version, "items": items},
        _json_objects(_JSON_FEED_KEYS, _PLAUSIBLE),
        st.one_of(st.lists(_json_objects(_JSON_ITEM_KEYS, _PLAUSIBLE), max_size=4), _json_values()),
        st.sampled_from(["https://jsonfeed.org/version/1.1", "https://jsonfeed.org/version/1"]),
    )
    return st.builds(
        lambda value, ascii_only: json.dumps(value, ensure_ascii=ascii_only).encode(
            "utf-8", "surrogatepass"
        ),
        document,
        st.booleans(),
    )


def _spliced(data: bytes, insert: bytes, where: int) -> bytes:
    at = where % (len(data) + 1)
    return data[:at] + insert + data[at:]


def non_utf8_bulletin_bytes() -> st.SearchStrategy[bytes]:
    """Bulletin bytes with something that is not UTF-8 put somewhere: Latin-1, cut sequences,
    encoded surrogates, UTF-16 with its BOM."""
    spoilers = st.sampled_from(
        [b"\xff", b"\xe9", b"\xc3", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80"]
    )
    return st.one_of(
        st.builds(
            lambda text, spoiler, where: _spliced(text.encode(), spoiler, where),
            bulletin_texts(),
            spoilers,
            st.integers(min_value=0),
        ),
        bulletin_texts().map(lambda text: text.encode("utf-16")),
        st.binary(max_size=60),
    )


__all__ = [
    "FEED_FRAGMENTS",
    "TRICKY_FRAGMENTS",
    "UNCARRIED_SAMPLES",
    "aware_datetimes",
    "bulletin_days",
    "bulletin_items",
    "bulletin_lines",
    "bulletin_record_lists",
    "bulletin_records",
    "bulletin_texts",
    "date_lines",
    "feed_infos",
    "feeds",
    "item_ids",
    "json_feed_documents",
    "languages",
    "mutated_bulletin_texts",
    "mutated_documents",
    "news_items",
    "non_utf8_bulletin_bytes",
    "one_line_text",
    "render_bulletin",
    "sources",
    "summaries",
    "uncarried_characters",
    "urls",
]
