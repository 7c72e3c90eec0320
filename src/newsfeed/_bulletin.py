"""The plain-text bulletin format: parsing, writing, and the ids and times of its records.

The grammar is documented in ``docs/bulletin-format.md``; the short form::

    bulletin  = record* blank*
    record    = headline? body? date-line
    headline  = one text line, right after the previous date line (or the file's start)
    body      = blank+ paragraph (blank+ paragraph)*
    date-line = a line holding only a date

A blank line right after a date line (or at the file's start) means the next
record has no headline.
"""

from __future__ import annotations

import gc
import hashlib
import itertools
import operator
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from os import PathLike
from typing import TypeVar, cast
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsfeed._dates import (
    DATE_LINE,
    PLAIN_DATE_LINE,
    ImpossibleDateError,
    format_date_line,
    looks_like_date,
    month_numbers,
    month_table,
    read_date_line,
    ungrouped,
)
from newsfeed._errors import BulletinError, InputError, Problem
from newsfeed._files import read_capped
from newsfeed._model import NewsItem, _trusted_item, find_uncarried
from newsfeed._text import derive_title

_T = TypeVar("_T")

# The namespace of the ``urn:uuid:`` ids given when no feed_url is known.
_ID_NAMESPACE = uuid.UUID("2f1b7a4e-63c4-5d1e-9a0b-6e65777366ee")


@dataclass(slots=True)
class _Record:
    """A record as read, before it gets its time and id."""

    first_line: int
    headline: str | None = None
    paragraphs: list[list[str]] = field(default_factory=list)
    day: date | None = None
    date_line: int = 0

    def add_line(self, text: str, *, new_paragraph: bool) -> None:
        if new_paragraph or not self.paragraphs:
            self.paragraphs.append([])
        self.paragraphs[-1].append(text)

    @property
    def summary(self) -> str:
        return "\n\n".join("\n".join(lines) for lines in self.paragraphs)


def _normalised_key(title: str) -> str:
    # Whitespace and letter case are not part of an item's identity.
    return " ".join(title.split()).casefold()


_SPACES = re.compile(r"[ \t]+")


def _single_spaced(summary: str) -> str:
    # Runs of spaces and tabs only: a no-break space is text, and stays in the title.
    if "  " not in summary and "\t" not in summary:  # as most text: nothing to respace
        return summary
    return _SPACES.sub(" ", summary)


def _feed_domain(feed_url: str | None) -> str | None:
    if feed_url is None:
        return None
    host = urlsplit(feed_url).hostname
    if not host:
        raise ValueError(f"feed_url has no host name to build tag: ids from: {feed_url!r}")
    return host


def _zone(tz: str | tzinfo) -> tzinfo:
    if not isinstance(tz, str):
        return tz
    try:
        return ZoneInfo(tz)
    # A key naming a folder of the time zone database ("Europe") fails with an OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _normalised(text: str) -> str:
    # Only CR, LF and CRLF end lines: other Unicode line separators are text.
    text = text.removeprefix("\ufeff")
    # Looking for a CR takes a tenth of the time of a replace that finds none.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _split_lines(text: str) -> list[str]:
    return _normalised(text).split("\n")


def _uncarried(raw: str, text: str) -> str | None:
    """The first character of a line that a feed cannot carry, or ``None``.

    *text* is the line stripped. ``str.strip`` also takes VT, FF, U+001C-U+001F and
    U+0085 for whitespace: they are controls a feed cannot carry, not layout, and are
    reported wherever they stand, even on a line that holds nothing else.
    """
    index = find_uncarried(text)
    if index is not None:
        return text[index]
    if len(raw) == len(text):  # nothing was stripped, as on most lines
        return None
    # Then what was stripped, one character at a time: together with the text, a stripped
    # no-break space could read as mojibake.
    stripped = raw[: len(raw) - len(raw.lstrip())] + raw[len(raw.rstrip()) :]
    return next((char for char in stripped if find_uncarried(char) is not None), None)


