"""``newsfeed build`` and ``newsfeed aggregate`` killed with SIGKILL at random moments.

After every kill each output file is byte for byte the complete old file or a complete
new one, the state database passes ``PRAGMA integrity_check`` and still holds every item
it held before, and the next run succeeds and leaves no temporary file behind.

A kill lands at a random moment of the whole run (interpreter start included), or, since
writing takes a small part of a run, at a random moment after the run has begun to write:
a file in the output folder appeared or changed, or the state's write-ahead log grew.
Each case draws its moments from its own seeded generator: the seed and the moments are in
every message. The cases are parametrized so that pytest-xdist spreads them over the workers.
"""

from __future__ import annotations

import json
import os
import random
import re
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count
from pathlib import Path

import feedparser
import pytest

from aggregator_fixtures import RSS_TYPE, Aggregation, Answer, FeedServer, entry, rss2
from newsfeed import parse_feed
from processes import newsfeed as run
from processes import newsfeed_command

CASES = 6
KILLS_PER_CASE = 5
# Kills land up to this much later than a complete run took, so some land after its end.
PAST_THE_END = 1.2
# A kill is never delayed past this: a run that hangs fails the test instead of the suite.
DEADLINE_SECONDS = 30.0
EXAMPLES = Path(__file__).parents[2] / "examples"
FEED_URL = "https://cluster.example/news/feed.xml"
BUILD_OUTPUTS = ("feed.xml", "index.html")
# How an interrupted write_atomic names its temporary file: ".feed.xml.<12 hex digits>.tmp".
TEMPORARY = re.compile(r"\.(?P<target>.+)\.[0-9a-f]{12}\.tmp")


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if TEMPORARY.fullmatch(path.name))


def folder_changed(folder: Path) -> Callable[[], bool]:
    """Whether a file in *folder* appeared, went or changed since now: a run began to write.

    Whatever way the outputs are written (a temporary file, or in place), this sees it.
    """

    def snapshot() -> dict[str, tuple[int, int, int]]:
        files = {}
        for path in folder.iterdir():
            try:
                status = path.stat()
            except FileNotFoundError:
                continue  # renamed while listed: the next look sees the change
            files[path.name] = (status.st_ino, status.st_size, status.st_mtime_ns)
        return files

    before = snapshot()
    return lambda: snapshot() != before


def age_leftovers(folder: Path) -> None:
    # The next run comes later than the age under which a temporary file may still be a live
    # writer's (write_atomic keeps those); the killed writer's files are older by then.
    an_hour_ago = time.time() - 3600
    for name in leftovers(folder):
        os.utime(folder / name, (an_hour_ago, an_hour_ago))


def assert_only_outputs_and_temporaries(folder: Path, outputs: set[str], context: str) -> None:
    for path in folder.iterdir():
        match = TEMPORARY.fullmatch(path.name)
        assert path.name in outputs or (match and match["target"] in outputs), (
            f"unexpected {path.name} in {folder} ({context})"
        )


