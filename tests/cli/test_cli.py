"""The ``newsfeed`` command end to end, as cron runs it: a subprocess, its files, its exit code."""

from __future__ import annotations

import calendar
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import feedparser
import pytest

import processes
from newsfeed import parse_feed
from newsfeed._cli import main

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "tests" / "data" / "bulletins" / "news.txt"
# The reviewed expectations of the golden test: what every format must carry.
EXPECTED = json.loads(
    (ROOT / "tests" / "data" / "bulletins" / "news.expected.json").read_text(encoding="utf-8")
)
FEED_URL = "https://example.org/news/feed.xml"
BAD = "Headline\n\nBody\n31 june 2020\nLeft open\n"


#: Output as bytes: feeds are compared byte for byte.
newsfeed = partial(processes.newsfeed, text=False)


def build(output: str | Path, *options: str | Path) -> subprocess.CompletedProcess[bytes]:
    return newsfeed("build", SAMPLE, "-o", output, "--feed-url", FEED_URL, *options)


def assert_silent_success(result: subprocess.CompletedProcess[bytes]) -> None:
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def assert_clean_failure(result: subprocess.CompletedProcess[bytes], code: int) -> str:
    assert result.returncode == code, result.stderr
    stderr = result.stderr.decode()
    assert stderr
    assert "Traceback" not in stderr
    return stderr


def utc(struct: Any) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct), UTC)


def entries_of(data: bytes) -> list[tuple[str, str, datetime]]:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return [(entry.id, entry.title, utc(entry.published_parsed)) for entry in parsed.entries]


def expected_entries() -> list[tuple[str, str, datetime]]:
    return [
        (item["id"], item["title"], datetime.fromisoformat(item["published"])) for item in EXPECTED
    ]


def json_entries(data: bytes) -> list[tuple[str, str, datetime]]:
    document = json.loads(data)
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    return [
        (item["id"], item["title"], datetime.fromisoformat(item["date_published"]))
        for item in document["items"]
    ]


@pytest.mark.parametrize(
    ("name", "options", "kind"),
    [
        ("feed.xml", (), "rss"),
        ("feed.rss", (), "rss"),
        ("feed.atom", (), "atom"),
        ("feed.json", (), "json"),
        ("FEED.JSON", (), "json"),
        ("feed.xml", ("--format", "atom"), "atom"),
        ("feed.xml", ("--format", "json"), "json"),
        ("feed.json", ("--format", "rss"), "rss"),
    ],
)
def test_build_writes_each_format(
    tmp_path: Path, name: str, options: tuple[str, ...], kind: str
) -> None:
    output = tmp_path / name
    assert_silent_success(build(output, *options))
    data = output.read_bytes()
    if kind == "json":
        assert json_entries(data) == expected_entries()
        return
    parsed = feedparser.parse(data)
    assert parsed.version.startswith("rss" if kind == "rss" else "atom")
    assert entries_of(data) == expected_entries()
    assert len(parsed.entries) == 21
    assert parsed.entries[20].title == "Merry Christmas and Happy New Year!"


def test_build_to_stdout(tmp_path: Path) -> None:
    result = build("-", "--format", "atom")
    assert result.returncode == 0
    assert result.stderr == b""
    assert entries_of(result.stdout) == expected_entries()
    assert_silent_success(build(tmp_path / "feed.atom"))
    assert result.stdout == (tmp_path / "feed.atom").read_bytes()


def test_build_with_link_only_gives_uuid_ids(tmp_path: Path) -> None:
    output = tmp_path / "feed.json"
    result = newsfeed("build", SAMPLE, "-o", output, "--link", "https://example.org/news/")
    assert_silent_success(result)
    document = json.loads(output.read_bytes())
    assert document["home_page_url"] == "https://example.org/news/"
    assert len(document["items"]) == 21
    assert all(item["id"].startswith("urn:uuid:") for item in document["items"])
    # The title falls back to the bulletin's name.
    assert document["title"] == "news"


def test_build_takes_the_feeds_metadata(tmp_path: Path) -> None:
    output = tmp_path / "feed.xml"
    result = build(
        output,
        "--title",
        "Cluster news",
        "--description",
        "What the cluster does",
        "--language",
        "en",
    )
    assert_silent_success(result)
    feed = feedparser.parse(output.read_bytes()).feed
    assert feed.title == "Cluster news"
    assert feed.subtitle == "What the cluster does"
    assert feed.language == "en"
    assert feed.link == "https://example.org/news/"