# A text that holds none of these characters has no line that find_uncarried objects to, so
# most bulletins are checked by a few scans of the whole text (each a C loop, as fast as
# memchr) instead of line by line: the C0 controls and DEL, then for a text that is not
# ASCII the C1 controls, U+FFFE and U+FFFF, lone surrogates (which UTF-8 cannot encode), and
# a pair of characters that, read as Latin-1, starts a UTF-8 sequence (mojibake), which
# needs one of U+0080-U+00BF.
_ASCII_UNCARRIED = tuple(chr(code) for code in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_NON_ASCII_UNCARRIED = (*(chr(code) for code in range(0x80, 0xA0)), "\ufffe", "\uffff")
_CONTINUATIONS = tuple(chr(code) for code in range(0x80, 0xC0))
_MOJIBAKE_PAIR = re.compile("[\xc2-\xf4][\x80-\xbf]")


# The characters of a text are looked for a part this long at a time: the part stays in the
# processor's cache for the dozens of scans, where the whole of a long text would be read
# from memory again for each (at 100,000 records that took thirty times as long).
_SCAN = 1 << 16


def _holds_any(text: str, chars: tuple[str, ...]) -> bool:
    return any(
        text.find(char, start, start + _SCAN) != -1
        for start in range(0, len(text), _SCAN)
        for char in chars
    )


def _lines_to_check(text: str) -> bool:
    """Whether some line of *text* may hold a character a feed cannot carry back."""
    if _holds_any(text, _ASCII_UNCARRIED):
        return True
    if text.isascii():
        return False
    if _holds_any(text, _NON_ASCII_UNCARRIED):
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return True
    return _holds_any(text, _CONTINUATIONS) and bool(_MOJIBAKE_PAIR.search(text))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Options:
    """How strictly a bulletin is read."""

    dayfirst: bool
    extra_months: frozenset[tuple[str, int]]
    allow_unordered: bool
    allow_empty: bool


# The day of a record whose date line is in error: the record is still read, so that the
# lines after it are read as they were meant, but it never becomes an item.
_NO_DAY = date.min


def _date_of(text: str, options: _Options) -> date | None:
    """The date a stripped line holds, ``None`` for text, and ``_NO_DAY`` for an impossible one."""
    try:
        return read_date_line(text, dayfirst=options.dayfirst, extra_months=options.extra_months)
    except ImpossibleDateError:
        return _NO_DAY


def _read_records(  # noqa: C901, PLR0912, PLR0915 - one line-by-line state machine reads best in one place
    lines: Sequence[str], *, source: str | None, options: _Options, check_characters: bool
) -> tuple[list[_Record], list[Problem]]:
    records: list[_Record] = []
    problems: list[Problem] = []
    record: _Record | None = None
    after_date = True  # the file's start counts as the end of a previous record
    blank_before = False
    texts = [line.strip() for line in lines]

    def problem(number: int, message: str) -> None:
        problems.append(Problem(source=source, line=number, message=message))

    for number, text in enumerate(texts, start=1):
        if check_characters:
            bad = _uncarried(lines[number - 1], text)
            if bad is not None:
                problem(number, f"character U+{ord(bad):04X} cannot be carried by a feed")
        if not text:
            if after_date and record is None:
                # The record's first line is its first text line, which is still to come.
                record = _Record(first_line=0)
            blank_before = True
            continue
        try:
            day = read_date_line(text, dayfirst=options.dayfirst, extra_months=options.extra_months)
        except ImpossibleDateError as exc:
            problem(number, str(exc))
            day = _NO_DAY
        headline_place = after_date and not blank_before
        if day is None and not headline_place and _mistyped_date(texts, number, options):
            problem(number, _not_a_date(text))
            # Read as the date line it was meant to be, so that the next line starts a record.
            record, after_date, blank_before = None, True, False
            continue
        if day is not None:
            if record is None or (record.headline is None and not record.paragraphs):
                problem(number, "record with neither headline nor body before this date line")
            else:
                record.day = day
                record.date_line = number
                records.append(record)
            record, after_date, blank_before = None, True, False
            continue
        if record is None:
            record = _Record(first_line=number, headline=text)
        elif record.headline is not None and not record.paragraphs and not blank_before:
            problem(
                number,
                "headline spans lines (a headline is one line; "
                "separate the body from it by a blank line)",
            )
            record.add_line(text, new_paragraph=False)
        else:
            record.first_line = record.first_line or number
            record.add_line(text, new_paragraph=blank_before)
        after_date, blank_before = False, False
    if record is not None and (record.headline is not None or record.paragraphs):
        problem(record.first_line, "text after the last date line (a record must end with a date)")
    if not options.allow_unordered:
        problems.extend(_out_of_order(records, source))
    if not records and not problems and not options.allow_empty:
        problem(1, "no records: a bulletin holds at least one (allow_empty to accept none)")
    return records, problems


def _mistyped_date(texts: Sequence[str], number: int, options: _Options) -> bool:
    """Whether line *number*, not a date line, stands where a date line would and looks like one.

    The caller knows it does not directly follow a date line (there it is a headline); it
    must not directly precede one either (there it is the last line of that record's text).
    """
    if not looks_like_date(texts[number - 1], extra_months=options.extra_months):
        return False
    following = texts[number] if number < len(texts) else ""
    return not following or _date_of(following, options) is None


def _not_a_date(text: str) -> str:
    return (
        f"{text!r} is not a date, but stands where a record's date line would "
        "(dates are written 18 june 2020, June 18, 2020, 2020-06-18 or 18.06.2020)"
    )


def _out_of_order(records: Sequence[_Record], source: str | None) -> list[Problem]:
    """A problem at each date line that breaks the newest-first order.

    Where two neighbours are out of order, the one at fault is the one that also disagrees
    with the record beyond it: in 18 june 2020, 10 june 2002, 4 june 2020 it is 2002.
    """
    dated = [record for record in records if record.day is not _NO_DAY]
    kept: list[_Record] = []
    faulty: list[_Record] = []
    for index, record in enumerate(dated):
        assert record.day is not None  # noqa: S101 - set for every record read
        if not kept or record.day <= kept[-1].day:  # type: ignore[operator]
            kept.append(record)
            continue
        above = kept[-1]
        before = kept[-2].day if len(kept) > 1 else None
        after = dated[index + 1].day if index + 1 < len(dated) else None
        newer_than_both = before is not None and record.day > before
        above_too_old = (before is None or before >= record.day) and (
            after is None or after > above.day  # type: ignore[operator]
        )
        if not newer_than_both and above_too_old:
            faulty.append(kept.pop())
            kept.append(record)
        else:
            faulty.append(record)
    return [
        Problem(
            source=source,
            line=record.date_line,
            message=f"{record.day.isoformat()} is out of newest-first order "  # type: ignore[union-attr]
            "(records go from the newest down to the oldest; allow_unordered to accept this)",
        )
        for record in sorted(faulty, key=lambda record: record.date_line)
    ]


@dataclass(frozen=True, slots=True)
class _Records:
    """What the records of a bulletin give their items, newest first, in columns."""

    #: Each record's headline, ``None`` without one.
    headlines: list[str | None]
    #: Each record's body, paragraphs split by one blank line ("" without one).
    bodies: list[str]
    #: Each record's date.
    days: list[date]

    @classmethod
    def of(cls, records: Sequence[_Record]) -> _Records:
        return cls(
            headlines=[record.headline for record in records],
            bodies=[record.summary for record in records],
            days=[record.day for record in records],  # type: ignore[misc]
        )


_BLANK_LINES = re.compile("\n\n\n+")

# What is left of a line once every character that cannot be part of a date is deleted from
# its UTF-8 bytes: its digits. Each date line, and each line that looks like a mistyped one,
# holds a digit (\d: 0-9 or another Unicode decimal digit, each of which starts with one of
# these bytes; a unit test checks it against the Unicode database).
_NON_ASCII_DIGIT_LEADS = b"\xd9\xdb\xdf\xe0\xe1\xea\xef\xf0"
_NOT_DIGITS = bytes(sorted(set(range(256)) - set(b"0123456789\n" + _NON_ASCII_DIGIT_LEADS)))


def _lines_with_digits(text: str) -> Iterator[int]:
    """The indices of the lines of *text* (a text with no lone surrogate) that hold a digit."""
    # Most text is ASCII, and much holds no digit: ten scans as fast as memchr tell.
    if text.isascii() and not any(map(text.__contains__, "0123456789")):
        return iter(())
    digits_by_line = text.encode().translate(None, _NOT_DIGITS).split(b"\n")
    return itertools.compress(itertools.count(), digits_by_line)


def _unpadded(texts: list[str]) -> bool:
    # str.strip gives back the very text when there is nothing to strip: a C comparison.
    return list(map(str.strip, texts)) == texts


def _unpadded_lines(texts: list[str]) -> bool:
    """Whether no line of these texts is padded by white space."""
    return all(_unpadded("\n".join(texts[part]).split("\n")) for part in _parts(len(texts)))


def _hold_dates(texts: list[str], options: _Options) -> bool:
    """Whether a line of these texts holds a date or looks like a mistyped one."""
    return any(_part_holds_dates(texts[part], options) for part in _parts(len(texts)))


def _part_holds_dates(texts: list[str], options: _Options) -> bool:
    text = "\n".join(texts)
    digit_lines = list(_lines_with_digits(text))
    if not digit_lines:
        return False
    lines = text.split("\n")
    return any(
        _date_of(lines[index], options) is not None
        or looks_like_date(lines[index], extra_months=options.extra_months)
        for index in digit_lines
    )


def _days(fields: list[list[str | None]], options: _Options) -> list[date] | None:
    """The dates of date lines, from the groups of :data:`DATE_LINE` (a list for each);
    ``None`` when a line is no date after all."""
    months = month_numbers(options.extra_months)
    *plain, others = fields
    if not any(others):  # every line written as 18 june 2020: read in C
        day_texts, month_names, years = cast("list[list[str]]", plain)
        return _plain_days(day_texts, month_names, years, months)
    # Records share dates: each distinct date line is read once, and then looked up in C.
    lines = list(zip(*fields, strict=True))
    known: dict[tuple[str | None, ...], date] = {}
    for line in set(lines):
        day_text, month, year, other = line
        found = (
            _date_of(other, options)
            if other is not None
            else _plain_date(day_text, months.get(month.casefold()), year)
        )
        if found is None or found is _NO_DAY:
            return None
        known[line] = found
    return list(map(known.__getitem__, lines))


def _plain_days(
    day_texts: list[str], month_names: list[str], years: list[str], months: Mapping[str, int]
) -> list[date] | None:
    """The dates of date lines written as 18 june 2020, from their fields."""
    # Years, days and month names repeat: each distinct one is read once, then looked up.
    year_of = _read_once(years, int)
    day_of = _read_once(day_texts, int)
    month_of = _read_once(month_names, lambda name: months.get(name.casefold(), 0))
    try:
        return list(
            map(
                date,
                map(year_of.__getitem__, years),
                map(month_of.__getitem__, month_names),
                map(day_of.__getitem__, day_texts),
            )
        )
    except ValueError:  # a word that names no month (0), or a day that is none
        return None


def _read_once(texts: list[str], read: Callable[[str], _T]) -> dict[str, _T]:
    """*read* of each of *texts*, read once for each distinct text."""
    distinct = set(texts)
    return dict(zip(distinct, map(read, distinct), strict=True))


def _plain_date(day: str, month: int | None, year: str) -> date | None:
    if month is None:
        return None
    try:
        return date(int(year), month, int(day))
    except ValueError:
        return None


# The records whose lines are checked at once: a text of this many fits a processor's cache,
# and the memory for its lines is used again by the next. At 100,000 records, checking them
# all at once took two and a half times as long.
_PART = 2048


def _parts(count: int) -> Iterator[slice]:
    return (slice(start, start + _PART) for start in range(0, count, _PART))


def _by_parts(function: Callable[[list[str]], list[str]], texts: list[str]) -> list[str]:
    """*function* of *texts*, called a part at a time."""
    return list(
        itertools.chain.from_iterable(map(function, map(texts.__getitem__, _parts(len(texts)))))
    )


def _record_cuts(date_line: str) -> re.Pattern[str]:
    """Cuts a bulletin at each line of *date_line*'s form that follows a newline.

    Each match takes the blank lines around the date line, and the headline of the next
    record: a line followed by a blank line (taken too), by the end, or by a line of a date
    line's shape (a record of a headline alone). What is left between two matches is a
    body, which never starts with a newline. Where the next record is of another shape (a
    headline spanning lines), the match fails and leaves its date line in a record's text,
    where :func:`_hold_dates` finds it; where the line after a headline had only a date
    line's shape, the next match fails there and leaves a body that starts with a newline.
    """
    return re.compile(
        rf"\n\n*+(?:{date_line})(?:\n|\Z)"
        rf"(?:([^\n]+)(?=\n\n|\n?\Z|\n(?:{ungrouped(date_line)})(?:\n|\Z))(?:\n(?=\n)\n*)?"
        rf"|(?=\n|\Z)\n*)"
    )


# Most bulletins write every date as the sample does (18 june 2020): cutting at that form
# alone takes a third less time. A text with other forms is cut again at every form.
_RECORD_CUTS = (_record_cuts(PLAIN_DATE_LINE), _record_cuts(DATE_LINE))
# The groups of each match: the date line's four (see DATE_LINE), then the headline.
_GROUPS = _RECORD_CUTS[0].groups


def _read_well_formed(text: str, options: _Options) -> _Records | None:
    """The records of a bulletin with no problem, cut out of the whole text; ``None`` otherwise.

    Most bulletins have no problem. One regular expression cuts the text at its date lines
    (C does the line-by-line work), and whole-text checks in C find the few lines that need a
    closer look. Anything this reader does not expect (a character to check, a padded line, a
    line with a digit that may be a date, a headline spanning lines, dates out of order, no
    records) makes it give up, and :func:`_read_records` reads the text line by line to
    report the problems.
    """
    if _lines_to_check(text):
        return None
    for cuts in _RECORD_CUTS:
        records = _cut(text, cuts, options)
        if records is not None:
            return records
    return None


def _cut(text: str, cuts: re.Pattern[str], options: _Options) -> _Records | None:
    # Not framed in newlines: at 100,000 records the copy took a sixth of the floor's parse.
    pieces = cuts.split(text)
    texts = pieces[:: _GROUPS + 1]
    headlines: list[str | None] = pieces[_GROUPS :: _GROUPS + 1]
    # No date line, or text after the last one.
    if not headlines or headlines.pop() is not None or texts.pop():
        return None
    # The first record starts the text, not a match. A date line that starts the text is not
    # cut (no newline before it): it is this headline, which is looked through for dates.
    first_headline, _, first_body = texts[0].partition("\n")
    if first_headline and first_body[:1] not in {"", "\n"}:  # a headline spanning lines
        return None
    headlines.insert(0, first_headline or None)
    texts[0] = first_body.lstrip("\n")
    # A body never starts with a newline (see _record_cuts); a record of nothing is a problem.
    if any(map(str.startswith, texts, itertools.repeat("\n"))) or (
        "" in texts
        and any(
            headline is None and not text for headline, text in zip(headlines, texts, strict=True)
        )
    ):
        return None
    bodies = texts
    named = list(filter(None, headlines))
    # Only a body of several lines is split into its lines: splitting every body cost a third
    # of the floor's whole parse.
    paragraphed = list(
        itertools.compress(bodies, map(str.__contains__, bodies, itertools.repeat("\n")))
    )
    if not (_unpadded(named) and _unpadded(bodies) and _unpadded_lines(paragraphed)) or (
        _hold_dates(named, options) or _hold_dates(bodies, options)
    ):
        return None
    days = _days([pieces[group :: _GROUPS + 1] for group in range(1, _GROUPS)], options)
    if days is None or (not options.allow_unordered and any(map(operator.lt, days, days[1:]))):
        return None
    if any(map(_BLANK_LINES.search, paragraphed)):  # they count as one
        bodies = [_BLANK_LINES.sub("\n\n", body) for body in bodies]
    return _Records(headlines=headlines, bodies=bodies, days=days)


def _normalised_keys(titles: list[str]) -> list[str]:
    """:func:`_normalised_key` of each title (stripped lines of checked bulletin text)."""
    joined = " ".join(titles)
    # With no double space and no tab, the only other white space a title can hold is
    # Unicode's spaces, which are not printable: the ASCII controls are refused by the
    # character checks. Then the titles are single-spaced already.
    if (
        "  " not in joined
        and "\t" not in joined
        and (
            joined.isascii()
            or all(map(str.isprintable, itertools.filterfalse(str.isascii, titles)))
        )
    ):
        return list(map(str.casefold, titles))
    return list(map(_normalised_key, titles))


def _counts_before(keys: Iterable[object]) -> list[int]:
    """For each key, how many times it came before."""
    seen: dict[object, int] = {}
    counts = []
    for key in keys:
        count = seen.get(key, 0)
        seen[key] = count + 1
        counts.append(count)
    return counts


def _older_on_the_day(days: list[date]) -> list[int]:
    """For each record, newest first, how many records of its day are older (below it)."""
    if not all(map(operator.ge, days, days[1:])):  # out of order, as allowed
        return _counts_before(reversed(days))[::-1]
    # In order, that is how far a record is from its day's last one, whose index the dict
    # keeps (each record of the day replaces the one before): all in C.
    last = dict(zip(days, itertools.count()))
    return list(map(operator.sub, map(last.__getitem__, days), itertools.count()))


_sha256_hex = type(hashlib.sha256()).hexdigest
_TWO_DIGITS = tuple(f"{number:02}" for number in range(32))
_ID_DIGEST = operator.itemgetter(slice(20))


def _told_apart(days: list[date], keys: list[str]) -> list[str]:
    """Each record's normalised title, made unique within its day.

    Of the records of a day with the same key, counted from the oldest (from 1), the *n*-th
    is told from the others by ``\n<n>`` after the key, for *n* over 1.
    """
    # Most titles differ: their keys are cheaper to compare than (day, key) pairs.
    if len(set(keys)) == len(keys) or len(set(zip(days, keys, strict=True))) == len(keys):
        return keys
    older = _counts_before(zip(reversed(days), reversed(keys), strict=True))[::-1]
    return [f"{key}\n{count + 1}" if count else key for key, count in zip(keys, older, strict=True)]


def _ids(
    days: list[date], distinct_days: list[date], keys: list[str], domain: str | None
) -> list[str]:
    """The id of each record, given its day and key (see :func:`_told_apart`), and the
    distinct days, which the caller has already."""
    if domain is None:
        return [
            f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, day.isoformat() + chr(10) + key)}"
            for day, key in zip(days, keys, strict=True)
        ]
    # Each day's prefix written as date.isoformat would, from a few years' texts and a table:
    # isoformat (a printf in C) and a format took twice as long.
    years = {year: f"tag:{domain},{year:04}-" for year in {day.year for day in distinct_days}}
    prefixes = {
        day: f"{years[day.year]}{_TWO_DIGITS[day.month]}-{_TWO_DIGITS[day.day]}:"
        for day in distinct_days
    }
    digests = map(_sha256_hex, map(hashlib.sha256, map(str.encode, keys)))
    return list(map(operator.add, map(prefixes.__getitem__, days), map(_ID_DIGEST, digests)))


