"""Long bulletins: what the whole-text reader checks a part at a time is found in every part."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from newsfeed import BulletinError, parse_bulletin
from newsfeed._bulletin import (
    _NON_ASCII_DIGIT_LEADS,
    _PART,
    _SCAN,
    _lines_with_digits,
    _normalised,
    _Options,
    _read_well_formed,
)

SAMPLE = Path(__file__).parents[1] / "data" / "bulletins" / "news.txt"

# More records than the reader checks at once, and more characters than it scans at once.
RECORDS = 2 * _PART + 100


def _record_lines(index: int) -> list[str]:
    day = date(2030, 1, 1) - timedelta(days=index // 2)
    return [f"Headline {index:05}", "", f"Body of record {index:05}.", "", _date_line(day)]


def _date_line(day: date) -> str:
    months = ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december")  # fmt: skip
    return f"{day.day} {months[day.month - 1]} {day.year}"


def _bulletin(lines_of_record: dict[int, list[str]] | None = None) -> list[str]:
    lines: list[str] = []
    for index in range(RECORDS):
        lines += (lines_of_record or {}).get(index, _record_lines(index))
    return lines


def test_the_long_bulletin_reads_as_many_records() -> None:
    lines = _bulletin()
    assert len("\n".join(lines)) > 2 * _SCAN

    items = parse_bulletin("\n".join(lines) + "\n")

    assert [item.title for item in items] == [f"Headline {index:05}" for index in range(RECORDS)]


def test_a_character_a_feed_cannot_carry_is_found_past_the_first_part() -> None:
    last = RECORDS - 1
    record = _record_lines(last)
    record[2] = "Body with a \x01 control."
    lines = _bulletin({last: record})
    number = len(lines) - 2
    assert len("\n".join(lines[:number])) > _SCAN

    with pytest.raises(BulletinError) as caught:
        parse_bulletin("\n".join(lines) + "\n")

    assert [problem.line for problem in caught.value.problems] == [number]


@pytest.mark.parametrize("typo", ["10 jnue 2020", "June 10 ,2020", "10 june"])
def test_a_mistyped_date_is_found_in_a_later_part(typo: str) -> None:
    # In the body's last line, right before the date line, it is text; where a date line
    # would stand (before a record's headline), it is a typo.
    index = _PART + 50
    record = _record_lines(index)
    lines = _bulletin({index: [*record[:4], typo, record[0], *record[1:]]})
    number = 5 * index + 5

    with pytest.raises(BulletinError) as caught:
        parse_bulletin("\n".join(lines) + "\n")

    assert [problem.line for problem in caught.value.problems] == [number]


@pytest.mark.parametrize("padding", [" ", "\u00a0"])
@pytest.mark.parametrize(
    ("paragraphs", "line"),
    [(["Body."], 0), (["Body."], 2), (["Body.", "Second paragraph."], 4)],
    ids=["headline", "body", "paragraph"],
)
@pytest.mark.parametrize("side", ["before", "after"])
def test_a_padded_line_in_a_later_part_reads_stripped(
    padding: str, paragraphs: list[str], line: int, side: str
) -> None:
    index = _PART + 50
    record = _record_lines(index)
    record[2:3] = "\n\n".join(paragraphs).split("\n")
    padded = record.copy()
    padded[line] = f"{padding}{padded[line]}" if side == "before" else f"{padded[line]}{padding}"

    items = parse_bulletin("\n".join(_bulletin({index: padded})) + "\n")

    assert items == parse_bulletin("\n".join(_bulletin({index: record})) + "\n")
    assert items[index].summary == "\n\n".join(paragraphs)


def test_records_of_a_day_in_two_parts_are_told_apart_as_if_alone() -> None:
    # The first record of the second part repeats the last of the first: same title, same day.
    record = _record_lines(_PART - 1)
    lines = _bulletin({_PART: record})

    items = parse_bulletin("\n".join(lines) + "\n")
    alone = parse_bulletin("\n".join(record + record) + "\n")

    pair = items[_PART - 1 : _PART + 1]
    assert [(item.id, item.published) for item in pair] == [
        (item.id, item.published) for item in alone
    ]
    assert pair[0].id != pair[1].id


def test_dates_in_other_forms_are_read_in_a_later_part() -> None:
    index = _PART + 50
    record = _record_lines(index)
    day = date(2030, 1, 1) - timedelta(days=index // 2)
    lines = _bulletin({index: [*record[:4], day.isoformat()]})

    items = parse_bulletin("\n".join(lines) + "\n")

    assert len(items) == RECORDS
    assert items[index].published.date() == day


def test_a_date_in_other_digits_ends_a_record() -> None:
    # "١٨ june 2020" is a date line (\d is any decimal digit): never body text.
    text = "Headline\n\nBody.\n\u0661\u0668 june 2020\nNext\n\nMore.\n\n17 june 2020\n"

    items = parse_bulletin(text)

    assert [(item.title, item.published.date()) for item in items] == [
        ("Headline", date(2020, 6, 18)),
        ("Next", date(2020, 6, 17)),
    ]


def test_every_other_decimal_digit_starts_with_a_listed_byte() -> None:
    # The reader finds the lines with a digit by their UTF-8 bytes.
    leads = {
        chr(code).encode()[0]
        for code in range(0x80, sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF and chr(code).isdecimal()
    }

    assert leads == set(_NON_ASCII_DIGIT_LEADS)


@pytest.mark.parametrize("digit", [*"0123456789", "\u0661", "\u0967", "\uff11", "\U0001d7ce"])
def test_a_line_with_any_one_digit_is_found(digit: str) -> None:
    # ASCII text is looked through for each of its digits; other text by its UTF-8 bytes.
    text = f"a line\nthe digit {digit} alone\nanother line\n"

    assert list(_lines_with_digits(text)) == [1]


def test_the_sample_is_cut_out_of_the_whole_text() -> None:
    # Its last record is a headline alone; a body line mentions a date ("On June 17, ...").
    options = _Options(
        dayfirst=True, extra_months=frozenset(), allow_unordered=False, allow_empty=False
    )

    text = _normalised(SAMPLE.read_text(encoding="utf-8"))
    records = _read_well_formed(text, options)

    assert records is not None
    assert _read_well_formed(text.rstrip("\n"), options) == records
    assert len(records.days) == 21
    assert records.headlines[-1] == "Merry Christmas and Happy New Year!"
    assert records.bodies[-1] == ""
