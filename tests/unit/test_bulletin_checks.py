"""Mistakes a bulletin's author makes that must not pass as text: mistyped dates, dates out of
order, an emptied file; and the dates in body text that are no mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsfeed import BulletinError, parse_bulletin
from strategies import DATE_TYPOS

SAMPLE = (Path(__file__).parents[2] / "examples" / "news.txt").read_text(encoding="utf-8")
SAMPLE_LINES = SAMPLE.split("\n")
FEED_URL = "https://example.org/news/feed.xml"


def line_of(date_line: str, occurrence: int = 1) -> int:
    """The 1-based number of the sample line that is *date_line*, the *occurrence*-th one."""
    numbers = [number for number, line in enumerate(SAMPLE_LINES, 1) if line == date_line]
    return numbers[occurrence - 1]


def with_line(number: int, text: str) -> str:
    lines = list(SAMPLE_LINES)
    lines[number - 1] = text
    return "\n".join(lines)


def problems_of(text: str, **options: bool) -> list[tuple[int, str]]:
    with pytest.raises(BulletinError) as caught:
        parse_bulletin(text, source="news.txt", feed_url=FEED_URL, **options)
    return [(problem.line, problem.message) for problem in caught.value.problems]


@pytest.mark.parametrize("typo", DATE_TYPOS)
@pytest.mark.parametrize(
    ("date_line", "occurrence", "where"),
    [
        # Followed by the next record's headline.
        ("11 june 2020", 1, "before a headline"),
        # Followed by a blank line and a record without a headline (record 8 of the sample).
        ("21 may 2020", 2, "before a headline-less record"),
        # Right after a headline with no body, and last in the file.
        ("26 december 2019", 1, "last, after a headline"),
    ],
)
def test_a_mistyped_date_line_is_an_error_at_its_line(
    typo: str, date_line: str, occurrence: int, where: str
) -> None:
    number = line_of(date_line, occurrence)
    text = with_line(number, typo)

    problems = problems_of(text)

    assert [line for line, _ in problems] == [number], where
    assert problems[0][1].startswith(f"{typo!r} is not a date")


@pytest.mark.parametrize(
    "line",
    ["June10, 2020", "10th of June 2020", "Thursday, 10 June 2020", "2020.06.10", "10 06 2020"],
)
def test_other_ways_of_writing_a_date_the_format_lacks_are_errors_too(line: str) -> None:
    number = line_of("11 june 2020")
    assert [line for line, _ in problems_of(with_line(number, line))] == [number]


def test_the_typo_report_prints_like_a_compiler() -> None:
    number = line_of("11 june 2020")
    with pytest.raises(BulletinError) as caught:
        parse_bulletin(with_line(number, "Juen 10, 2020"), source="news.txt")
    assert str(caught.value).startswith(f"news.txt:{number}: 'Juen 10, 2020' is not a date")


def test_the_lines_after_a_typo_are_read_as_meant() -> None:
    # Read as the date line it stands for, the typo does not make the next headline a
    # second headline line, nor the record below lose its own.
    number = line_of("11 june 2020")
    text = with_line(number, "Juen 10, 2020") + "\nTrailing headline\n\n5 may 1999\n"
    assert problems_of(text, allow_unordered=True) == problems_of(
        with_line(number, "Juen 10, 2020")
    )


@pytest.mark.parametrize(
    "line",
    [
        "On June 17, Mitsuba's Supplier Day was organized.",
        "Next meeting: 30 june 2020",
        "Forum 2020, 12:00",
        "Euro 2020",
        "Top 10",
        "Act 2",
        "Apollo 11, 1969",
    ],
)
@pytest.mark.parametrize("place", ["paragraph", "last paragraph", "headline", "before the date"])
def test_dates_mentioned_in_text_are_text(line: str, place: str) -> None:
    record = {
        "paragraph": f"Headline\n\n{line}\n\nMore.\n\n18 june 2020\n",
        "last paragraph": f"Headline\n\nBody.\n\n{line}\n\n18 june 2020\n",
        "headline": f"{line}\n\nBody.\n\n18 june 2020\n",
        "before the date": f"Headline\n\nBody.\n{line}\n18 june 2020\n",
    }[place]
    text = "Newer\n19 june 2020\n" + record + "Older\n\n" + line + "\n\n17 june 2020\n"

    items = parse_bulletin(text)

    assert len(items) == 3
    assert any(line in (item.title, *item.summary.split("\n")) for item in items[1:])


@pytest.mark.parametrize("line", ["9 may", "June 10", "May 2020", "10 jnue 2020"])
def test_a_headline_may_look_like_a_date(line: str) -> None:
    # Right after a date line stands a headline: a date line there would end an empty record.
    (_, item) = parse_bulletin(f"Newer\n19 june 2020\n{line}\n\nBody.\n\n18 june 2020\n")
    assert item.title == line


def test_a_date_shaped_line_right_before_a_date_line_is_text() -> None:
    (item,) = parse_bulletin("Concert\n\nTickets from\nJune 10\n18 june 2020\n")
    assert item.summary == "Tickets from\nJune 10"


def test_a_date_out_of_order_is_an_error_at_its_line() -> None:
    number = line_of("11 june 2020")
    text = with_line(number, "June 10, 2002")

    assert problems_of(text) == [
        (
            number,
            (
                "2002-06-10 is out of newest-first order (records go from the newest down "
                "to the oldest; allow_unordered to accept this)"
            ),
        )
    ]
    assert len(parse_bulletin(text, allow_unordered=True)) == 21


def test_a_date_too_new_for_its_place_is_the_one_reported() -> None:
    number = line_of("11 june 2020")
    assert [line for line, _ in problems_of(with_line(number, "10 june 2200"))] == [number]


def test_two_records_out_of_order_name_one_line() -> None:
    text = "Older\n1 january 2020\nNewer\n2 january 2020\n"
    assert [line for line, _ in problems_of(text)] in ([2], [4])


def test_the_sample_and_the_test_bulletins_have_no_problems() -> None:
    folder = Path(__file__).parents[1] / "data" / "bulletins"
    for path in [*sorted(folder.glob("*.txt")), Path(__file__).parents[2] / "examples/news.txt"]:
        assert parse_bulletin(path.read_text(encoding="utf-8"), source=str(path))
