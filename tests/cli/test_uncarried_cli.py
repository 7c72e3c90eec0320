"""``newsfeed build`` and ``check`` on a bulletin a feed cannot carry: exit 1, the file and
line on stderr, and no output file."""

from __future__ import annotations

import subprocess
from functools import partial
from pathlib import Path

import pytest

import processes

GOOD = "Headline\n\nFirst line\nSecond line\n\n18 june 2020\n"
#: Output as bytes: what is written must be read as written.
newsfeed = partial(processes.newsfeed, text=False)


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    options = ["-o", "feed.xml", "--link", "https://example.org/"] if command == "build" else []
    return newsfeed(command, "news.txt", *options, cwd=cwd)


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(
            GOOD.replace("First", "Fir\x07st").encode(),
            "news.txt:3: character U+0007 cannot be carried by a feed",
            id="BEL",
        ),
        pytest.param(
            GOOD.replace("Second line", "Second line\x0c").encode(),
            "news.txt:4: character U+000C cannot be carried by a feed",
            id="form-feed-at-line-end",
        ),
        pytest.param(
            GOOD.replace("Headline", "Headline \ufffe").encode(),
            "news.txt:1: character U+FFFE cannot be carried by a feed",
            id="U+FFFE",
        ),
        pytest.param(
            GOOD.replace("\n\n18", "\n\uffff\n\n18").encode(),
            "news.txt:5: character U+FFFF cannot be carried by a feed",
            id="U+FFFF",
        ),
        pytest.param(
            # A lone surrogate as a broken encoder writes it: not UTF-8 at all.
            GOOD.replace("Second", "Second \ud83d").encode("utf-8", "surrogatepass"),
            "news.txt:4: not valid UTF-8 (byte 0xed)",
            id="lone-surrogate",
        ),
        pytest.param(
            GOOD.replace("First line", "First “line”").replace("\n", "\r\n").encode("cp1252"),
            "news.txt:3: not valid UTF-8 (byte 0x93)",
            id="cp1252-crlf",
        ),
        pytest.param(GOOD.encode("utf-16"), "news.txt:1: not valid UTF-8 (byte 0xff)", id="utf-16"),
    ],
)
def test_a_bulletin_a_feed_cannot_carry_fails_naming_file_and_line(
    tmp_path: Path, command: str, data: bytes, expected: str
) -> None:
    (tmp_path / "news.txt").write_bytes(data)

    result = run(command, tmp_path)

    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode() == expected + "\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["news.txt"]


def test_the_same_bulletin_without_the_character_builds(tmp_path: Path) -> None:
    # The failures above are the characters', not the bulletin's.
    (tmp_path / "news.txt").write_text(GOOD, encoding="utf-8")
    assert run("build", tmp_path).returncode == 0
    assert (tmp_path / "feed.xml").exists()
