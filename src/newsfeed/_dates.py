"""Recognising and reading the date line that ends every bulletin record."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

_ENGLISH = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)
# Nominative (январь) and genitive (января, as in "18 июня 2020"), plus common abbreviations.
_RUSSIAN = (
    ("январь", "января", "янв"),
    ("февраль", "февраля", "фев"),
    ("март", "марта", "мар"),
    ("апрель", "апреля", "апр"),
    ("май", "мая"),
    ("июнь", "июня", "июн"),
    ("июль", "июля", "июл"),
    ("август", "августа", "авг"),
    ("сентябрь", "сентября", "сен", "сент"),
    ("октябрь", "октября", "окт"),
    ("ноябрь", "ноября", "ноя"),
    ("декабрь", "декабря", "дек"),
)
_BUILTIN_MONTHS = {
    name: number
    for table in (_ENGLISH, _RUSSIAN)
    for number, names in enumerate(table, start=1)
    for name in names
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4})")
_DAY_SUFFIX = r"(?:st|nd|rd|th)?\.?"
_WORD = r"[^\W\d_]+\.?"
# "18 june 2020", "18 июня 2020 г.", "June 18, 2020", "18. Juni 2020"
_NAMED = re.compile(
    rf"(?:(?P<day1>\d{{1,2}}){_DAY_SUFFIX}\s+(?P<month1>{_WORD}),?"
    rf"|(?P<month2>{_WORD})\s+(?P<day2>\d{{1,2}}){_DAY_SUFFIX},?)"
    rf"\s*(?P<year>\d{{4}})(?:\s*г\.?|\s+года)?",
    re.IGNORECASE,
)


# Every date line ends with a digit (\d: what str.isdecimal accepts), with "г", "г." or
# "года"; these are the only letters that match the last of them under re.IGNORECASE.
# Checking the end of a line first spares the regular expressions the lines of prose.
_LAST_LETTERS = frozenset("гГаА")


def format_date_line(day: date) -> str:
    """A date line as the sample bulletin writes it: ``18 june 2020``."""
    return f"{day.day} {_ENGLISH[day.month - 1][0]} {day.year}"


class ImpossibleDateError(ValueError):
    """A line shaped like a date names a day that does not exist."""


@lru_cache(maxsize=16)
def _months(extra: frozenset[tuple[str, int]]) -> Mapping[str, int]:
    # User-given names win over the built-in ones, so a table can redefine an abbreviation.
    return {**_BUILTIN_MONTHS, **dict(extra)}


def month_table(month_names: Mapping[str, int] | None) -> frozenset[tuple[str, int]]:
    """Check user-given month names and freeze them for caching."""
    if not month_names:
        return frozenset()
    for name, number in month_names.items():
        if not isinstance(number, int) or not 1 <= number <= 12:  # noqa: PLR2004 - months
            raise ValueError(f"month_names[{name!r}] must be a month number 1-12, not {number!r}")
        if not name.strip() or not name.replace(".", "").isalpha():
            raise ValueError(f"month_names: {name!r} is not a word")
    return frozenset((name.casefold().rstrip("."), number) for name, number in month_names.items())


def read_date_line(
    line: str,
    *,
    dayfirst: bool = True,
    extra_months: frozenset[tuple[str, int]] = frozenset(),
) -> date | None:
    """Return the date a line holds, or ``None`` if the line is not a date line.

    A line is a date line when its whole text has the shape of a date: day,
    month and year. A line of that shape naming a day that does not exist
    (``31 june 2020``) raises :class:`ImpossibleDateError` rather than being
    taken for text. *dayfirst* orders the numbers of ``01.02.2020``; ISO dates
    (``2020-02-01``) are always year, month, day.
    """
    text = line.strip()
    # A full stop ends a date only in "г.": the character before it decides.
    last = text[-2:-1] if text.endswith(".") else text[-1:]
    if not (last.isdecimal() or last in _LAST_LETTERS):
        return None
    # The fields are read here rather than by dateutil, which reads "2020-06-11" as
    # 6 November when dayfirst is set, silently swaps day and month when the month
    # would be over 12 ("12.25.2020") and moves the years 0-99 into this century.
    iso = _ISO.fullmatch(text)
    numeric = None if iso else _NUMERIC.fullmatch(text)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
    elif numeric is not None:
        first, second, year = (int(part) for part in numeric.groups())
        day, month = (first, second) if dayfirst else (second, first)
    else:
        named = _NAMED.fullmatch(text)
        if named is None:
            return None
        month_name = (named["month1"] or named["month2"]).rstrip(".").casefold()
        known = _months(extra_months).get(month_name)
        if known is None:
            return None
        month = known
        day = int(named["day1"] or named["day2"])
        year = int(named["year"])
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ImpossibleDateError(f"impossible date {text!r}: {exc}") from exc