def wait_until(process: subprocess.Popen[bytes], condition: Callable[[], bool]) -> bool:
    """Poll *condition* while *process* runs; ``False`` if it ended first."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.0005)
    return False


@dataclass(frozen=True, slots=True)
class Trigger:
    """A sign that a run has begun to write, and how long after it to kill at most."""

    name: str
    seen: Callable[[], bool]
    within: float


def kill_at_random_moment(
    command: list[str],
    chooser: random.Random,
    *,
    run_seconds: float,
    triggers: list[Trigger],
    cwd: Path,
) -> str:
    """Start *command* and SIGKILL it at a moment drawn from *chooser*; describe the moment."""
    mode = chooser.choice(["anywhere", *(trigger.name for trigger in triggers)])
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd
    )
    try:
        if mode == "anywhere":
            delay = chooser.uniform(0, run_seconds * PAST_THE_END)
            time.sleep(delay)
            how = f"killed {delay:.3f} s after the start"
        else:
            (trigger,) = [trigger for trigger in triggers if trigger.name == mode]
            # Log-uniform from within/300 to within: as many kills in each factor of ten, so
            # that writes of a fraction of a millisecond are hit as well as longer ones.
            delay = trigger.within * 10 ** chooser.uniform(-2.5, 0)
            seen = wait_until(process, trigger.seen)
            time.sleep(delay)
            how = f"killed {delay:.4f} s after {mode}" + ("" if seen else " (never seen)")
    finally:
        process.kill()
        process.wait(10)
    if process.returncode == 0:
        how += ", after it had finished"
    return how


# --- build ------------------------------------------------------------------------------------

# The words of the sample bulletin, without its dates.
_WORDS = sorted(
    {word for word in (EXAMPLES / "news.txt").read_text(encoding="utf-8").split() if word.isalpha()}
)


def generate_bulletin(version: str, records: int = 2000) -> str:
    """A bulletin shaped like the cluster's: headline, body paragraphs, date; newest first.

    Some records have no headline (a blank line after the previous date line says so), some
    no body, as in the real one.
    """
    chooser = random.Random(version)  # noqa: S311 - test data, not security
    day = date(2020, 6, 18)

    def sentence() -> str:
        words = chooser.choices(_WORDS, k=chooser.randint(8, 20))
        return " ".join(words).capitalize() + "."

    lines: list[str] = []
    for number in range(records):
        shape = chooser.random()
        if shape > 0.1:
            lines.append(f"{sentence()[:-1]} ({version} {number})")
        else:
            lines.append("")  # no headline: the title is derived from the body
        if shape < 0.9:
            for _ in range(chooser.randint(1, 3)):
                lines.extend(["", " ".join(sentence() for _ in range(chooser.randint(1, 4)))])
            if shape <= 0.1:
                lines[-1] += f" Record {version} {number}."
            lines.append("")
        lines.append(f"{day.day} {day.strftime('%B').lower()} {day.year}")
        if chooser.random() < 0.4:
            day -= timedelta(days=1)
    return "\n".join(lines) + "\n"


def build_command(bulletin: Path, folder: Path) -> list[str]:
    return newsfeed_command(
        "build",
        bulletin,
        "-o",
        folder / "feed.xml",
        "--html",
        folder / "index.html",
        "--feed-url",
        FEED_URL,
        "--title",
        "Cluster news",
    )


@dataclass(frozen=True, slots=True)
class Version:
    name: str
    bulletin: Path
    outputs: Mapping[str, bytes]


@dataclass(frozen=True, slots=True)
class BuildSetup:
    versions: tuple[Version, Version]
    run_seconds: float


@pytest.fixture(scope="module")
def build_setup(tmp_path_factory: pytest.TempPathFactory) -> BuildSetup:
    """Two versions of a large bulletin, and what a complete build writes for each."""
    directory = tmp_path_factory.mktemp("bulletins")
    versions = []
    durations = []
    for name in ("a", "b"):
        bulletin = directory / f"news-{name}.txt"
        bulletin.write_text(generate_bulletin(name), encoding="utf-8")
        folder = directory / f"expected-{name}"
        started = time.monotonic()
        result = subprocess.run(
            build_command(bulletin, folder), capture_output=True, timeout=60, check=False
        )
        durations.append(time.monotonic() - started)
        assert (result.returncode, result.stderr) == (0, b"")
        outputs = {output: (folder / output).read_bytes() for output in BUILD_OUTPUTS}
        versions.append(Version(name, bulletin, outputs))
    first, second = versions
    assert all(first.outputs[output] != second.outputs[output] for output in BUILD_OUTPUTS)
    assert len(first.outputs["feed.xml"]) > 1_000_000  # writing takes measurable time
    return BuildSetup((first, second), max(durations))


@pytest.mark.parametrize("seed", range(CASES))
def test_build_killed_at_any_moment_leaves_the_old_or_the_new_file(
    seed: int, build_setup: BuildSetup, tmp_path: Path
) -> None:
    chooser = random.Random(f"build {seed}")  # noqa: S311 - timing, not security
    versions = build_setup.versions
    public = tmp_path / "public"
    public.mkdir()
    for output, data in versions[seed % 2].outputs.items():
        (public / output).write_bytes(data)
    moments = []

    for kill in range(KILLS_PER_CASE):
        new = versions[(seed + kill + 1) % 2]  # every run changes both files
        old = {output: (public / output).read_bytes() for output in BUILD_OUTPUTS}
        how = kill_at_random_moment(
            build_command(new.bulletin, public),
            chooser,
            run_seconds=build_setup.run_seconds,
            triggers=[Trigger("the folder changed", folder_changed(public), 0.02)],
            cwd=tmp_path,
        )
        moments.append(how)
        context = f"seed {seed}, run {kill} writing version {new.name}: {how}; this case: {moments}"

        for output in BUILD_OUTPUTS:
            data = (public / output).read_bytes()
            if data != old[output]:
                assert data == new.outputs[output], f"{output} is neither old nor new ({context})"
        assert_only_outputs_and_temporaries(public, set(BUILD_OUTPUTS), context)

    age_leftovers(public)
    last = versions[(seed + KILLS_PER_CASE + 1) % 2]
    result = subprocess.run(
        build_command(last.bulletin, public), capture_output=True, timeout=60, check=False
    )
    context = f"seed {seed}, a complete run after {moments}"
    assert (result.returncode, result.stderr) == (0, b""), context
    for output in BUILD_OUTPUTS:
        assert (public / output).read_bytes() == last.outputs[output], context
    assert sorted(path.name for path in public.iterdir()) == sorted(BUILD_OUTPUTS), context


# --- aggregate --------------------------------------------------------------------------------


def serving(body: str) -> Answer:
    return 200, {"Content-Type": RSS_TYPE}, body.encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer({})
    yield feeds
    feeds.close()


def integrity(database: Path) -> list[tuple[str]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("PRAGMA integrity_check").fetchall()
    finally:
        connection.close()


def stored_items(database: Path) -> set[tuple[str, str]]:
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        return set(connection.execute("SELECT source_key, id FROM item").fetchall())
    finally:
        connection.close()


def published_ids(kind: str, data: bytes, context: str) -> set[str]:
    """The item ids of a complete output; fails on a partial one."""
    if kind == "json":
        assert json.loads(data)["version"].startswith("https://jsonfeed.org/"), context
    else:
        parsed = feedparser.parse(data)
        assert parsed.get("version"), context
        assert not parsed.get("bozo"), (context, parsed.get("bozo_exception"))
    return {item.id for item in parse_feed(data).items}


def written(path: Path) -> Callable[[], bool]:
    """Whether *path* is not empty and differs, in size or mtime, from now: a run wrote to it."""

    def signature() -> tuple[int, int] | None:
        try:
            status = path.stat()
        except FileNotFoundError:
            return None
        return status.st_size, status.st_mtime_ns

    before = signature()

    def seen() -> bool:
        now = signature()
        return now is not None and now != before and now[0] > 0

    return seen


@pytest.mark.parametrize("seed", range(CASES))
def test_aggregate_killed_at_any_moment_keeps_its_files_and_state(
    seed: int, tmp_path: Path, server: FeedServer
) -> None:
    chooser = random.Random(f"aggregate {seed}")  # noqa: S311 - timing, not security
    answers = random.Random(f"aggregate answers {seed}")  # noqa: S311
    runs = count()

    def slow_feed(number: int) -> Answer:
        # Every answer is new, so every run saves and rewrites: a kill can land mid-write.
        time.sleep(answers.uniform(0.01, 0.2))
        serial = next(runs)
        items = [entry(n, site=f"https://s{number}.example") for n in range(1, 6)]
        items.append(entry(0, site=f"https://s{number}.example/{serial}", title=f"Run {serial}"))
        return serving(rss2(items, title=f"Source {number}"))

    sources = []
    for number in range(6):
        server.routes[f"/{number}"] = lambda number=number: slow_feed(number)
        sources.append({"name": f"source {number}", "url": server.url(f"/{number}")})
    setup = Aggregation(tmp_path)
    setup.configure(
        sources,
        feed={"max_items": 1000},  # every stored item is published: none may go missing
        fetch={"concurrency": 2, "per_host": 2, "timeout": 5},
    )
    command = newsfeed_command("aggregate", "-q", setup.config_path)
    outputs = {path.name for path in setup.outputs.values()}
    folder = setup.outputs["rss"].parent
    started = time.monotonic()
    first = run("aggregate", "-q", setup.config_path, cwd=tmp_path)
    run_seconds = time.monotonic() - started
    assert (first.returncode, first.stderr) == (0, ""), f"seed {seed}"
    moments: list[str] = []

    for kill in range(KILLS_PER_CASE):
        items = stored_items(setup.state_path)
        old = {kind: path.read_bytes() for kind, path in setup.outputs.items()}
        old_ids = {kind: published_ids(kind, data, "before") for kind, data in old.items()}
        wal = setup.state_path.with_name(setup.state_path.name + "-wal")
        triggers = [
            Trigger("the folder changed", folder_changed(folder), 0.005),
            Trigger("the state's log was written", written(wal), 0.05),
        ]
        how = kill_at_random_moment(
            command, chooser, run_seconds=run_seconds, triggers=triggers, cwd=tmp_path
        )
        moments.append(how)
        context = f"seed {seed}, run {kill}: {how}; this case: {moments}"

        for kind, path in setup.outputs.items():
            data = path.read_bytes()
            if data != old[kind]:
                missing = old_ids[kind] - published_ids(kind, data, context)
                assert not missing, f"{path.name} lost {sorted(missing)} ({context})"
        assert_only_outputs_and_temporaries(folder, outputs, context)
        assert integrity(setup.state_path) == [("ok",)], context
        lost = items - stored_items(setup.state_path)
        assert not lost, f"the state lost {sorted(lost)} ({context})"

    items = stored_items(setup.state_path)
    age_leftovers(folder)
    rerun = run("aggregate", "-q", setup.config_path, cwd=tmp_path)
    context = f"seed {seed}, a complete run after {moments}"
    assert (rerun.returncode, rerun.stderr) == (0, ""), context
    assert integrity(setup.state_path) == [("ok",)], context
    assert items <= stored_items(setup.state_path), context
    for kind, path in setup.outputs.items():
        assert len(published_ids(kind, path.read_bytes(), context)) > 6 * 5, context
    assert leftovers(folder) == [], context