def _assign_times_and_ids(records: _Records, *, zone: tzinfo, domain: str | None) -> list[NewsItem]:
    """Give each record its time and id, counting from the oldest record upwards.

    Counting from the bottom means a record added at the top (the newest, as
    bulletins grow) never changes the time or id of the records below it: the records of
    a day are its midnight, a second on, two seconds on..., oldest first.

    The items are made with the model's checks skipped (``_trusted_item``): what they check
    holds by construction. The id is a ``tag:`` or ``urn:uuid:`` URI made here; title and
    summary lines are stripped, single lines and paragraphs as the model wants them, and
    every character was checked on the whole text (``_lines_to_check``) or line by line;
    the times are aware, in whole seconds. The work is done a column at a time, mostly by
    ``map`` over C functions: one Python loop per record cost more than the floor's parse.
    """
    headlines, bodies, days = records.headlines, records.bodies, records.days
    # The headline-less records' titles are filled in right below.
    titles = cast("list[str]", headlines.copy())
    for index in itertools.compress(itertools.count(), map(operator.not_, headlines)):
        # Where a long first sentence is cut depends on its spacing: the title comes from
        # the single-spaced text, so that respacing the body keeps the title and the id.
        titles[index] = derive_title(_single_spaced(bodies[index]))
    # Keys a part at a time too (see below), then told apart over the whole bulletin.
    keys = _told_apart(days, _by_parts(_normalised_keys, titles))
    seconds_on = _older_on_the_day(days)
    steps = [timedelta(seconds=seconds) for seconds in range(max(seconds_on, default=0) + 1)]
    midnight = time(tzinfo=zone)
    items: list[NewsItem] = []
    # A part at a time: its objects are made close together, and stay in the processor's
    # cache from one column to the next. At 100,000 records, all at once took a third longer.
    for part in _parts(len(days)):
        part_days = days[part]
        distinct = list(set(part_days))
        midnights = dict(
            zip(distinct, map(datetime.combine, distinct, itertools.repeat(midnight)), strict=True)
        )
        published = map(
            operator.add,
            map(midnights.__getitem__, part_days),
            map(steps.__getitem__, seconds_on[part]),
        )
        ids = _ids(part_days, distinct, keys[part], domain)
        items += map(_trusted_item, ids, titles[part], bodies[part], published)
    return items


