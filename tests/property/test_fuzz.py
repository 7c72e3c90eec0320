"""Fuzzing the two doors input comes in by: bulletin text and source feed bytes.

Whatever comes in, a bulletin gives items or a :class:`BulletinError` naming lines
that are there, and no line is lost or moved; feed bytes give a feed or a
:class:`FeedParseError`, and any feed read can be written out again as valid XML
or JSON. Real feeds from ``tests/data/feeds`` are mutated as well as made up.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import feedparser
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from aggregator_fixtures import NOW, Aggregation
from newsfeed import (
    BulletinError,
    Feed,
    FeedParseError,
    NewsItem,
    Outcome,
    parse_bulletin,
    parse_feed,
    to_atom,
    to_json_feed,
    to_rss,
)
from newsfeed._bulletin import decode_bulletin
from newsfeed._dates import ImpossibleDateError, read_date_line
from newsfeed._ingest import ReadFeed, read_feed
from strategies import (
    bulletin_texts,
    json_feed_documents,
    mutated_bulletin_texts,
    mutated_documents,
    non_utf8_bulletin_bytes,
    uncarried_characters,
)

CORPUS = Path(__file__).parents[1] / "data" / "feeds"
# The hand-written feeds the mutations start from: every format, real-world shapes.
ORIGINALS = tuple(
    (CORPUS / name).read_bytes()
    for name in ("rss2-content.xml", "atom-xhtml.atom", "rss1-rdf.rdf", "jsonfeed-1.1.json")
)
# Written out here rather than taken from the model: C0 controls but tab and line ends,
# DEL and the C1 controls, surrogates, and the noncharacters U+FFFE and U+FFFF.
UNCARRIED = frozenset(
    [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"]
    + [chr(code) for code in range(0x7F, 0xA0)]
    + [chr(code) for code in range(0xD800, 0xE000)]
    + ["\ufffe", "\uffff"]
)

# Every character, surrogates and controls included, with line ends and the ones a feed
# cannot carry drawn often.
_ANY_CHARACTER = st.one_of(
    st.characters(exclude_categories=()),
    uncarried_characters(),
    st.sampled_from(["\n", "\r", " ", "\t", "\u00a0", "\ufeff", "\u2028"]),
)
ANY_TEXT = st.one_of(
    st.text(_ANY_CHARACTER, max_size=80),
    mutated_bulletin_texts(),
    bulletin_texts(),
)


def parser_lines(text: str) -> list[str]:
    """The lines as docs/bulletin-format.md counts them: CR, LF, CRLF end one; a BOM is no text."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def is_date_line(line: str) -> bool:
    try:
        return read_date_line(line) is not None
    except ImpossibleDateError:
        return True


