"""The bulletin format: records, their times and ids, problems with line numbers, and writing."""

from __future__ import annotations

import contextlib
import errno
import gc
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsfeed import (
    BulletinError,
    InputError,
    NewsfeedError,
    NewsItem,
    Problem,
    derive_title,
    format_bulletin,
    load_bulletin,
    parse_bulletin,
)

SAMPLE_PATH = Path(__file__).parents[1] / "data" / "bulletins" / "news.txt"
SAMPLE = SAMPLE_PATH.read_text(encoding="utf-8")
FEED_URL = "https://example.org/news/feed.xml"
NBSP = "\u00a0"


def records_of(text: str) -> list[str]:
    """The sample's records as text blocks, each ending with its date line."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.split("\n"):
        current.append(line)
        if re.fullmatch(r"\d{1,2} [a-z]+ \d{4}", line):
            blocks.append("\n".join(current))
            current = []
    assert not current
    return blocks


def at(day: str, second: int = 0) -> datetime:
    return datetime.fromisoformat(f"{day}T00:00:{second:02d}+00:00")


@pytest.fixture(scope="module")
def items() -> list[NewsItem]:
    return parse_bulletin(SAMPLE, feed_url=FEED_URL)


def test_sample_has_21_items_in_order(items: list[NewsItem]) -> None:
    assert len(items) == 21
    days = [item.published.date().isoformat() for item in items]
    assert days == [
        "2020-06-18",
        "2020-06-16",
        "2020-06-11",
        "2020-06-04",
        "2020-05-28",
        "2020-05-21",
        "2020-05-21",
        "2020-05-21",
        "2020-05-18",
        "2020-05-15",
        "2020-05-12",
        "2020-05-12",
        "2020-05-12",
        "2020-05-12",
        "2020-05-06",
        "2020-05-06",
        "2020-05-06",
        "2020-05-06",
        "2020-03-20",
        "2020-01-21",
        "2019-12-26",
    ]
    assert items[0].title == (
        "Localization projects ongoing: Mitsuba will look over 9 potential suppliers"
    )
    assert items[9].title == "Utility fees collection postponed until the end of the year"
    assert items[19].title == "Cluster of Automotive Industry joined EACN network"


def test_first_record_exactly(items: list[NewsItem]) -> None:
    assert items[0] == NewsItem(
        id=items[0].id,
        title="Localization projects ongoing: Mitsuba will look over 9 potential suppliers",
        summary=(
            "On June 17, Mitsuba's Supplier Day was organized. Such events in the form of a "
            "videoconference have become a familiar part of establishing business with new "
            "customers."
        ),
        published=at("2020-06-18"),
    )


def test_no_break_spaces_are_kept(items: list[NewsItem]) -> None:
    assert items[4].title == "Cluster member got loan approval for project implementation"
    assert items[4].summary == (
        f"The Togliatti company{NBSP}“Rulevyye sistemy” approved a loan of 192 million rubles "
        f"under the program “Components” to{NBSP}produce{NBSP}steering racks for cars{NBSP}on "
        f"the CMFB-LS platform(new{NBSP}Alliance Renault-Nissan-AVTOVAZ platform)."
    )
    assert items[4].published == at("2020-05-28")


def test_record_whose_body_starts_like_a_date(items: list[NewsItem]) -> None:
    # "May 12, Toyota plant ..." has a month and a day but is text, not a date line.
    toyota = items[10]
    assert toyota.title == "Toyota plant in St. Petersburg restarted the production"
    assert toyota.summary.startswith("May 12, Toyota plant in St. Petersburg, fully restarted")
    assert toyota.summary.endswith(
        f"concerning{NBSP}additional measures to prevent the spread of coronavirus."
    )
    assert toyota.published == at("2020-05-12", 3)


def test_headline_less_records_get_derived_titles(items: list[NewsItem]) -> None:
    eighth, seventeenth = items[7], items[16]
    assert eighth.title == (
        "Cluster of automotive industry, Alliance Renault-Nissan-Mitsubishi, as well as…"
    )
    assert eighth.summary.startswith("Cluster of automotive industry, Alliance Renault-")
    assert eighth.summary.endswith(
        "Shaeffler Supplier Day was organized in a video conference format and separate B2B."
    )
    assert eighth.published == at("2020-05-21", 0)
    assert (
        seventeenth.title
        == f"PSA Groupe{NBSP}Supplier Day was held in Togliatti{NBSP}on{NBSP}March 12"
    )
    assert seventeenth.summary.startswith(f"PSA Groupe{NBSP}Supplier Day was held in Togliatti")
    assert seventeenth.published == at("2020-05-06", 1)


def test_last_record_has_no_body(items: list[NewsItem]) -> None:
    assert items[20] == NewsItem(
        id=items[20].id,
        title="Merry Christmas and Happy New Year!",
        summary="",
        published=at("2019-12-26"),
    )


def test_every_other_record_has_a_one_paragraph_body(items: list[NewsItem]) -> None:
    for number, item in enumerate(items, start=1):
        if number != 21:
            assert item.summary
            assert "\n" not in item.summary, number


def test_same_day_records_count_seconds_upwards(items: list[NewsItem]) -> None:
    assert [item.published for item in items[5:8]] == [
        at("2020-05-21", 2),
        at("2020-05-21", 1),
        at("2020-05-21", 0),
    ]
    assert [item.published for item in items[10:14]] == [
        at("2020-05-12", 3),
        at("2020-05-12", 2),
        at("2020-05-12", 1),
        at("2020-05-12", 0),
    ]
    assert [item.published for item in items[14:18]] == [
        at("2020-05-06", 3),
        at("2020-05-06", 2),
        at("2020-05-06", 1),
        at("2020-05-06", 0),
    ]
    times = [item.published for item in items]
    assert times == sorted(times, reverse=True)
    assert len(set(times)) == 21


def test_times_in_a_named_zone() -> None:
    moscow = ZoneInfo("Europe/Moscow")
    items = parse_bulletin(SAMPLE, tz="Europe/Moscow")
    assert items[0].published == datetime(2020, 6, 18, tzinfo=moscow)
    assert items[0].published.utcoffset() == timedelta(hours=3)
    assert items[0].published.astimezone(UTC) == datetime(2020, 6, 17, 21, tzinfo=UTC)
    assert items[5].published == datetime(2020, 5, 21, 0, 0, 2, tzinfo=moscow)


def test_times_in_a_given_tzinfo() -> None:
    plus_five = timezone(timedelta(hours=5))
    items = parse_bulletin(SAMPLE, tz=plus_five)
    assert items[20].published == datetime(2019, 12, 26, tzinfo=plus_five)
    assert items[20].published.utcoffset() == timedelta(hours=5)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "", "../etc/passwd"])
def test_unknown_zone_is_a_value_error(zone: str) -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_bulletin(SAMPLE, tz=zone)


def test_a_bad_option_is_reported_before_the_texts_problems() -> None:
    with pytest.raises(ValueError, match="unknown time zone") as caught:
        parse_bulletin("Headline\n31 june 2020\n", tz="Nowhere/Atall")
    assert not isinstance(caught.value, BulletinError)


def test_tag_ids_with_a_feed_url(items: list[NewsItem]) -> None:
    for item in items:
        match = re.fullmatch(r"tag:example\.org,(\d{4}-\d{2}-\d{2}):[0-9a-f]{20}", item.id)
        assert match is not None, item.id
        assert match[1] == item.published.date().isoformat()
    assert len({item.id for item in items}) == 21


@pytest.mark.parametrize(
    ("date_line", "iso"),
    [("1 june 0999", "0999-06-01"), ("5 january 2020", "2020-01-05"), ("2020-12-31", "2020-12-31")],
)
def test_the_tag_id_holds_the_iso_date(date_line: str, iso: str) -> None:
    (item,) = parse_bulletin(f"Headline\n{date_line}\n", feed_url=FEED_URL)

    assert item.id.startswith(f"tag:example.org,{iso}:")


def test_uuid_ids_without_a_feed_url() -> None:
    items = parse_bulletin(SAMPLE)
    for item in items:
        assert item.id.startswith("urn:uuid:")
        assert uuid.UUID(item.id.removeprefix("urn:uuid:")).version == 5
    assert len({item.id for item in items}) == 21
    assert {item.id for item in items}.isdisjoint(
        item.id for item in parse_bulletin(SAMPLE, feed_url=FEED_URL)
    )


def test_feed_url_without_a_host_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="host"):
        parse_bulletin(SAMPLE, feed_url="file:///srv/feed.xml")


def test_ids_are_the_same_on_every_parse(items: list[NewsItem]) -> None:
    assert parse_bulletin(SAMPLE, feed_url=FEED_URL) == items


def ids_by_title(text: str) -> dict[str, str]:
    # Reordered records are out of newest-first order: allowed, to see what ids do then.
    items = parse_bulletin(text, feed_url=FEED_URL, allow_unordered=True)
    return {item.title: item.id for item in items}


def test_ids_survive_adding_a_record_at_the_top(items: list[NewsItem]) -> None:
    grown = parse_bulletin(
        "Fresh news\n\nSomething happened.\n\n18 june 2020\n" + SAMPLE, feed_url=FEED_URL
    )
    # The new record shares its day with the old top one and counts above it.
    assert grown[0].published == at("2020-06-18", 1)
    assert grown[1:] == items


def test_ids_survive_removing_and_reordering_records(items: list[NewsItem]) -> None:
    before = {item.title: item.id for item in items}
    records = records_of(SAMPLE)
    del records[12]  # one of four records on 12 May
    del records[2]
    records[0], records[1] = records[1], records[0]
    after = ids_by_title("\n".join(records))
    assert len(after) == 19
    for title, id_ in after.items():
        assert before[title] == id_


def test_ids_survive_whitespace_and_case_changes(items: list[NewsItem]) -> None:
    respaced = SAMPLE.replace("\n", "  \r\n").replace(" ", "  ").upper()
    changed = parse_bulletin(respaced, feed_url=FEED_URL)
    assert [item.id for item in changed] == [item.id for item in items]
    assert changed[0].title != items[0].title


def test_ids_of_derived_titles_survive_respacing_the_body() -> None:
    body = (
        "Cluster of automotive industry, Alliance Renault-Nissan-Mitsubishi, as well as a "
        "number of its Tier-1 suppliers, decided to organize separate business events."
    )
    plain = parse_bulletin(f"\n{body}\n21 may 2020\n", feed_url=FEED_URL)[0]
    # Double spaces would move the point where the long first sentence is cut: the title is
    # derived from the single-spaced text, so neither it nor the id moves.
    spaced = parse_bulletin(f"\n{body.replace(', ', ',  ')}\n21 may 2020\n", feed_url=FEED_URL)[0]
    rewrapped_body = body.replace(" as well", "\nas well")
    rewrapped = parse_bulletin(f"\n{rewrapped_body}\n21 may 2020\n", feed_url=FEED_URL)[0]
    assert spaced.title == plain.title
    assert spaced.id == plain.id
    assert rewrapped.id == plain.id


def test_ids_change_with_the_headline_or_day() -> None:
    one = parse_bulletin("A headline\n18 june 2020\n", feed_url=FEED_URL)[0]
    other = parse_bulletin("Another headline\n18 june 2020\n", feed_url=FEED_URL)[0]
    later = parse_bulletin("A headline\n19 june 2020\n", feed_url=FEED_URL)[0]
    assert len({one.id, other.id, later.id}) == 3


def test_duplicate_records_get_distinct_ids() -> None:
    record = "Plant restarted\n\nThe plant restarted.\n\n12 may 2020\n"
    items = parse_bulletin(record * 3, feed_url=FEED_URL)
    assert len({item.id for item in items}) == 3
    assert [item.published for item in items] == [at("2020-05-12", s) for s in (2, 1, 0)]
    # Another copy at the top leaves the ids of the older ones as they were.
    grown = parse_bulletin(record * 4, feed_url=FEED_URL)
    assert grown[1:] == items
    without_url = parse_bulletin(record * 2)
    assert without_url[0].id != without_url[1].id


def problems_of(text: str) -> tuple[Problem, ...]:
    with pytest.raises(BulletinError) as caught:
        parse_bulletin(text, source="news.txt")
    return caught.value.problems


def sample_lines() -> list[str]:
    return SAMPLE.split("\n")


def test_text_after_the_last_date_line() -> None:
    (problem,) = problems_of(SAMPLE + "\nAn unfinished record\n\nwith a body\n")
    assert problem == Problem(
        source="news.txt",
        line=101,
        message="text after the last date line (a record must end with a date)",
    )
    assert str(problem) == (
        "news.txt:101: text after the last date line (a record must end with a date)"
    )


def test_text_after_the_last_date_line_of_a_headline_less_record() -> None:
    # The problem is where the text starts, not at the blank lines before it.
    (problem,) = problems_of("Headline\n18 june 2020\n\n\nA body left open\n")
    assert problem.line == 5
    assert "text after the last date line" in problem.message


def test_impossible_date() -> None:
    lines = sample_lines()
    assert lines[43] == "18 may 2020"
    lines[43] = "30 february 2020"
    (problem,) = problems_of("\n".join(lines))
    assert problem.line == 44
    assert str(problem).startswith("news.txt:44: impossible date '30 february 2020'")


def test_record_with_neither_headline_nor_body() -> None:
    lines = sample_lines()
    lines.insert(5, "17 june 2020")  # right after the first date line
    (problem,) = problems_of("\n".join(lines))
    assert str(problem) == (
        "news.txt:6: record with neither headline nor body before this date line"
    )
    (problem,) = problems_of("Headline\n18 june 2020\n\n\n17 june 2020\n")
    assert problem.line == 5
    (problem,) = problems_of("18 june 2020\n")
    assert problem.line == 1
    # The text's first line is no record's end, even when a record follows it.
    (problem,) = problems_of("18 june 2020\n\nBody.\n\n17 june 2020\n")
    assert problem.line == 1


def test_headline_spanning_lines() -> None:
    lines = sample_lines()
    assert lines[44] == "Utility fees collection postponed until the end of the year"
    lines.insert(45, "and then some")
    (problem,) = problems_of("\n".join(lines))
    assert problem.line == 46
    assert str(problem).startswith("news.txt:46: headline spans lines")


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("Bell\x07 rings\n18 june 2020\n", 1, "0007"),
        ("Звонок\x07\n18 june 2020\n", 1, "0007"),
        # Mojibake is found in its own line, whatever the rest of the text holds.
        ("Новости\n\nCafÃ© opens\n\n18 june 2020\n", 3, "00C3"),
        ("News\n\nCafÃ© opens\n\n18 june 2020\n", 3, "00C3"),
    ],
)
def test_characters_a_feed_cannot_carry(text: str, line: int, code: str) -> None:
    (problem,) = problems_of(text)
    assert str(problem) == f"news.txt:{line}: character U+{code} cannot be carried by a feed"


def test_every_problem_is_reported_at_once() -> None:
    lines = sample_lines()
    lines[43] = "30 february 2020"
    lines.insert(45, "and then some")
    lines.insert(5, "17 june 2020")
    text = "\n".join(lines) + "\nAn unfinished record"
    problems = problems_of(text)
    assert [problem.line for problem in problems] == [6, 45, 47, 103]
    error = BulletinError(problems)
    assert str(error).splitlines() == [str(problem) for problem in problems]


def test_problems_without_a_source_name_the_bulletin() -> None:
    with pytest.raises(BulletinError) as caught:
        parse_bulletin("Headline\n31 june 2020\n")
    assert str(caught.value.problems[0]).startswith("<bulletin>:2: impossible date")


def test_load_bulletin_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "news.txt"
    path.write_text("Headline\n31 june 2020\n", encoding="utf-8")
    with pytest.raises(BulletinError) as caught:
        load_bulletin(path)
    (problem,) = caught.value.problems
    assert problem.source == str(path)
    assert str(problem).startswith(f"{path}:2: impossible date")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_load_bulletin_stops_at_max_bytes_and_names_the_line(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "news.txt"
    text = newline.join(["First", "", "12.05.2020", "", "Second", "", "11.05.2020", ""])
    path.write_bytes(text.encode())
    cut = text.index("Second") + 2  # in the middle of line 5

    with pytest.raises(BulletinError) as caught:
        load_bulletin(path, max_bytes=cut)

    (problem,) = caught.value.problems
    assert (problem.source, problem.line) == (str(path), 5)
    assert problem.message == f"the bulletin goes on past {cut} bytes, the most read (max_bytes)"
    assert len(load_bulletin(path, max_bytes=len(text))) == 2


def test_load_bulletin_reads_the_sample() -> None:
    assert load_bulletin(SAMPLE_PATH, feed_url=FEED_URL) == parse_bulletin(
        SAMPLE, feed_url=FEED_URL
    )


def test_load_bulletin_passes_its_options(tmp_path: Path) -> None:
    path = tmp_path / "nachrichten.txt"
    path.write_text("Neuigkeiten\n18. Juni 2020\nAlt\n02.01.2020\n", encoding="utf-8")
    items = load_bulletin(path, tz="Europe/Berlin", dayfirst=False, month_names={"juni": 6})
    assert [item.published for item in items] == [
        datetime(2020, 6, 18, tzinfo=ZoneInfo("Europe/Berlin")),
        datetime(2020, 2, 1, tzinfo=ZoneInfo("Europe/Berlin")),
    ]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_load_bulletin_reports_bytes_that_are_not_utf8(tmp_path: Path, newline: bytes) -> None:
    lines = SAMPLE.encode().split(b"\n")
    lines[51] = lines[51].replace(b"Toyota", b"Toyota \xff", 1)
    path = tmp_path / "news.txt"
    path.write_bytes(newline.join(lines))
    with pytest.raises(BulletinError) as caught:
        load_bulletin(path)
    (problem,) = caught.value.problems
    assert problem.line == 52
    assert problem.source == str(path)
    assert str(problem) == f"{path}:52: not valid UTF-8 (byte 0xff)"


@pytest.mark.parametrize(("name", "errno_name"), [("missing.txt", "ENOENT"), ("folder", "EISDIR")])
def test_a_bulletin_file_that_cannot_be_read_is_an_input_error_naming_it(
    tmp_path: Path, name: str, errno_name: str
) -> None:
    (tmp_path / "folder").mkdir()
    path = tmp_path / name

    with pytest.raises(InputError) as caught:
        load_bulletin(path)

    assert isinstance(caught.value, NewsfeedError)
    assert isinstance(caught.value, OSError)
    assert caught.value.path == caught.value.filename == str(path)
    assert caught.value.errno == getattr(errno, errno_name)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda text: "\ufeff" + text, id="BOM"),
        pytest.param(lambda text: text.replace("\n", "\r\n"), id="CRLF"),
        pytest.param(lambda text: text.replace("\n", "\r"), id="CR"),
        pytest.param(lambda text: text.replace("\n", " \t \n") + "  ", id="trailing-spaces"),
        pytest.param(lambda text: text + "\n", id="final-newline"),
        pytest.param(lambda text: text + "\n\n\n\n", id="blank-lines-at-end"),
        pytest.param(lambda text: text.replace("\n\n", "\n\n\n\n"), id="blank-runs"),
        pytest.param(lambda text: text.replace("\n\n", "\n   \t\n"), id="whitespace-only-lines"),
        pytest.param(
            lambda text: (
                "\ufeff" + text.replace("\n", "  \r\n").replace("\r\n\r\n", "\r\n\r\n\r\n")
            ),
            id="all-at-once",
        ),
    ],
)
def test_layout_does_not_change_items(items: list[NewsItem], variant: Callable[[str], str]) -> None:
    text = variant(SAMPLE)
    assert text != SAMPLE
    assert parse_bulletin(text, feed_url=FEED_URL) == items


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff\r\n"])
def test_a_bulletin_without_records_is_an_error_unless_allowed(text: str) -> None:
    with pytest.raises(BulletinError) as caught:
        parse_bulletin(text, source="news.txt")

    assert [str(problem) for problem in caught.value.problems] == [
        "news.txt:1: no records: a bulletin holds at least one (allow_empty to accept none)"
    ]
    assert parse_bulletin(text, allow_empty=True) == []


def test_several_paragraphs_and_lines() -> None:
    (item,) = parse_bulletin(
        "Headline\n\nFirst line\n  second line  \n\n\n\nNext paragraph\n\n1 june 2020"
    )
    assert item.title == "Headline"
    assert item.summary == "First line\nsecond line\n\nNext paragraph"


def test_unicode_line_separators_are_not_line_breaks() -> None:
    # Only CR and LF end lines; U+2028 inside a line is text.
    (item,) = parse_bulletin("Headline\n\nOne\u2028two\n1 june 2020")
    assert item.summary == "One\u2028two"


@pytest.mark.parametrize(
    ("summary", "title"),
    [
        ("Plant restarted. More text follows.", "Plant restarted"),
        ("What happened? Nobody knows.", "What happened?"),
        ("Great news! Really.", "Great news!"),
        ("No full stop at all", "No full stop at all"),
        ("Ends with a full stop.", "Ends with a full stop"),
        (
            "Toyota plant in St. Petersburg restarted. It was closed.",
            "Toyota plant in St. Petersburg restarted",
        ),
        ("It costs 2.5 rubles. Cheap.", "It costs 2.5 rubles"),
        (
            "Lines of the first\nparagraph are joined. Yes.",
            "Lines of the first paragraph are joined",
        ),
        ("Only the first paragraph\n\ncounts.", "Only the first paragraph"),
    ],
)
def test_derive_title_takes_the_first_sentence(summary: str, title: str) -> None:
    assert derive_title(summary) == title


def test_derive_title_cuts_long_sentences_at_a_word_boundary() -> None:
    words = "Cluster of automotive industry, Alliance Renault-Nissan-Mitsubishi, as well as a"
    assert len(words) == 80
    title = derive_title(words + " number of its Tier-1 suppliers decided something.")
    assert title == (
        "Cluster of automotive industry, Alliance Renault-Nissan-Mitsubishi, as well as…"
    )
    assert len(title) <= 80


def test_derive_title_length_limit() -> None:
    exactly = "word " * 15 + "abcd"  # 79 characters
    assert derive_title(exactly) == exactly
    assert derive_title(exactly + "e") == exactly + "e"  # 80 fit
    assert derive_title(exactly + "ef") == "word " * 14 + "word…"
    unbroken = "x" * 100
    assert derive_title(unbroken) == "x" * 79 + "…"


def test_format_bulletin_round_trips_the_sample(items: list[NewsItem]) -> None:
    written = format_bulletin(items)
    # The same text, but for the final newline the sample lacks.
    assert written == SAMPLE + "\n"
    assert parse_bulletin(written, feed_url=FEED_URL) == items


def test_format_bulletin_round_trips_edge_cases() -> None:
    text = (
        "\nA record without headline. Its derived title.\n\n12 may 2020\n"
        "Same day, same title\n12 may 2020\n"
        "Same day, same title\n12 may 2020\n"
        "Headline different from the body\n\nBody.\n\nSecond paragraph\nwith two lines.\n\n"
        "11 may 2020\n"
    )
    items = parse_bulletin(text, feed_url=FEED_URL)
    assert items[0].title == "A record without headline"
    assert format_bulletin(items) == text
    assert parse_bulletin(format_bulletin(items), feed_url=FEED_URL) == items


def test_format_bulletin_writes_a_title_the_summary_would_not_give() -> None:
    item = NewsItem(
        id="urn:example:1",
        title="Plant restarted",
        summary="Plant restarted. Production resumed.",
        published=at("2020-05-12"),
    )
    assert format_bulletin([item]) == "\nPlant restarted. Production resumed.\n\n12 may 2020\n"
    renamed = NewsItem(
        id="urn:example:1",
        title="Good news",
        summary=item.summary,
        published=at("2020-05-12"),
    )
    assert format_bulletin([renamed]) == (
        "Good news\n\nPlant restarted. Production resumed.\n\n12 may 2020\n"
    )


def test_format_bulletin_writes_the_date_in_the_items_zone() -> None:
    late = datetime(2020, 6, 18, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    item = NewsItem(id="urn:example:1", title="Late", published=late)
    assert format_bulletin([item]) == "Late\n18 june 2020\n"


@pytest.mark.parametrize("title", ["18 june 2020", "June 18, 2020", "2020-06-18", "31 june 2020"])
def test_format_bulletin_rejects_titles_that_read_as_dates(title: str) -> None:
    item = NewsItem(id="urn:example:1", title=title, published=at("2020-06-18"))
    with pytest.raises(ValueError, match="date line"):
        format_bulletin([item])


def test_format_bulletin_rejects_body_lines_that_read_as_dates() -> None:
    item = NewsItem(
        id="urn:example:1",
        title="Calendar",
        summary="The next meeting:\n18 june 2020",
        published=at("2020-06-18"),
    )
    with pytest.raises(ValueError, match="urn:example:1"):
        format_bulletin([item])


def test_format_bulletin_of_nothing_is_empty() -> None:
    assert format_bulletin([]) == ""


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("text", ["Headline\n\nBody.\n\n18 june 2020\n", "Juen 10, 2020\n"])
def test_parsing_leaves_the_garbage_collector_as_it_found_it(text, enabled):
    # The parse pauses the collector (nothing it makes is a cycle); a valid bulletin and one
    # with a problem alike hand it back in the state they found it.
    (gc.enable if enabled else gc.disable)()
    try:
        with contextlib.suppress(BulletinError):
            parse_bulletin(text)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