def test_timezone_shifts_the_dates(tmp_path: Path) -> None:
    output = tmp_path / "feed.xml"
    assert_silent_success(build(output, "--timezone", "Europe/Moscow"))
    entries = entries_of(output.read_bytes())
    # Midnight in Moscow is 21:00 UTC the day before.
    assert entries[0][2] == datetime(2020, 6, 17, 21, 0, tzinfo=UTC)
    assert entries[20][2] == datetime(2019, 12, 25, 21, 0, tzinfo=UTC)
    for (_, _, moscow), (_, _, utc_time) in zip(entries, expected_entries(), strict=True):
        assert utc_time - moscow == timedelta(hours=3)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe", "../../etc/passwd"])
def test_unknown_timezone_is_a_usage_error(tmp_path: Path, zone: str) -> None:
    output = tmp_path / "feed.xml"
    stderr = assert_clean_failure(build(output, "--timezone", zone), 2)
    assert "unknown time zone" in stderr
    assert not output.exists()


def test_check_the_sample_is_silent() -> None:
    assert_silent_success(newsfeed("check", SAMPLE))


def test_check_lists_every_problem(tmp_path: Path) -> None:
    bulletin = tmp_path / "bad.txt"
    bulletin.write_text("Head\nline two\n18 june 2020\n" + BAD, encoding="utf-8")
    result = newsfeed("check", "bad.txt", cwd=tmp_path)
    stderr = assert_clean_failure(result, 1)
    assert result.stdout == b""
    assert stderr.splitlines() == [
        (
            "bad.txt:2: headline spans lines (a headline is one line; "
            "separate the body from it by a blank line)"
        ),
        "bad.txt:7: impossible date '31 june 2020': day is out of range for month",
        "bad.txt:8: text after the last date line (a record must end with a date)",
    ]


def test_check_reports_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    bulletin = tmp_path / "latin1.txt"
    bulletin.write_bytes("Headline\n\nCafé\n18 june 2020\n".encode("latin-1"))
    stderr = assert_clean_failure(newsfeed("check", "latin1.txt", cwd=tmp_path), 1)
    assert stderr == "latin1.txt:3: not valid UTF-8 (byte 0xe9)\n"


@pytest.mark.parametrize("command", ["check", "build"])
def test_missing_bulletin(tmp_path: Path, command: str) -> None:
    options = ["-o", "feed.xml", "--link", "https://example.org/"] if command == "build" else []
    result = newsfeed(command, "missing.txt", *options, cwd=tmp_path)
    stderr = assert_clean_failure(result, 1)
    assert stderr == "newsfeed: missing.txt: No such file or directory\n"
    assert not (tmp_path / "feed.xml").exists()


def test_bad_bulletin_leaves_the_old_output_untouched(tmp_path: Path) -> None:
    output = tmp_path / "feed.xml"
    assert_silent_success(build(output))
    before = output.read_bytes()
    bulletin = tmp_path / "news.txt"
    bulletin.write_text(SAMPLE.read_text(encoding="utf-8") + "\n" + BAD, encoding="utf-8")
    result = newsfeed("build", bulletin, "-o", output, "--feed-url", FEED_URL)
    stderr = assert_clean_failure(result, 1)
    assert f"{bulletin}:104: impossible date" in stderr
    assert output.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["feed.xml", "news.txt"]


def test_unwritable_output_is_reported(tmp_path: Path) -> None:
    # Running as root, only a path through a regular file is sure to fail.
    (tmp_path / "public").write_text("a file, not a folder", encoding="utf-8")
    result = build(tmp_path / "public" / "feed.xml")
    stderr = assert_clean_failure(result, 1)
    assert stderr == f"newsfeed: {tmp_path / 'public' / 'feed.xml'}: Not a directory\n"


def test_rebuilding_unchanged_input_does_not_rewrite(tmp_path: Path) -> None:
    outputs = [tmp_path / "feed.xml", tmp_path / "feed.atom", tmp_path / "feed.json"]
    for output in outputs:
        assert_silent_success(build(output))
    long_ago = 1_000_000_000
    first = {}
    for output in outputs:
        os.utime(output, (long_ago, long_ago))
        first[output] = output.read_bytes()
    for output in outputs:
        assert_silent_success(build(output))
        assert output.read_bytes() == first[output]
        assert output.stat().st_mtime == long_ago


