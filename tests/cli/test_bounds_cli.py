"""A bulletin far larger than any real one: refused after reading only the cap, with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from aggregator_fixtures import Aggregation
from newsfeed import Outcome
from processes import newsfeed_command, run_measured

RECORD = "Headline of the record\n\n" + "word " * 40 + "\n\n12.05.2020\n\n"
CAP = 10 * 1024 * 1024


@pytest.fixture(scope="module")
def huge_bulletin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100 MB bulletin of well-formed records."""
    path = tmp_path_factory.mktemp("huge") / "news.txt"
    path.write_text(RECORD * (100_000_000 // len(RECORD) + 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_100_mb_bulletin_is_refused_at_the_cap(
    huge_bulletin: Path, tmp_path: Path, command: str
) -> None:
    extra = ["--feed-url", "https://example.org/feed.xml", "-o", "feed.xml"]
    arguments = [command, huge_bulletin, *(extra if command == "build" else [])]

    result = run_measured(newsfeed_command(*arguments), cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    # The line where the cap is reached, counted as the bulletin's lines are.
    line = RECORD[: CAP % len(RECORD)].count("\n") + CAP // len(RECORD) * RECORD.count("\n") + 1
    assert result.stderr == (
        f"{huge_bulletin}:{line}: the bulletin goes on past {CAP} bytes,"
        " the most read (max_bytes)\n"
    )
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    # Only the cap was read: far less than the file's 100 MB, let alone its parse.
    assert result.peak_memory < 150 * 1024 * 1024, result.peak_memory


def test_max_bytes_raises_the_cap(tmp_path: Path) -> None:
    bulletin = tmp_path / "news.txt"
    bulletin.write_text(RECORD * 30, encoding="utf-8")
    size = bulletin.stat().st_size
    command = ["check", bulletin, "--max-bytes"]

    under = run_measured(newsfeed_command(*command, str(size - 1)))
    exact = run_measured(newsfeed_command(*command, str(size)))

    assert under.returncode == 1
    assert f"goes on past {size - 1} bytes" in under.stderr
    assert (exact.returncode, exact.stderr) == (0, "")


@pytest.mark.parametrize("value", ["0", "-5", "ten"])
def test_max_bytes_must_be_a_positive_number(tmp_path: Path, value: str) -> None:
    bulletin = tmp_path / "news.txt"
    bulletin.write_text(RECORD, encoding="utf-8")

    result = run_measured(newsfeed_command("check", bulletin, "--max-bytes", value))

    assert result.returncode == 2
    assert "--max-bytes: expected a whole number above 0" in result.stderr


def test_local_sources_over_max_bytes_are_their_own_error(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(RECORD * 100, encoding="utf-8")
    (tmp_path / "small.txt").write_text(RECORD.replace("Headline", "Small"), encoding="utf-8")
    setup = Aggregation(tmp_path)
    setup.configure(
        [
            {"name": "big", "bulletin": "big.txt"},
            {"name": "small", "bulletin": "small.txt"},
        ],
        fetch={"max_bytes": 5000},
    )

    report = setup.run()

    big, small = report.sources
    assert big.outcome is Outcome.ERROR
    assert big.detail == f"{tmp_path / 'big.txt'}: over the 5000-byte cap (max_bytes)"
    assert small.outcome is Outcome.OK
    assert setup.titles() == ["Small of the record"]
