"""Characters XML cannot carry: a problem naming the line in a bulletin, removed with a
warning naming the source in a fed feed; never a crash, never an invalid file written.

Property tests over all such characters are in tests/property/test_fuzz.py; the
command line's side is in tests/cli/test_uncarried_cli.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from aggregator_fixtures import Aggregation, atom, entry, json_feed, rss2
from newsfeed import BulletinError, Outcome, parse_bulletin

STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
BULLETIN = "Headline\n\nFirst line\nSecond line\n\n18 june 2020\n"


@pytest.mark.parametrize(
    ("text", "line", "code"),
    [
        ("Head\x00line\n18 june 2020\n", 1, "0000"),
        # What str.strip takes for whitespace: at a line's edge, and alone on a line.
        ("Headline\x0b\n18 june 2020\n", 1, "000B"),
        ("\x1cHeadline\n18 june 2020\n", 1, "001C"),
        ("Headline\n\x0c\nBody\n18 june 2020\n", 2, "000C"),
        ("Headline\n\n\x1f\n\nBody\n18 june 2020\n", 3, "001F"),
        ("Headline\n\nBody\x85\n18 june 2020\n", 3, "0085"),
        ("Headline\n\nBody \ud83d\n18 june 2020\n", 3, "D83D"),
        ("Headline\n\nBody\n\udc00\n18 june 2020\n", 4, "DC00"),
        ("Headline \ufffe\n18 june 2020\n", 1, "FFFE"),
        ("Headline\r\n\r\nBody\r\n\uffff\r\n18 june 2020\r\n", 4, "FFFF"),
        ("Headline\r\rBody\x07\r18 june 2020\r", 3, "0007"),
    ],
)
def test_a_bulletin_character_a_feed_cannot_carry_is_a_problem_on_its_line(
    text: str, line: int, code: str
) -> None:
    with pytest.raises(BulletinError) as caught:
        parse_bulletin(text, source="news.txt")
    assert [str(problem) for problem in caught.value.problems] == [
        f"news.txt:{line}: character U+{code} cannot be carried by a feed"
    ]


def test_carried_spacing_around_lines_is_still_layout() -> None:
    # No-break and ideographic spaces, and U+2028, around a line are whitespace, not controls.
    text = "\u00a0Headline\u3000\n\u2028\nBody\t\n18 june 2020\n"
    (item,) = parse_bulletin(text)
    assert (item.title, item.summary) == ("Headline", "Body")


def test_stripped_spacing_is_not_read_together_with_the_text() -> None:
    # "Â" then a no-break space are the bytes C2 A0 in Latin-1, which read as UTF-8: the
    # line with its spacing would look like mojibake, the text alone does not.
    (item,) = parse_bulletin("Headline\n\n\u00c2\u00a0\n1 january 2000\n")

    assert item.summary == "\u00c2"


def test_a_bulletin_source_with_a_control_is_that_source_s_error(tmp_path: Path) -> None:
    setup = Aggregation(tmp_path)
    (tmp_path / "news.txt").write_text(
        BULLETIN.replace("Second line", "Second line\x0c"), encoding="utf-8"
    )
    (tmp_path / "good.xml").write_text(rss2([entry(1)]), encoding="utf-8")
    setup.configure(
        [{"name": "news", "bulletin": "news.txt"}, {"name": "good", "file": "good.xml"}]
    )

    bulletin, good = setup.run().sources

    assert bulletin.outcome is Outcome.ERROR
    assert (
        bulletin.detail
        == f"{tmp_path / 'news.txt'}:4: character U+000C cannot be carried by a feed"
    )
    assert good.outcome is Outcome.OK
    assert setup.titles() == ["Headline 1"]


# In a title and a summary; the XML builders write them raw, JSON escapes them.
_CHARACTERS = ["\x01", "\x08", "\x1b", "\ufffe", "\uffff"]


def _spoilt(number: int) -> object:
    title = f"Head{_CHARACTERS[number % 5]}line {number}"
    return entry(number, title=title, summary=f"Body\x07 of {_CHARACTERS[(number + 2) % 5]}item")


@pytest.mark.parametrize(
    ("kind", "document"),
    [
        ("rss", lambda: rss2([_spoilt(1), _spoilt(2)]).encode()),
        ("atom", lambda: atom([_spoilt(1), _spoilt(2)]).encode()),
        ("json", lambda: json_feed([_spoilt(1), _spoilt(2)]).encode()),
        # References to characters XML cannot carry, lone surrogates among them.
        (
            "rss references",
            lambda: (
                rss2([entry(1, title="Head&#xD83D;line 1"), entry(2, title="Head&#1;line 2")])
                .replace("&amp;#", "&#")
                .encode()
            ),
        ),
        (
            "json surrogates",
            lambda: json_feed(
                [entry(1, title="Head\ud83dline 1"), entry(2, title="Head\udc00line 2")]
            ).encode(),
        ),
    ],
)
def test_a_fed_character_xml_cannot_carry_is_removed_with_a_warning_naming_the_source(
    tmp_path: Path, kind: str, document: object
) -> None:
    setup = Aggregation(tmp_path)
    assert callable(document)
    (tmp_path / "source.feed").write_bytes(document())
    setup.configure([{"name": f"{kind} source", "file": "source.feed"}])

    (report,) = setup.run().sources

    assert report.outcome is Outcome.OK
    assert any("characters XML cannot carry" in warning for warning in report.warnings)
    # The report line, as the command prints it, names the source and the warning.
    assert str(report).startswith(f"{kind} source: ok (2 new); ")
    assert "characters XML cannot carry" in str(report)
    for output, path in setup.outputs.items():
        data = path.read_bytes()
        if output == "json":
            json.loads(data)
        else:
            etree.fromstring(data, STRICT)  # strictly valid XML, not only feedparser-readable
    assert setup.titles() == ["Headline 1", "Headline 2"]
