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
# The suffixes' letters are read in any case by an inline flag, which, unlike a compiled
# pattern's flags, goes with the pattern's text into DATE_LINE. A month's name is matched
# whole (possessive: no shorter word can be followed by what comes after one).
_DAY_SUFFIX = r"(?i:st|nd|rd|th)?\.?"
_WORD = r"[^\W\d_]++\.?"
# "18 june 2020", "18 июня 2020 г.", "June 18, 2020", "18. Juni 2020"
_NAMED = re.compile(
    rf"(?:(?P<day1>\d{{1,2}}){_DAY_SUFFIX}\s+(?P<month1>{_WORD}),?"
    rf"|(?P<month2>{_WORD})\s+(?P<day2>\d{{1,2}}){_DAY_SUFFIX},?)"
    rf"\s*(?P<year>\d{{4}})(?i:\s*г\.?|\s+года)?"
)


# "18 june 2020": the first of _NAMED's forms with single spaces and nothing else, read the
# same way (no ISO or numeric date has a letter).
_PLAIN_NAMED = re.compile(r"(\d{1,2}) ([^\W\d_]+) (\d{4})")


def ungrouped(pattern: str) -> str:
    """*pattern* (a date pattern: no literal parenthesis) with its groups made non-capturing."""
    return re.sub(r"\((?!\?)|\(\?P<\w+>", "(?:", pattern)


def _within_a_line(pattern: str) -> str:
    """*pattern* without its groups, and its spaces not spanning lines (it has no backslash-s
    but the spaces)."""
    return ungrouped(pattern).replace(r"\s", r"[^\S\n]")


_OTHER_DATE_LINES = (
    f"{_within_a_line(_ISO.pattern)}|{_within_a_line(_NUMERIC.pattern)}"
    f"|{_within_a_line(_NAMED.pattern)}"
)
#: Every line :func:`read_date_line` may read as a date (and a few that it then refuses), as
#: a pattern for one line of a longer text. Its groups are the day, month name and year of a
#: line written as ``18 june 2020``, and else the whole line.
DATE_LINE = rf"{_PLAIN_NAMED.pattern}|({_OTHER_DATE_LINES})"
#: :data:`DATE_LINE`'s first form alone, in ASCII digits, as most bulletins write every
#: date, with the same groups (the last never matches). Matching ASCII digits is quicker
#: than any decimal digit.
PLAIN_DATE_LINE = _PLAIN_NAMED.pattern.replace(r"(\d", "([0-9]") + "|((?!))"


def _named_fields(text: str) -> tuple[str, str, str] | None:
    """The day, month name and year of a date written with its month's name, as written."""
    named = _NAMED.fullmatch(text)
    if named is None:
        return None
    return named["day1"] or named["day2"], named["month1"] or named["month2"], named["year"]


# Every date line ends with a digit (\d: what str.isdecimal accepts), with "г", "г." or
# "года"; these are the only letters that match the last of them under re.IGNORECASE.
# Checking the end of a line first spares the regular expressions the lines of prose.
_LAST_LETTERS = frozenset("гГаА")