def test_changed_input_rewrites(tmp_path: Path) -> None:
    output = tmp_path / "feed.xml"
    bulletin = tmp_path / "news.txt"
    shutil.copyfile(SAMPLE, bulletin)
    assert_silent_success(newsfeed("build", bulletin, "-o", output, "--feed-url", FEED_URL))
    before = output.read_bytes()
    bulletin.write_text(
        "Fresh news\n\nSomething happened.\n\n19 june 2020\n" + SAMPLE.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert_silent_success(newsfeed("build", bulletin, "-o", output, "--feed-url", FEED_URL))
    entries = entries_of(output.read_bytes())
    assert output.read_bytes() != before
    assert entries[0][1] == "Fresh news"
    assert entries[1:] == expected_entries()


@pytest.mark.parametrize(
    "args",
    [
        ["build", str(SAMPLE), "--bogus"],
        ["build", str(SAMPLE), "-o", "feed.xml"],  # neither --link nor --feed-url
        ["build", str(SAMPLE), "--format", "html", "--link", "https://example.org/"],
        ["build"],
        ["frobnicate"],
        [],
    ],
    ids=["unknown-option", "no-link", "unknown-format", "no-bulletin", "no-command", "nothing"],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    stderr = assert_clean_failure(newsfeed(*args, cwd=tmp_path), 2)
    assert "usage:" in stderr
    assert list(tmp_path.iterdir()) == []


def test_build_without_a_link_says_what_is_missing(tmp_path: Path) -> None:
    stderr = assert_clean_failure(newsfeed("build", SAMPLE, "-o", "x.xml", cwd=tmp_path), 2)
    assert "--link or --feed-url" in stderr


def test_version() -> None:
    result = newsfeed("--version")
    assert result.returncode == 0
    assert result.stdout.decode().split() == ["newsfeed", importlib.metadata.version("newsfeed")]


def test_main_returns_exit_codes_in_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(SAMPLE)]) == 0
    assert capsys.readouterr() == ("", "")

    bad = tmp_path / "bad.txt"
    bad.write_text(BAD, encoding="utf-8")
    assert main(["check", str(bad)]) == 1
    assert capsys.readouterr().err.startswith(f"{bad}:4: impossible date")

    assert main(["build", str(SAMPLE), "--bogus"]) == 2
    assert "unrecognized arguments: --bogus" in capsys.readouterr().err

    output = tmp_path / "feed.json"
    assert main(["build", str(SAMPLE), "-o", str(output), "--feed-url", FEED_URL]) == 0
    assert capsys.readouterr() == ("", "")
    assert json_entries(output.read_bytes()) == expected_entries()
    assert main(["build", str(SAMPLE), "-o", str(output), "--timezone", "Nowhere"]) == 2


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "build" in capsys.readouterr().out


def copy_examples(tmp_path: Path) -> Path:
    # The scripts write beside themselves (the combined feed, its state): run a copy.
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    return examples


def assert_three_feeds(folder: Path) -> None:
    assert entries_of((folder / "feed.xml").read_bytes())[0][1] == EXPECTED[0]["title"]
    assert feedparser.parse((folder / "feed.xml").read_bytes()).version.startswith("rss")
    assert feedparser.parse((folder / "atom.xml").read_bytes()).version == "atom10"
    assert len(entries_of((folder / "atom.xml").read_bytes())) == 21
    document = json.loads((folder / "feed.json").read_bytes())
    assert [item["title"] for item in document["items"]] == [item["title"] for item in EXPECTED]


def test_publish_sh(tmp_path: Path) -> None:
    examples = copy_examples(tmp_path)
    out = tmp_path / "out"
    # As `make demo` runs it: the virtualenv's newsfeed command first on PATH.
    env = {
        **os.environ,
        "NEWSFEED_OUT": str(out),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [examples / "publish.sh"], capture_output=True, env=env, timeout=120, check=False
    )
    assert_silent_success(result)
    assert_three_feeds(out)
    mtimes = {path: path.stat().st_mtime_ns for path in out.iterdir()}
    again = subprocess.run(
        [examples / "publish.sh"], capture_output=True, env=env, timeout=120, check=False
    )
    assert_silent_success(again)
    assert {path: path.stat().st_mtime_ns for path in out.iterdir()} == mtimes


def test_publish_py(tmp_path: Path) -> None:
    examples = copy_examples(tmp_path)
    out = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, examples / "publish.py", out],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert_silent_success(result)
    # The episode built in code comes first, with what a bulletin cannot hold.
    for name in ("feed.xml", "atom.xml", "feed.json"):
        episode, *records = parse_feed((out / name).read_bytes()).items
        assert [item.title for item in records] == [item["title"] for item in EXPECTED]
        assert episode.enclosures[0].url == "https://example.org/news/podcast/1.mp3"
        assert episode.image == "https://example.org/news/podcast/1/cover.jpg"
        assert '<a href="https://example.org/s.pdf">' in episode.content_html
        assert episode.authors[0].email == "press@example.org"
