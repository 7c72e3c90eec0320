"""Aggregating: `newsfeed aggregate` over 200 slow publishers, against reader and the ideal.

Run as a script, it is reader's side: ``aggregate.py reader DB WORKERS PORT HOSTS [again]``.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import math
import select
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import inputs
import profiles
from common import HERE, NEWSFEED, PYTHON, ChildRun, Row, best, median, run_child

from newsfeed import FetchSettings

HOSTS = 200
ENTRIES = 20
DELAY = 0.1
HANGING = 10
# The runs with default settings are compared with the floor of the default in force.
DEFAULT_CONCURRENCY = FetchSettings().concurrency
SWEEP = (8, 16, 32, 64)
READER_WORKERS = 16
REPEAT = 3
QUICK_REPEAT = 1
RUN_TIMEOUT = 120.0
SERVER_START_TIMEOUT = 30.0
# The timing-out run must stay short: these bound it.
SHORT_TIMEOUT = 1.0
SHORT_MAX_SECONDS = 2.0
NOT_MODIFIED_TARGET = 1.5
READER_TARGET = 0.5
POOL_WORKERS = 2
_OUTPUTS = ("feed.xml", "atom.xml", "feed.json")


def network_floor(concurrency: int) -> float:
    """The least time 200 answers take, each 100 ms, *concurrency* at a time."""
    return math.ceil(HOSTS / concurrency) * DELAY


class FeedServer:
    """The feed server process: started, asked for its stats, and always killed."""

    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.port = process, port

    @classmethod
    @contextlib.contextmanager
    def running(
        cls, *, hosts: int = HOSTS, paths: int = 0, path_entries: int = ENTRIES
    ) -> Iterator[FeedServer]:
        """The server of *hosts* publishers, each with *paths* numbered feeds besides its own."""
        process = subprocess.Popen(
            [PYTHON, str(HERE / "feedserver.py"), "--hosts", str(hosts), "--entries", str(ENTRIES),
             "--delay", str(DELAY), "--paths", str(paths), "--path-entries", str(path_entries)],
            stdout=subprocess.PIPE,
        )  # fmt: skip
        try:
            yield cls(process, _ready_port(process))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def _control(self, path: str) -> dict[str, object]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.request("GET", path)
            return json.loads(connection.getresponse().read())  # type: ignore[no-any-return]
        finally:
            connection.close()

    def reset(self) -> None:
        self._control("/reset")

    def stats(self) -> dict[str, object]:
        return self._control("/stats")

    def url(self, index: int, *, hang: bool = False) -> str:
        return f"http://127.0.0.{2 + index}:{self.port}/{'hang' if hang else 'feed'}.xml"

    def numbered_url(self, host: int, number: int) -> str:
        return f"http://127.0.0.{2 + host}:{self.port}/feed/{number}.xml"


def _ready_port(process: subprocess.Popen[bytes]) -> int:
    if process.stdout is None:
        raise RuntimeError("the feed server was started without a pipe")
    readable, _, _ = select.select([process.stdout], [], [], SERVER_START_TIMEOUT)
    line = process.stdout.readline().decode() if readable else ""
    if not line.startswith("ready "):
        raise RuntimeError(f"the feed server did not start: {line!r}")
    return int(line.split()[1])


def write_config(
    directory: Path,
    server: FeedServer,
    *,
    concurrency: int | None = None,
    hanging: int = 0,
    timeout: float | None = None,
    max_seconds: float | None = None,
    parse_processes: int | None = None,
) -> Path:
    """A configuration of the 200 publishers; *hanging* of them, spread out, never answer."""
    directory.mkdir(parents=True, exist_ok=True)
    every = HOSTS // hanging if hanging else 0
    sources = "".join(
        f'[[source]]\nurl = "{server.url(index, hang=bool(every) and index % every == 0)}"\n\n'
        for index in range(HOSTS)
    )
    fetch = {
        "concurrency": concurrency,
        "timeout": timeout,
        "max_seconds": max_seconds,
        "parse_processes": parse_processes,
    }
    fetch_lines = "".join(f"{key} = {value}\n" for key, value in fetch.items() if value is not None)
    config = directory / "feeds.toml"
    config.write_text(
        '[feed]\ntitle = "Benchmark"\nlink = "https://bench.example/"\n'
        'feed_url = "https://bench.example/feed.xml"\n\n'
        f"{sources}"
        + (f"[fetch]\n{fetch_lines}\n" if fetch_lines else "")
        + '[output]\nrss = "feed.xml"\natom = "atom.xml"\njson = "feed.json"\n'
        'state = "state.sqlite"\n',
        encoding="utf-8",
    )
    return config


def aggregate(config: Path, scratch: Path, *, timeout: float = RUN_TIMEOUT) -> ChildRun:
    run = run_child([NEWSFEED, "aggregate", str(config)], timeout=timeout, scratch=scratch)
    if run.returncode != 0:
        raise RuntimeError(
            f"newsfeed aggregate failed (exit {run.returncode} after {run.seconds:.0f} s):"
            f" {run.stderr[-2000:]}"
        )
    return run


def _mtimes(directory: Path) -> dict[str, int]:
    return {name: (directory / name).stat().st_mtime_ns for name in _OUTPUTS}


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


@dataclass(frozen=True, slots=True)
class Pair:
    """A first run on fresh state and the run right after it, when nothing changed."""

    first: float
    second: float
    max_in_flight: object


def newsfeed_pair(
    server: FeedServer,
    directory: Path,
    concurrency: int | None,
    *,
    parse_processes: int | None = None,
) -> Pair:
    config = write_config(
        directory, server, concurrency=concurrency, parse_processes=parse_processes
    )
    server.reset()
    first = aggregate(config, directory)
    stats = server.stats()
    _expect(stats["counts"] == {"200": HOSTS}, f"first run: expected {HOSTS} answers, {stats}")
    written = _mtimes(directory)
    server.reset()
    second = aggregate(config, directory)
    counts = server.stats()["counts"]
    # Only 304 answers came back: there was no body, so no feed could have been parsed.
    _expect(counts == {"304": HOSTS}, f"second run: expected only 304s, got {counts}")
    _expect(f"{HOSTS} not modified" in second.stderr, f"second run: {second.stderr}")
    _expect("0 files rewritten" in second.stderr, f"second run rewrote: {second.stderr}")
    _expect(_mtimes(directory) == written, "second run changed an output file's mtime")
    return Pair(first=first.seconds, second=second.seconds, max_in_flight=stats["max_in_flight"])


def reader_run(server: FeedServer, database: Path, scratch: Path, *, again: bool) -> float:
    argv = [PYTHON, str(Path(__file__).resolve()), "reader", str(database), str(READER_WORKERS),
            str(server.port), str(HOSTS)]  # fmt: skip
    server.reset()
    run = run_child([*argv, "again"] if again else argv, timeout=RUN_TIMEOUT, scratch=scratch)
    _expect(run.returncode == 0, f"reader failed: {run.stderr[-2000:]}")
    counts = server.stats()["counts"]
    _expect(counts == {"304" if again else "200": HOSTS}, f"reader: unexpected answers {counts}")
    return run.seconds


def _parse_with_feedparser(body: bytes) -> object:
    # As newsfeed calls it: a file object, no sanitising, no URI resolving.
    return feedparser.parse(io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False)


def _read_with_newsfeed(body: bytes) -> object:
    from newsfeed._ingest import read_feed  # noqa: PLC0415 - also imported in pool workers

    return read_feed(body, now=datetime(2026, 1, 1, tzinfo=UTC))


def parse_experiment(repeat: int) -> dict[str, float]:
    """Reading the 200 bodies: one thread, against a pool of processes on the two cores."""
    bodies = [inputs.rss_feed(f"127.0.0.{2 + index}", ENTRIES) for index in range(HOSTS)]
    results: dict[str, float] = {
        "feedparser_s": best(lambda: [_parse_with_feedparser(body) for body in bodies], repeat),
        "newsfeed_read_s": best(lambda: [_read_with_newsfeed(body) for body in bodies], repeat),
    }

    def cold() -> None:
        with ProcessPoolExecutor(POOL_WORKERS) as pool:
            list(pool.map(_read_with_newsfeed, bodies, chunksize=10))

    results["pool_cold_s"] = best(cold, repeat)
    with ProcessPoolExecutor(POOL_WORKERS) as pool:
        list(pool.map(_read_with_newsfeed, bodies[:POOL_WORKERS]))  # workers up and imported
        results["pool_warm_s"] = best(
            lambda: list(pool.map(_read_with_newsfeed, bodies, chunksize=10)), repeat
        )
    results["body_bytes"] = float(sum(len(body) for body in bodies))
    return results


def _timeout_run(server: FeedServer, directory: Path) -> tuple[float, str]:
    config = write_config(
        directory, server, hanging=HANGING, timeout=SHORT_TIMEOUT, max_seconds=SHORT_MAX_SECONDS
    )
    server.reset()
    run = aggregate(config, directory)
    counts = server.stats()["counts"]
    _expect(counts.get("hang") == HANGING, f"timeout run: {counts}")
    _expect(f"{HANGING} error" in run.stderr, f"timeout run: {run.stderr[-2000:]}")
    return run.seconds, run.stderr.strip().splitlines()[-1]


def run(scratch: Path, *, quick: bool) -> tuple[list[Row], dict[str, object]]:
    repeat = QUICK_REPEAT if quick else REPEAT
    experiment = parse_experiment(repeat)
    parse_s = experiment["feedparser_s"]
    details: dict[str, object] = {"parse_experiment": experiment}
    with FeedServer.running() as server:
        pairs: dict[int, list[Pair]] = {c: [] for c in (() if quick else SWEEP)}
        default: list[Pair] = []
        reader_first, reader_again = [], []
        # Round by round, so that a disturbance of the machine falls on every contender alike.
        for attempt in range(repeat):
            default.append(newsfeed_pair(server, scratch / f"default-{attempt}", None))
            database = scratch / f"reader-{attempt}.sqlite"
            reader_first.append(reader_run(server, database, scratch, again=False))
            reader_again.append(reader_run(server, database, scratch, again=True))
            for concurrency, runs in pairs.items():
                runs.append(
                    newsfeed_pair(server, scratch / f"c{concurrency}-{attempt}", concurrency)
                )
        timeout_s, timeout_summary = _timeout_run(server, scratch / "timeouts")
        profile_dir = scratch / "profile"
        config = write_config(profile_dir, server)
        details["profiles"] = {
            "first run": profiles.pyspy([NEWSFEED, "aggregate", str(config)], scratch, "first"),
            "not-modified run": profiles.pyspy(
                [NEWSFEED, "aggregate", str(config)], scratch, "second"
            ),
        }
    first = median([pair.first for pair in default])
    second = median([pair.second for pair in default])
    reader_s = median(reader_first)
    floor = network_floor(DEFAULT_CONCURRENCY)
    rows = [
        Row(
            group="aggregate",
            metric=f"first run, 200 feeds (default concurrency {DEFAULT_CONCURRENCY})",
            value=first,
            unit="s",
            baseline=reader_s,
            baseline_name=f"reader, workers={READER_WORKERS}",
            target=READER_TARGET,
            note="whole processes, fresh state",
        ),
        Row(
            group="aggregate",
            metric="first run vs ideal (network floor + feedparser)",
            value=first,
            unit="s",
            baseline=floor + parse_s,
            baseline_name=f"{floor:.1f} s + {parse_s:.2f} s parse",
        ),
        Row(
            group="aggregate",
            metric="second run, all 304 (no parse, no file rewritten)",
            value=second,
            unit="s",
            baseline=floor,
            baseline_name=f"ceil(200/{DEFAULT_CONCURRENCY}) x 100 ms",
            target=NOT_MODIFIED_TARGET,
            note=f"reader, all 304: {median(reader_again):.2f} s",
        ),
        Row(
            group="aggregate",
            metric=f"first run, {HANGING} sources time out (timeout {SHORT_TIMEOUT:g} s)",
            value=timeout_s,
            unit="s",
            baseline=first,
            baseline_name="first run, all answer",
            note=timeout_summary,
        ),
    ]
    for concurrency, runs in pairs.items():
        floor = network_floor(concurrency)
        rows.append(
            Row(
                group="concurrency",
                metric=f"concurrency {concurrency}: first run",
                value=median([pair.first for pair in runs]),
                unit="s",
                baseline=floor + parse_s,
                baseline_name="ideal",
                note=f"most in flight: {runs[0].max_in_flight}",
            )
        )
        rows.append(
            Row(
                group="concurrency",
                metric=f"concurrency {concurrency}: all 304",
                value=median([pair.second for pair in runs]),
                unit="s",
                baseline=floor,
                baseline_name=f"ceil(200/{concurrency}) x 100 ms",
            )
        )
    rows.append(
        Row(
            group="aggregate",
            metric="reading 200 feeds in a pool of 2 processes",
            value=experiment["pool_warm_s"],
            unit="s",
            baseline=experiment["newsfeed_read_s"],
            baseline_name="one thread",
            note=f"pool started per run: {experiment['pool_cold_s']:.2f} s",
        )
    )
    details["runs"] = {
        "default": [_pair(pair) for pair in default],
        "sweep": {str(c): [_pair(pair) for pair in runs] for c, runs in pairs.items()},
        "reader_first_s": reader_first,
        "reader_again_s": reader_again,
        "timeout_s": timeout_s,
    }
    return rows, details


def _pair(pair: Pair) -> dict[str, object]:
    return {"first_s": pair.first, "second_s": pair.second, "max_in_flight": pair.max_in_flight}


def _reader_child(database: str, workers: str, port: str, hosts: str, *again: str) -> None:
    from reader import make_reader  # noqa: PLC0415 - only the child needs reader

    reader = make_reader(database)
    if again:
        reader.update_feeds(workers=int(workers), scheduled=False)
        return
    for index in range(int(hosts)):
        reader.add_feed(f"http://127.0.0.{2 + index}:{port}/feed.xml")
    reader.update_feeds(workers=int(workers))
    stored = reader.get_entry_counts().total
    if stored != int(hosts) * ENTRIES:
        raise SystemExit(f"reader stored {stored} entries")


if __name__ == "__main__":
    if sys.argv[1:2] == ["reader"]:
        _reader_child(*sys.argv[2:])
    else:
        raise SystemExit(f"usage: {sys.argv[0]} reader DB WORKERS PORT HOSTS [again]")