# A line of a date's shape that is not a date (docs/bulletin-format.md, "Lines that look like
# dates"): a day, a word in a month's place and a year, or numbers, in the orders dates are
# written, with any spacing and separators between them, digits mistyped as the letters O, o,
# I or l, and a year of two to five digits; or a day and a month name without the year, or a
# month name and a year without the day. Only lines this short are looked at.
_SHAPED_LENGTH = 40
_DIGITISH = r"[\dOoIl]"
_DAYISH = rf"(?:\d{_DIGITISH}?|[OoIl]\d)(?:st|nd|rd|th)?\.?"
_YEARISH = rf"(?=[OoIl]*\d){_DIGITISH}{{2,5}}"
_SEPARATORS = r"[\s,./-]+"
_MONTHISH = r"(?P<word>[^\W\d_]+)\.?"
_ENDING = r"(?:\s*г\.?|\s+года)?[.,]?"
_SHAPED = re.compile(
    r"(?:(?P<weekday>[^\W\d_]+)\.?,?\s+)?"
    rf"(?:{_DAYISH}(?:\s+of)?[\s,./-]*{_MONTHISH}(?P<year1>{_SEPARATORS}{_YEARISH})?"
    rf"|{_MONTHISH.replace('word', 'word2')}[\s,./-]*"
    rf"(?:{_DAYISH}(?P<year2>{_SEPARATORS}{_YEARISH})?|{_YEARISH})"
    rf"|(?P<numbers>{_DAYISH}{_SEPARATORS}{_DAYISH}{_SEPARATORS}{_YEARISH}"
    rf"|{_YEARISH}{_SEPARATORS}{_DAYISH}{_SEPARATORS}{_DAYISH}))"
    rf"{_ENDING}",
    re.IGNORECASE,
)
# A date line may have been written with its day of the week before it.
_WEEKDAYS = frozenset(
    (
        *("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        *("mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"),
        *("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье"),
        *("пн", "вт", "ср", "чт", "пт", "сб", "вс"),
    )
)
# Fuzzy matching of a month name needs a word this long, when the line lacks its year or day:
# "Act 2" is not "oct 2", but "Jnue 10" is "June 10".
_FUZZY_SHORT_LINE = 4


def format_date_line(day: date) -> str:
    """A date line as the sample bulletin writes it: ``18 june 2020``."""
    return f"{day.day} {_ENGLISH[day.month - 1][0]} {day.year}"


class ImpossibleDateError(ValueError):
    """A line shaped like a date names a day that does not exist."""


@lru_cache(maxsize=16)
def month_numbers(extra: frozenset[tuple[str, int]]) -> Mapping[str, int]:
    """Each month name, casefolded and without a full stop, with its number."""
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


def _one_edit_apart(word: str, name: str) -> bool:
    """Whether one letter added, dropped, changed, or two neighbours swapped, make *word* *name*."""
    if len(word) == len(name):
        differ = [index for index, (a, b) in enumerate(zip(word, name, strict=True)) if a != b]
        if len(differ) == 1:
            return True
        return (
            len(differ) == 2  # noqa: PLR2004 - a swap changes two places
            and differ[1] == differ[0] + 1
            and word[differ[0]] == name[differ[1]]
            and word[differ[1]] == name[differ[0]]
        )
    shorter, longer = sorted((word, name), key=len)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:index] + longer[index + 1 :] == shorter for index in range(len(longer)))


def _month_like(word: str, extra_months: frozenset[tuple[str, int]], *, fuzzy: bool) -> bool:
    name = word.casefold()
    months = month_numbers(extra_months)
    if name in months:
        return True
    return fuzzy and any(_one_edit_apart(name, known) for known in months)


def looks_like_date(line: str, *, extra_months: frozenset[tuple[str, int]] = frozenset()) -> bool:
    """Whether a stripped line that is not a date line has the shape of a mistyped date.

    ``Juen 10, 2020``, ``10 jnue 2020``, ``June 10 ,2020``, ``10 June 202``, ``10.06.20200``,
    ``June 10, 2O20`` and ``10 june`` do; ``Forum 2020, 12:00``, ``Act 2``, ``Euro 2020`` and
    any longer sentence do not. Whether such a line is an error depends on where it stands
    (the bulletin parser decides).
    """
    if len(line) > _SHAPED_LENGTH:
        return False
    shaped = _SHAPED.fullmatch(line)
    if shaped is None:
        return False
    if shaped["weekday"] is not None and shaped["weekday"].casefold() not in _WEEKDAYS:
        return False
    if shaped["numbers"] is not None:
        return True
    word = shaped["word"] or shaped["word2"]
    complete = shaped["year1"] is not None or shaped["year2"] is not None
    return _month_like(word, extra_months, fuzzy=complete or len(word) >= _FUZZY_SHORT_LINE)


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
    # Most date lines are written as the sample's are: one simple match reads them.
    named = _PLAIN_NAMED.fullmatch(text)
    iso = None if named else _ISO.fullmatch(text)
    numeric = None if named or iso else _NUMERIC.fullmatch(text)
    if iso is not None:
        year, month, day = (int(part) for part in iso.groups())
    elif numeric is not None:
        first, second, year = (int(part) for part in numeric.groups())
        day, month = (first, second) if dayfirst else (second, first)
    else:
        fields = _named_fields(text) if named is None else named.groups()
        if fields is None:
            return None
        day_text, month_name, year_text = fields
        known = month_numbers(extra_months).get(month_name.rstrip(".").casefold())
        if known is None:
            return None
        month, day, year = known, int(day_text), int(year_text)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ImpossibleDateError(f"impossible date {text!r}: {exc}") from exc