def records_as_written(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """Each record's text lines, in order, and whether its first line is a headline.

    A record ends at a date line; its first text line is a headline when no blank line
    stands between it and the previous date line (or the start).
    """
    records: list[tuple[bool, list[str]]] = []
    texts: list[str] = []
    headline = False
    blank = False
    for line in (raw.strip() for raw in lines):
        if not line:
            blank = True
        elif is_date_line(line):
            records.append((headline, texts))
            texts, headline, blank = [], False, False
        else:
            if not texts:
                headline = not blank
            texts.append(line)
    return records


def assert_accounted_for(text: str, outcome: list[NewsItem] | BulletinError) -> None:
    """No line is lost: each text line is in its record's item, in order, or in a problem."""
    lines = parser_lines(text)
    if isinstance(outcome, BulletinError):
        assert outcome.problems
        for problem in outcome.problems:
            # Every problem names a line of the text that holds text, or a character a feed
            # cannot carry that str.strip would take for whitespace.
            assert 1 <= problem.line <= len(lines), problem
            if problem.message.startswith("no records"):
                # A text without records has no line to name: it is named by its first.
                assert problem.line == 1
                assert not any(line.strip() for line in lines)
                continue
            named = lines[problem.line - 1]
            assert named.strip() or UNCARRIED & set(named), problem
        return
    records = records_as_written(lines)
    assert len(outcome) == len(records)
    for item, (headline, texts) in zip(outcome, records, strict=True):
        carried = [line for line in item.summary.split("\n") if line]
        # The headline is the title; every other line is a summary line, in the same order.
        assert texts == ([item.title] if headline else []) + carried


def parse_or_error(text: str, source: str | None = None) -> list[NewsItem] | BulletinError:
    # Any exception other than BulletinError escapes and fails the test.
    try:
        return parse_bulletin(text, source=source)
    except BulletinError as error:
        return error


@settings(max_examples=200, deadline=None)
@given(text=ANY_TEXT)
def test_any_text_gives_items_or_problems_and_loses_no_line(text: str) -> None:
    assert_accounted_for(text, parse_or_error(text))


@settings(max_examples=200, deadline=None)
@given(text=mutated_bulletin_texts())
def test_every_line_with_a_character_a_feed_cannot_carry_is_a_problem(text: str) -> None:
    outcome = parse_or_error(text)
    lines = parser_lines(text)
    bad_lines = {number for number, line in enumerate(lines, start=1) if UNCARRIED & set(line)}
    if not bad_lines:
        assert_accounted_for(text, outcome)
        return
    assert isinstance(outcome, BulletinError), "a character a feed cannot carry was let through"
    named = {
        problem.line
        for problem in outcome.problems
        if problem.message.endswith("cannot be carried by a feed")
    }
    # Each such line is named, including those where the character is all the line holds.
    assert named == bad_lines


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(non_utf8_bulletin_bytes(), bulletin_texts().map(str.encode)))
def test_any_bytes_give_items_or_problems_and_bad_utf8_names_its_line(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start: int | None = exc.start
    else:
        start = None
    try:
        outcome: object = decode_bulletin(data, source="news.txt")
    except BulletinError as error:
        outcome = error
    if start is None:
        # Valid UTF-8 reads as its text does.
        expected = parse_or_error(text, source="news.txt")
        if isinstance(expected, BulletinError):
            assert isinstance(outcome, BulletinError)
            assert outcome.problems == expected.problems
        else:
            assert outcome == expected
        return
    assert isinstance(outcome, BulletinError)
    (problem,) = outcome.problems
    # Counted in bytes: the line ends (CR, LF or CRLF) before the first byte that is wrong.
    before = data[:start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    assert problem.line == before.count(b"\n") + 1
    assert str(problem) == f"news.txt:{problem.line}: not valid UTF-8 (byte 0x{data[start]:02x})"


# ---------------------------------------------------------------- feeds


def _arbitrary_feed_bytes() -> st.SearchStrategy[bytes]:
    """Bytes that start like a feed often enough to get past the first check."""
    starts = st.sampled_from(
        [b"", b"{", b'<?xml version="1.0"?>', b"<rss version='2.0'><channel>", b"\xef\xbb\xbf{",
         b'<feed xmlns="http://www.w3.org/2005/Atom">', b"\xff\xfe<\x00"]
    )  # fmt: skip
    return st.builds(bytes.__add__, starts, st.binary(max_size=80))


def read_or_error(data: bytes, url: str | None = None) -> ReadFeed | FeedParseError:
    # Any exception other than FeedParseError escapes and fails the test.
    try:
        return read_feed(data, url=url, now=NOW)
    except FeedParseError as error:
        return error


def assert_writable(feed: Feed) -> None:
    """Every format writes the feed as a document that parses strictly, with every item."""
    for export in (to_rss, to_atom):
        document = export(feed)
        # lxml without recovery: a character XML cannot carry is a hard error here.
        etree.fromstring(document, etree.XMLParser(recover=False, resolve_entities=False))
        parsed = feedparser.parse(io.BytesIO(document))
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert len(parse_feed(document, now=NOW).items) == len(feed.items)
    document = to_json_feed(feed)
    assert len(json.loads(document)["items"]) == len(feed.items)
    assert len(parse_feed(document, now=NOW).items) == len(feed.items)


# Regressions the fuzzer found, kept so that every run tries them: references to
# surrogates (feedparser's fallback parser raised UnicodeEncodeError), archive links the
# model refuses (ArchiveLinks raised ValueError), a reference too long for int().
_RSS = (
    '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
    "<title>T</title><link>https://a.example/</link><description>d</description>{}"
    "<item><title>{}</title><guid>https://a.example/1</guid></item></channel></rss>"
)


@example(_RSS.format("", "Rocket &#55357;&#56960;").encode())
@example(_RSS.format('<atom:link rel="current" href="http://"/>', "x").encode())
@example(_RSS.format('<atom:link rel="prev-archive" href="http://x/?a&amp;b;"/>', "x").encode())
@example(_RSS.format("", "&#" + "9" * 5000 + ";").encode())
@example(b'{"version": "https://jsonfeed.org/version/1.1", "next_url": "http://", "items": []}')
@settings(max_examples=300, deadline=None)
@given(data=st.one_of(mutated_documents(ORIGINALS), _arbitrary_feed_bytes(), json_feed_documents()))
def test_any_bytes_give_a_feed_that_can_be_written_or_a_feed_parse_error(data: bytes) -> None:
    outcome = read_or_error(data, "https://source.example/feed.xml")
    # --hypothesis-show-statistics shows how often the fuzzer gets past the reader.
    event("read" if isinstance(outcome, ReadFeed) else "error")
    if isinstance(outcome, FeedParseError):
        assert outcome.reason
        return
    assert_writable(outcome.feed)


# Each example runs a whole aggregation (a state database, three outputs) in a fresh
# directory; hypothesis's health check counts that setup against the test, and a function
# scoped tmp_path would be shared between examples.
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(mutated_documents(ORIGINALS), json_feed_documents()))
def test_a_source_of_any_bytes_is_that_source_s_error_never_the_run_s(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        setup = Aggregation(Path(directory))
        (setup.directory / "fuzzed.feed").write_bytes(data)
        (setup.directory / "good.json").write_bytes(ORIGINALS[3])
        setup.configure(
            [{"name": "fuzzed", "file": "fuzzed.feed"}, {"name": "good", "file": "good.json"}]
        )
        report = setup.run()
        fuzzed, good = report.sources
        # The run's verdict on the source is the reader's, and the other source is unhurt.
        expected = read_or_error(data)
        if isinstance(expected, FeedParseError):
            assert fuzzed.outcome is Outcome.ERROR
            assert fuzzed.detail
        else:
            assert fuzzed.outcome is Outcome.OK
        assert good.outcome is Outcome.OK
        for kind, path in setup.outputs.items():
            if kind != "json":
                etree.fromstring(path.read_bytes(), etree.XMLParser(recover=False))
            assert setup.published(kind).items
