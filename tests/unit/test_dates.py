"""Date lines: which lines end a record, and the day they name."""

from __future__ import annotations

import re
import sys
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed._dates import (
    _LAST_LETTERS,
    _PLAIN_NAMED,
    ImpossibleDateError,
    _named_fields,
    format_date_line,
    month_table,
    read_date_line,
)

JUNE_18 = date(2020, 6, 18)


@pytest.mark.parametrize(
    "line",
    [
        "18 june 2020",
        "June 18, 2020",
        "June 18 2020",
        "2020-06-18",
        "18.06.2020",
        "18/06/2020",
        "18-06-2020",
        "18 June 2020",
        "18 JUNE 2020",
        "jUnE 18, 2020",
        "18 jun 2020",
        "Jun. 18, 2020",
        "18th June 2020",
        "June 18th, 2020",
        "  18 june 2020  ",
        "18 june  2020",
    ],
)
def test_english_and_numeric_date_lines(line: str) -> None:
    assert read_date_line(line) == JUNE_18


@pytest.mark.parametrize(
    "line",
    [
        "18 июня 2020",  # genitive, as dates are written
        "18 июнь 2020",  # nominative
        "18 ИЮНЯ 2020",
        "18 Июня 2020",
        "18 июн 2020",
        "18 июня 2020 г.",
        "18 июня 2020 года",
    ],
)
def test_russian_date_lines(line: str) -> None:
    assert read_date_line(line) == JUNE_18


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("1 января 2021", date(2021, 1, 1)),
        ("28 февраля 2021", date(2021, 2, 28)),
        ("8 марта 2020", date(2020, 3, 8)),
        ("12 апреля 2020", date(2020, 4, 12)),
        ("9 мая 2020", date(2020, 5, 9)),
        ("9 май 2020", date(2020, 5, 9)),
        ("4 июля 2020", date(2020, 7, 4)),
        ("31 августа 2020", date(2020, 8, 31)),
        ("1 сентября 2020", date(2020, 9, 1)),
        ("7 ноября 2020", date(2020, 11, 7)),
        ("31 декабря 2020", date(2020, 12, 31)),
        ("3 october 2020", date(2020, 10, 3)),
        ("3 sept 2020", date(2020, 9, 3)),
    ],
)
def test_every_month(line: str, expected: date) -> None:
    assert read_date_line(line) == expected


def test_extra_month_names() -> None:
    german = month_table({"juni": 6, "Mai": 5, "März": 3})
    assert read_date_line("18 juni 2020", extra_months=german) == JUNE_18
    assert read_date_line("18. Juni 2020", extra_months=german) == JUNE_18
    assert read_date_line("Juni 18, 2020", extra_months=german) == JUNE_18
    assert read_date_line("3 MAI 2020", extra_months=german) == date(2020, 5, 3)
    assert read_date_line("8 März 2020", extra_months=german) == date(2020, 3, 8)
    # Built-in names still work alongside the extra ones.
    assert read_date_line("18 june 2020", extra_months=german) == JUNE_18
    # Without the table, a German month is not a date.
    assert read_date_line("18 juni 2020") is None


def test_extra_month_names_win_over_built_in_ones() -> None:
    assert read_date_line("3 mar 2020", extra_months=month_table({"mar": 5})) == date(2020, 5, 3)


@pytest.mark.parametrize(
    "table",
    [{"juni": 13}, {"juni": 0}, {"juni": "6"}, {"": 6}, {"ju ni": 6}, {"6": 6}],
    ids=repr,
)
def test_bad_month_tables_are_rejected(table: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="month_names"):
        month_table(table)  # type: ignore[arg-type]


def test_iso_dates_are_year_month_day_whatever_dayfirst_says() -> None:
    # dateutil with dayfirst=True reads this as 6 November.
    assert read_date_line("2020-06-11") == date(2020, 6, 11)
    assert read_date_line("2020-06-11", dayfirst=False) == date(2020, 6, 11)
    assert read_date_line("2020-6-1") == date(2020, 6, 1)


