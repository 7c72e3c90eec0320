"""Recognising and reading the date line that ends every bulletin record."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache

from dateutil import parser as dateutil_parser

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
_NUMERIC = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{4}")
_DAY = r"\d{1,2}(?:st|nd|rd|th)?\.?"
_WORD = r"[^\W\d_]+\.?"
# "18 june 2020", "18 июня 2020 г.", "June 18, 2020", "18. Juni 2020"
_NAMED = re.compile(
    rf"(?:(?P<day1>{_DAY})\s+(?P<month1>{_WORD}),?|(?P<month2>{_WORD})\s+(?P<day2>{_DAY}),?)"
    rf"\s*(?P<year>\d{{4}})(?:\s*г\.?|\s+года)?",
    re.IGNORECASE,
)


def format_date_line(day: date) -> str:
    """A date line as the sample bulletin writes it: ``18 june 2020``."""
    return f"{day.day} {_ENGLISH[day.month - 1][0]} {day.year}"


class ImpossibleDateError(ValueError):
    """A line shaped like a date names a day that does not exist."""


@lru_cache(maxsize=16)
def _parserinfo(extra: frozenset[tuple[str, int]]) -> dateutil_parser.parserinfo:
    months = dict(_BUILTIN_MONTHS)
    months.update((name.casefold(), number) for name, number in extra)
    by_number: list[list[str]] = [[] for _ in range(12)]
    for name, number in months.items():
        by_number[number - 1].append(name)

    class MonthNames(dateutil_parser.parserinfo):
        MONTHS: list[tuple[str, ...]] = [tuple(names) for names in by_number]  # type: ignore[assignment]  # noqa: RUF012 - dateutil's own layout

    return MonthNames()


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
    taken for text.
    """
    text = line.strip()
    # dateutil reads "2020-06-11" as 6 November when dayfirst is set: ISO dates are read here.
    iso = _ISO.fullmatch(text)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
        try:
            return date(year, month, day)
        except ValueError as exc:
            raise ImpossibleDateError(f"impossible date {text!r}: {exc}") from exc
    if _NUMERIC.fullmatch(text):
        return _dateutil(text, dayfirst=dayfirst, extra_months=extra_months)
    named = _NAMED.fullmatch(text)
    if named is None:
        return None
    month_name = (named["month1"] or named["month2"]).rstrip(".").casefold()
    known = _BUILTIN_MONTHS.keys() | {name for name, _ in extra_months}
    if month_name not in known:
        return None
    day_text = (named["day1"] or named["day2"]).rstrip(".")
    return _dateutil(
        f"{day_text} {month_name} {named['year']}", dayfirst=dayfirst, extra_months=extra_months
    )


def _dateutil(text: str, *, dayfirst: bool, extra_months: frozenset[tuple[str, int]]) -> date:
    try:
        return dateutil_parser.parse(
            text, parserinfo=_parserinfo(extra_months), dayfirst=dayfirst
        ).date()
    except (ValueError, OverflowError) as exc:
        raise ImpossibleDateError(f"impossible date {text!r}: {exc}") from exc