def parse_bulletin(
    text: str,
    *,
    feed_url: str | None = None,
    tz: str | tzinfo = "UTC",
    dayfirst: bool = True,
    month_names: Mapping[str, int] | None = None,
    source: str | None = None,
    allow_unordered: bool = False,
    allow_empty: bool = False,
) -> list[NewsItem]:
    """Parse bulletin text into items, newest first, in the bulletin's order.

    *feed_url* gives the domain of the items' ``tag:`` ids (without it, ids are
    ``urn:uuid:`` URIs); *tz* is the time zone of the dates; *dayfirst* reads
    ``01.02.2020`` as 1 February; *month_names* maps extra month names to their
    numbers (English and Russian are built in); *source* names the text in
    error messages. Dates out of newest-first order are a problem unless
    *allow_unordered*; a bulletin without records is one unless *allow_empty*.

    Raises :class:`BulletinError` listing every problem found.
    """
    # Arguments are checked before the text, so a wrong option is not hidden by its problems.
    zone, domain = _zone(tz), _feed_domain(feed_url)
    options = _Options(
        dayfirst=dayfirst,
        extra_months=month_table(month_names),
        allow_unordered=allow_unordered,
        allow_empty=allow_empty,
    )
    text = _normalised(text)
    with _collector_paused():
        read = _read_well_formed(text, options)
        if read is None:
            records, problems = _read_records(
                text.split("\n"),
                source=source,
                options=options,
                check_characters=_lines_to_check(text),
            )
            if problems:
                raise BulletinError(tuple(problems))
            read = _Records.of(records)
        return _assign_times_and_ids(read, zone=zone, domain=domain)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulletin is read.

    Reading makes many objects (lines, records, items) and no reference cycles: the
    collections that their number sets off find nothing to free, and at 100,000 records took
    a sixth of the parse (docs/performance.md). The collector's state is restored after.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def load_bulletin(
    path: str | PathLike[str],
    *,
    feed_url: str | None = None,
    tz: str | tzinfo = "UTC",
    dayfirst: bool = True,
    month_names: Mapping[str, int] | None = None,
    max_bytes: int | None = None,
    allow_unordered: bool = False,
    allow_empty: bool = False,
) -> list[NewsItem]:
    """Read and parse a bulletin file (UTF-8, with or without BOM), as :func:`parse_bulletin`.

    With *max_bytes*, a longer file is a problem on the line where it goes past them,
    found after reading no more than that. A file that cannot be read (missing, a folder,
    not readable) raises :class:`InputError` naming it.
    """
    try:
        data, longer = read_capped(path, max_bytes)
    except OSError as exc:
        raise InputError.from_os_error(str(path), exc) from exc
    if longer:
        problem = Problem(
            source=str(path),
            line=len(_split_lines(data.decode("utf-8", "replace"))),
            message=f"the bulletin goes on past {max_bytes} bytes, the most read (max_bytes)",
        )
        raise BulletinError((problem,))
    return decode_bulletin(
        data,
        source=str(path),
        feed_url=feed_url,
        tz=tz,
        dayfirst=dayfirst,
        month_names=month_names,
        allow_unordered=allow_unordered,
        allow_empty=allow_empty,
    )