def test_dayfirst_orders_numeric_dates() -> None:
    assert read_date_line("06.11.2020") == date(2020, 11, 6)
    assert read_date_line("06/11/2020", dayfirst=False) == date(2020, 6, 11)
    # Named months are never ambiguous.
    assert read_date_line("18 june 2020", dayfirst=False) == JUNE_18


@pytest.mark.parametrize(
    ("line", "dayfirst"),
    [
        ("31 june 2020", True),
        ("31 июня 2020", True),
        ("June 31, 2020", True),
        ("2020-02-30", True),
        ("2020-13-01", True),
        ("29 feb 2021", True),
        ("0 may 2020", True),
        ("32 may 2020", True),
        ("31.06.2020", True),
        # With dayfirst the 25 is a month: the order is not swapped to make it fit.
        ("12.25.2020", True),
        ("25.12.2020", False),
        # Year 0 does not exist; a four-digit year is not moved into this century.
        ("18 june 0000", True),
    ],
)
def test_impossible_dates_raise(line: str, dayfirst: bool) -> None:  # noqa: FBT001 - parametrized
    with pytest.raises(ImpossibleDateError, match="impossible date"):
        read_date_line(line, dayfirst=dayfirst)


def test_impossible_date_is_a_value_error_naming_the_text() -> None:
    with pytest.raises(ValueError, match="'31 june 2020'"):
        read_date_line("31 june 2020")


def test_leap_day_and_early_years() -> None:
    assert read_date_line("29 feb 2020") == date(2020, 2, 29)
    assert read_date_line("1 june 0001") == date(1, 6, 1)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "2020",
        "June 2020",
        "18 june",
        "May 12, Toyota plant in St. Petersburg, fully restarted the production",
        "12 may 2020 was a Tuesday",
        "On 12 may 2020",
        "Monday, 18 June 2020",
        "18 junio 2020",
        "18 ju 2020",
        "18.06.20",
        "2020/06/18",
        "18 june 2020 10:00",
        "Sales of new cars in Russia fell by 64% due to COVID-19 pandemic",
        "Merry Christmas and Happy New Year!",
        "1234 june 2020",
    ],
)
def test_text_is_not_a_date_line(line: str) -> None:
    assert read_date_line(line) is None


@pytest.mark.parametrize(
    ("day", "line"),
    [
        (date(2020, 6, 18), "18 june 2020"),
        (date(2019, 12, 26), "26 december 2019"),
        (date(2020, 5, 1), "1 may 2020"),
        (date(2021, 9, 30), "30 september 2021"),
    ],
)
def test_format_date_line_reads_back(day: date, line: str) -> None:
    assert format_date_line(day) == line
    assert read_date_line(line) == day


@pytest.mark.parametrize(
    "line",
    ["18 ИЮНЯ 2020 Г.", "18 июня 2020 Г", "18 июня 2020 ГОДА", "١٨.٠٦.٢٠٢٠", "18 june ٢٠٢٠"],
)
def test_date_lines_ending_in_any_case_or_script(line: str) -> None:
    assert read_date_line(line) == JUNE_18


def test_the_shortcut_on_the_last_character_lets_every_date_line_through() -> None:
    # read_date_line skips the patterns for a line that no date line could end like: every
    # character the patterns' last digit or letter can match must be let through.
    ending = re.compile(r"\d|г|а", re.IGNORECASE)
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (ending.fullmatch(char) is not None) == (
            char.isdecimal() or char in _LAST_LETTERS
        ), f"U+{code:04X}"


@pytest.mark.parametrize("line", ["Text.", ".", "г", "June 2020.", "18 june 2020."])
def test_lines_ending_like_no_date(line: str) -> None:
    assert read_date_line(line) is None


@settings(max_examples=300, deadline=None)
@given(text=st.from_regex(_PLAIN_NAMED, fullmatch=True))
def test_a_date_written_as_the_sample_writes_it_is_read_as_any_named_date(text):
    # read_date_line reads "18 june 2020" by a simple pattern first, for speed: it must take
    # from such a line what the general pattern of named dates takes (digits and month names
    # of every script included).
    assert _named_fields(text) == _PLAIN_NAMED.fullmatch(text).groups()