def decode_bulletin(
    data: bytes,
    *,
    source: str,
    feed_url: str | None = None,
    tz: str | tzinfo = "UTC",
    dayfirst: bool = True,
    month_names: Mapping[str, int] | None = None,
    allow_unordered: bool = False,
    allow_empty: bool = False,
) -> list[NewsItem]:
    """Parse a bulletin's bytes, as read from *source*; bytes that are not UTF-8 are a problem."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Counted as the parser counts lines, so that CR-only files get the right number.
        line = len(_split_lines(data[: exc.start].decode("utf-8")))
        problem = Problem(
            source=source, line=line, message=f"not valid UTF-8 (byte 0x{data[exc.start]:02x})"
        )
        raise BulletinError((problem,)) from exc
    return parse_bulletin(
        text,
        feed_url=feed_url,
        tz=tz,
        dayfirst=dayfirst,
        month_names=month_names,
        source=source,
        allow_unordered=allow_unordered,
        allow_empty=allow_empty,
    )


def format_bulletin(items: Iterable[NewsItem]) -> str:
    """Write items as a bulletin, in the order given, laid out as ``examples/news.txt`` is.

    Only what the format holds is written: title, summary and the date of
    :attr:`NewsItem.published` in its own time zone. A title that
    :func:`derive_title` would give from the summary is left out, so
    ``parse_bulletin(format_bulletin(items)) == items`` for parsed items.

    Raises ``ValueError`` for an item the format cannot hold: a title or a
    body line that would read as a date line, or a body line that looks like a
    mistyped date.
    """
    out: list[str] = []
    for item in items:
        written = [] if _title_is_derived(item) else [item.title]
        body = [line for line in item.summary.split("\n") if line]
        for line in [*written, *body]:
            try:
                is_date = read_date_line(line) is not None
            except ImpossibleDateError:
                is_date = True
            if is_date:
                raise ValueError(f"item {item.id}: {line!r} would be read as a date line")
        for line in body:
            # Where a body line is written, it may stand in a date line's place.
            if looks_like_date(line):
                raise ValueError(f"item {item.id}: {line!r} would be read as a mistyped date")
        if item.summary:
            # A blank line before the date, as the sample bulletin sets its records apart.
            out.extend([*written, "", item.summary, ""])
        else:
            out.extend(written)
        out.append(format_date_line(item.published.date()))
    return "\n".join(out) + "\n" if out else ""


def _title_is_derived(item: NewsItem) -> bool:
    # Left out, the title (and so the id) must come back from the summary.
    return bool(item.summary) and item.title == derive_title(_single_spaced(item.summary))
