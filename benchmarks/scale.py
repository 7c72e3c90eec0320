"""Scale (issue #11): runs whose cost follows what changed, not how much is stored or configured.

- A no-op run (no source changed) with 1,000,000 stored items against one with 10,000,
  plain and with ``archive`` + ``html``: time and the child's peak memory. The state is
  seeded through the store's API, not by parsing a million entries.
- ``newsfeed aggregate``'s first run of 200 feeds against reader's ``update_feeds``.
- The all-304 run against its network floor: the same conditional requests made by a bare
  asyncio client (``bareclient.py``: stdlib streams, no HTTP library) as a whole process,
  with the same concurrency and per-host limit.
- Time per source at 200, 2,000 and 10,000 sources, 100 of them per host at most, first run
  and all 304; the server's counters confirm the per-host limit held. The bare client, and
  httpx alone (``httpxclient.py``), make the same requests at the smallest and the largest
  count: how flat the floor itself is.

Run as a script, it is a child: ``scale.py noop CONFIG`` (a whole ``newsfeed aggregate``
that prints its peak memory), ``scale.py seed DIRECTORY ITEMS SOURCES`` and ``scale.py
publish CONFIG`` (seeding).
"""

from __future__ import annotations

import hashlib
import json
import random
import resource
import shutil
import sqlite3
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import inputs
from aggregate import (
    HOSTS,
    READER_WORKERS,
    FeedServer,
    aggregate,
    newsfeed_pair,
    reader_run,
)
from common import HERE, PYTHON, ChildRun, Row, median, peak_memory_mb, run_child

from newsfeed import FetchSettings, NewsItem, Outcome, Source, load_config
from newsfeed._state import SourceState, open_state
from newsfeed._store import SCHEMA_VERSION

# -- the no-op run over a large state
STORED = (10_000, 1_000_000)
QUICK_STORED = (1_000, 100_000)
LOCAL_SOURCES = 100
# Items are this far apart, all sources together: 1,000,000 items span 9.5 years, so the
# large state is the small one with a longer history behind it.
ITEM_SPACING = timedelta(minutes=5)
NEWEST = datetime(2026, 11, 1, tzinfo=UTC)
NOOP_TARGET = 1.25
# A run that does not finish in this time, or within this memory, is reported as such.
NOOP_TIMEOUT = 240.0
NOOP_MEMORY_LIMIT = 8 * 1024**3
SEED_TIMEOUT = 1800.0
#: Seeded states, kept between benchmark runs (git-ignored, about 1 GB at 1,000,000 items).
CACHE = HERE / "results" / "cache"
_VARIANTS = {
    "plain": 'rss = "feed.xml"\natom = "atom.xml"\n',
    "archive + html": 'rss = "feed.xml"\natom = "atom.xml"\narchive = "archive"\n'
    'html = "index.html"\n',
}
# -- fetching
FIRST_TARGET = 0.5
# The first run again, its bodies read in a pool of processes ([fetch] parse_processes).
POOL_PROCESSES = 2
NOT_MODIFIED_TARGET = 1.5
CONCURRENCY = FetchSettings().concurrency
PER_HOST = FetchSettings().per_host
SOURCE_COUNTS = (200, 2_000, 10_000)
QUICK_SOURCE_COUNTS = (200, 2_000)
# Sources per host at the largest count; the per-host limit then queues 100 requests a host.
SHARED_HOSTS = 100
# Entries in each of the many sources' feeds: fewer than the 200 feeds' 20, so that parsing
# 10,000 of them keeps the first run to a minute or two.
SHARED_ENTRIES = 5
PER_SOURCE_TARGET = 1.5
#: The clients that make the per-source rows' requests with nothing of newsfeed, by name.
FLOOR_CLIENTS = {"the bare client": "bareclient.py", "httpx alone": "httpxclient.py"}
# 10,000 sources took over 2 minutes on the busy machine (load average 9 on 2 cores).
RUN_TIMEOUT = 600.0
REPEAT = 3
QUICK_REPEAT = 1


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise RuntimeError(message)


# -- the no-op run over a large state


def _local_config(directory: Path, variant: str, sources: Path) -> Path:
    """A configuration in *directory* of the local feeds in *sources*, shared by every variant.

    The paths are absolute: a source's key in the state is its path, so each variant's copy
    of the seeded state knows them.
    """
    lines = [
        (
            '[feed]\ntitle = "Scale"\nlink = "https://bench.example/"\n'
            'feed_url = "https://bench.example/feed.xml"\n'
        )
    ]
    lines.extend(
        f'[[source]]\nfile = "{sources / f"{index}.xml"}"\n' for index in range(LOCAL_SOURCES)
    )
    lines.append(f'[output]\n{_VARIANTS[variant]}state = "state.sqlite"\n')
    config = directory / "feeds.toml"
    config.write_text("\n".join(lines), encoding="utf-8")
    return config


def _items(source: int, count: int) -> list[NewsItem]:
    """A source's *count* items, newest first: each LOCAL_SOURCES x 5 minutes older."""
    host = f"source-{source}.bench.example"
    attribution = Source(title=f"Publisher {source}", url=f"https://{host}/feed.xml")
    words = random.Random(f"{inputs.SEED}:{source}").choices(inputs.VOCABULARY, k=1000)
    return [
        NewsItem(
            id=f"urn:bench:{host}:{number}",
            title=" ".join(words[number % 960 : number % 960 + 8]).capitalize(),
            summary=" ".join(words[number % 953 : number % 953 + 32]).capitalize() + ".",
            published=NEWEST - ITEM_SPACING * (number * LOCAL_SOURCES + source),
            link=f"https://{host}/news/{number}",
            source=attribution,
        )
        for number in range(count)
    ]


def _seed_child(directory: str, stored: str, sources: str) -> None:
    """Store *stored* items of the local sources in *sources*, none changed since.

    With the store's own API, one source (one transaction) at a time.
    """
    folder, feeds = Path(directory), Path(sources)
    feeds.mkdir(parents=True, exist_ok=True)
    config = load_config(_local_config(folder, "plain", feeds))
    with open_state(config.output.state) as state:
        for index, source in enumerate(config.sources):
            body = inputs.rss_feed(f"source-{index}.bench.example", 1)
            (feeds / f"{index}.xml").write_bytes(body)
            fetched = SourceState(
                key=source.key,
                content_hash=hashlib.sha256(body).hexdigest(),
                title=f"Publisher {index}",
                status=Outcome.OK,
                last_fetched=NEWEST,
            )
            state.save(fetched, _items(index, int(stored) // LOCAL_SOURCES), now=NEWEST)


def _publish_child(config_path: str) -> None:
    """Publish the seeded items through the state's API, as the earlier runs would have.

    Each item gets its entry, and with archives every complete page is closed without
    its files being written: a run never reads or renders a complete page again, and
    rendering a million items would take the benchmark many minutes.
    """
    config = load_config(config_path)
    with open_state(config.output.state) as state:
        state.publish([source.key for source in config.sources])
        if config.output.archive is not None:
            while (page := state.next_page(config.max_items)) is not None:
                state.close_page(page)


def _child(argv: Sequence[str], scratch: Path) -> None:
    run = run_child(
        [PYTHON, str(Path(__file__).resolve()), *argv], timeout=SEED_TIMEOUT, scratch=scratch
    )
    _expect(run.returncode == 0, f"{argv[0]} failed: {run.stderr[-2000:]}")


def prepared(scratch: Path, stored: int, variant: str) -> tuple[Path, float]:
    """A configuration of LOCAL_SOURCES local sources over a state of *stored* items, published.

    Seeded states are kept in CACHE between benchmark runs, for one schema version: seeding
    a million items takes minutes. The measured runs then use them in place.
    Returns the configuration and the seconds the preparation took.
    """
    started = time.perf_counter()
    sources = CACHE / "sources"
    name = f"schema{SCHEMA_VERSION}-{stored}-{LOCAL_SOURCES}"
    seeded = CACHE / f"{name}-seed"
    if not (seeded / "done").exists():
        shutil.rmtree(seeded, ignore_errors=True)
        seeded.mkdir(parents=True)
        _child(["seed", str(seeded), str(stored), str(sources)], scratch)
        (seeded / "done").touch()
    kept = CACHE / f"{name}-{variant.split(maxsplit=1)[0]}"
    if not (kept / "done").exists():
        shutil.rmtree(kept, ignore_errors=True)
        kept.mkdir(parents=True)
        shutil.copyfile(seeded / "state.sqlite", kept / "state.sqlite")
        _child(["publish", str(_local_config(kept, variant, sources))], scratch)
        (kept / "done").touch()
    config = _local_config(kept, variant, sources)
    # Measured where it was published: the outputs' paths are part of what a run compares.
    # This run publishes what is not current yet (the first time, or after a change of the
    # code); the runs measured after it find everything current.
    published = noop_run(config, scratch, publishing=True, timeout=SEED_TIMEOUT)
    _expect(published.failure is None, f"publishing run: {published.failure}")
    return config, time.perf_counter() - started


def stored_items(state: Path) -> int:
    connection = sqlite3.connect(f"{state.as_uri()}?mode=ro", uri=True)
    try:
        (count,) = connection.execute("SELECT count(*) FROM item").fetchone()
    finally:
        connection.close()
    return int(count)


@dataclass(frozen=True, slots=True)
class NoOp:
    """One measured no-op run: seconds, peak MB, or why it did not finish."""

    seconds: float
    peak_mb: float | None
    failure: str | None = None


def noop_run(
    config: Path, scratch: Path, *, publishing: bool = False, timeout: float = NOOP_TIMEOUT
) -> NoOp:
    run = run_child(
        [PYTHON, str(Path(__file__).resolve()), "noop", str(config)],
        timeout=timeout,
        scratch=scratch,
    )
    if run.returncode != 0:
        return NoOp(run.seconds, None, _why(run, timeout))
    if not publishing:
        _expect("0 files rewritten" in run.stderr, f"no-op run rewrote files: {run.stderr[-500:]}")
    return NoOp(run.seconds, json.loads(run.stdout.splitlines()[-1])["peak_mb"])


def _why(run: ChildRun, timeout: float) -> str:
    if run.returncode < 0 or run.seconds >= timeout:
        return f"killed after {run.seconds:.0f} s (timeout {timeout:g} s)"
    if "MemoryError" in run.stderr:
        return f"out of memory (limit {NOOP_MEMORY_LIMIT / 1024**3:g} GiB)"
    return f"exit {run.returncode}: {run.stderr.strip()[-300:]}"


def _noop_rows(scratch: Path, *, quick: bool) -> tuple[list[Row], dict[str, object]]:
    sizes = QUICK_STORED if quick else STORED
    repeat = QUICK_REPEAT if quick else REPEAT
    details: dict[str, object] = {}
    configs: dict[tuple[str, int], Path] = {}
    for size in sizes:
        for variant in _VARIANTS:
            configs[variant, size], seconds = prepared(scratch, size, variant)
            details[f"{variant}, {size}: preparing (seconds, cached or not)"] = seconds
    runs: dict[tuple[str, int], list[NoOp]] = {key: [] for key in configs}
    # Round by round, so that a disturbance of the machine falls on every size alike.
    for _ in range(repeat):
        for (variant, size), config in configs.items():
            runs[variant, size].append(noop_run(config, scratch))
    rows = []
    small, large = sizes
    for variant in _VARIANTS:
        kept = stored_items(configs[variant, large].with_name("state.sqlite"))
        small_runs, large_runs = runs[variant, small], runs[variant, large]
        failure = next((run.failure for run in large_runs if run.failure), None)
        note = f"{kept:,} items stored after the run" + (f"; {failure}" if failure else "")
        rows.append(
            Row(
                group="scale",
                metric=f"no-op run, {large:,} stored items, {variant}: time",
                value=median([run.seconds for run in large_runs]),
                unit="s",
                baseline=median([run.seconds for run in small_runs]),
                baseline_name=f"{small:,} stored items",
                target=NOOP_TARGET,
                note=note,
            )
        )
        peaks = [run.peak_mb for run in large_runs if run.peak_mb is not None]
        small_peaks = [run.peak_mb for run in small_runs if run.peak_mb is not None]
        if peaks and small_peaks:
            rows.append(
                Row(
                    group="scale",
                    metric=f"no-op run, {large:,} stored items, {variant}: peak memory",
                    value=median(peaks),
                    unit="MB",
                    baseline=median(small_peaks),
                    baseline_name=f"{small:,} stored items",
                    target=NOOP_TARGET,
                )
            )
        details[variant] = {
            str(size): [_noop_json(run) for run in runs[variant, size]] for size in sizes
        }
    return rows, details


def _noop_json(run: NoOp) -> dict[str, object]:
    return {"seconds": run.seconds, "peak_mb": run.peak_mb, "failure": run.failure}


# -- fetching: against reader, against the network floor, and per source


def _url_list(path: Path, urls: Sequence[str], etags: dict[str, str] | None = None) -> Path:
    path.write_text("".join(f"{url}\t{(etags or {}).get(url, '')}\n" for url in urls))
    return path


def floor_run(
    server: FeedServer, urls: Sequence[str], scratch: Path, client: str = "bareclient.py"
) -> tuple[float, float]:
    """A floor client's first run and all-304 run of *urls*, each a whole process: the bare
    asyncio client, or ``httpxclient.py``."""
    listing = _url_list(scratch / "floor-urls.tsv", urls)
    answered = scratch / "floor-etags.tsv"
    seconds = []
    for expected in ("200", "304"):
        server.reset()
        run = run_child(
            [PYTHON, str(HERE / client), str(listing), str(answered),
             str(CONCURRENCY), str(PER_HOST)],
            timeout=RUN_TIMEOUT,
            scratch=scratch,
        )  # fmt: skip
        _expect(run.returncode == 0, f"floor client failed: {run.stderr[-2000:]}")
        stats = server.stats()
        _expect(stats["counts"] == {expected: len(urls)}, f"floor client: {stats}")
        seconds.append(run.seconds)
        listing = answered.replace(scratch / "floor-known.tsv")
    return seconds[0], seconds[1]


def _fetch_config(directory: Path, urls: Sequence[str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    sources = "".join(f'[[source]]\nurl = "{url}"\n\n' for url in urls)
    config = directory / "feeds.toml"
    config.write_text(
        '[feed]\ntitle = "Scale"\nlink = "https://bench.example/"\n'
        f'feed_url = "https://bench.example/feed.xml"\n\n{sources}'
        '[output]\nrss = "feed.xml"\natom = "atom.xml"\njson = "feed.json"\n'
        'state = "state.sqlite"\n',
        encoding="utf-8",
    )
    return config


@dataclass(frozen=True, slots=True)
class Counted:
    """A first run and an all-304 run of many sources, with the server's counters."""

    first: float
    again: float
    max_in_flight: int
    max_host_in_flight: int


def counted_pair(server: FeedServer, directory: Path, urls: Sequence[str]) -> Counted:
    config = _fetch_config(directory, urls)
    counters = []
    seconds = []
    for expected in ("200", "304"):
        server.reset()
        seconds.append(aggregate(config, directory, timeout=RUN_TIMEOUT).seconds)
        stats = server.stats()
        _expect(stats["counts"] == {expected: len(urls)}, f"{len(urls)} sources: {stats}")
        counters.append(stats)
    return Counted(
        first=seconds[0],
        again=seconds[1],
        max_in_flight=max(int(stats["max_in_flight"]) for stats in counters),
        max_host_in_flight=max(int(stats["max_host_in_flight"]) for stats in counters),
    )


def shared_urls(server: FeedServer, count: int) -> list[str]:
    """*count* sources on SHARED_HOSTS hosts (fewer when there are fewer sources), host by host."""
    hosts = min(SHARED_HOSTS, count)
    per_host = count // hosts
    return [
        server.numbered_url(host, number) for host in range(hosts) for number in range(per_host)
    ]


def _fetch_rows(scratch: Path, *, quick: bool) -> tuple[list[Row], dict[str, object]]:
    repeat = QUICK_REPEAT if quick else REPEAT
    counts = QUICK_SOURCE_COUNTS if quick else SOURCE_COUNTS
    paths = max(counts) // SHARED_HOSTS
    with FeedServer.running(paths=paths, path_entries=SHARED_ENTRIES) as server:
        urls = [server.url(index) for index in range(HOSTS)]
        ours, pooled, reader_first, reader_again, floors = [], [], [], [], []
        for attempt in range(repeat):
            ours.append(newsfeed_pair(server, scratch / f"newsfeed-{attempt}", None))
            pooled.append(
                newsfeed_pair(
                    server,
                    scratch / f"pooled-{attempt}",
                    None,
                    parse_processes=POOL_PROCESSES,
                ).first
            )
            database = scratch / f"reader-{attempt}.sqlite"
            reader_first.append(reader_run(server, database, scratch, again=False))
            reader_again.append(reader_run(server, database, scratch, again=True))
            floors.append(floor_run(server, urls, scratch))
        # The largest count runs once: it alone takes as long as the others together.
        many = {
            count: [
                counted_pair(
                    server, scratch / f"sources-{count}-{attempt}", shared_urls(server, count)
                )
                for attempt in range(1 if count == max(counts) else repeat)
            ]
            for count in counts
        }
        # The same requests from the floor clients at both ends: how flat the floor itself is,
        # set by whole rounds of CONCURRENCY requests and a process's start (httpx's too).
        ends = {
            (client, count): [
                floor_run(server, shared_urls(server, count), scratch, script)
                for _ in range(1 if count == max(counts) else repeat)
            ]
            for client, script in FLOOR_CLIENTS.items()
            for count in (min(counts), max(counts))
        }
    first = median([pair.first for pair in ours])
    again = median([pair.second for pair in ours])
    floor_first = median([first for first, _ in floors])
    floor_again = median([again for _, again in floors])
    delay_floor = -(-HOSTS // CONCURRENCY) * 0.1
    first_runs = {
        f"concurrency {CONCURRENCY}": (
            first,
            f"bare asyncio client, same requests: {floor_first:.2f} s",
        ),
        f"parse_processes = {POOL_PROCESSES}": (
            median(pooled),
            "it pays only with a core to spare: see the load average below the table",
        ),
    }
    rows = [
        *(
            Row(
                group="scale",
                metric=f"first run, {HOSTS} feeds at 100 ms, {how}",
                value=value,
                unit="s",
                baseline=median(reader_first),
                baseline_name=f"reader, workers={READER_WORKERS}",
                target=FIRST_TARGET,
                note=note,
            )
            for how, (value, note) in first_runs.items()
        ),
        Row(
            group="scale",
            metric=f"all-304 run, {HOSTS} feeds at 100 ms",
            value=again,
            unit="s",
            baseline=floor_again,
            baseline_name="bare asyncio client process",
            target=NOT_MODIFIED_TARGET,
            note=f"server delay x rounds: {delay_floor:.1f} s ({again / delay_floor:.2f}x); "
            f"reader: {median(reader_again):.2f} s",
        ),
    ]
    per_source = {
        (count, kind): median([getattr(pair, kind) for pair in pairs]) / count
        for count, pairs in many.items()
        for kind in ("first", "again")
    }
    floor_per_source = {
        (client, count, kind): median([pair[index] for pair in pairs]) / count
        for (client, count), pairs in ends.items()
        for index, kind in enumerate(("first", "again"))
    }
    smallest, largest = min(counts), max(counts)
    for kind, name in (("first", "first run"), ("again", "all 304")):
        best_count = min(counts, key=lambda count: per_source[count, kind])
        floor_note = "".join(
            _floor_note(
                client,
                floor_per_source[client, smallest, kind],
                floor_per_source[client, largest, kind],
                largest,
            )
            for client in FLOOR_CLIENTS
        )
        for count in counts:
            pairs = many[count]
            rows.append(
                Row(
                    group="scale",
                    metric=f"time per source, {count:,} sources, {name}",
                    value=per_source[count, kind] * 1000,
                    unit="ms",
                    baseline=per_source[best_count, kind] * 1000,
                    baseline_name=f"{best_count:,} sources",
                    target=PER_SOURCE_TARGET,
                    note=f"{count // min(SHARED_HOSTS, count)} per host; most in flight "
                    f"{max(pair.max_in_flight for pair in pairs)}, to one host "
                    f"{max(pair.max_host_in_flight for pair in pairs)}"
                    + (floor_note if count == smallest else ""),
                )
            )
    for count, pairs in many.items():
        _expect(
            all(pair.max_host_in_flight <= PER_HOST for pair in pairs),
            f"{count} sources: the per-host limit of {PER_HOST} did not hold",
        )
    details: dict[str, object] = {
        "newsfeed": [{"first_s": pair.first, "second_s": pair.second} for pair in ours],
        "newsfeed_pooled_first_s": pooled,
        "reader_first_s": reader_first,
        "reader_again_s": reader_again,
        "floor_s": floors,
        "floor_clients_sources": {
            f"{client}, {count}": runs for (client, count), runs in ends.items()
        },
        "sources": {
            str(count): [
                {"first_s": p.first, "again_s": p.again, "max_in_flight": p.max_in_flight,
                 "max_host_in_flight": p.max_host_in_flight}
                for p in pairs
            ]
            for count, pairs in many.items()
        },
    }  # fmt: skip
    return rows, details


def _floor_note(client: str, at_smallest: float, at_largest: float, largest: int) -> str:
    """A floor client's time per source at the smallest and the largest count, and its ratio."""
    return (
        f"; {client}: {at_smallest * 1000:.2f} ms, {at_largest * 1000:.2f} ms at {largest:,} "
        f"({at_smallest / at_largest:.2f}x)"
    )


def run(scratch: Path, *, quick: bool) -> tuple[list[Row], dict[str, object]]:
    noop_rows, noop_details = _noop_rows(scratch / "noop", quick=quick)
    fetch_rows, fetch_details = _fetch_rows(scratch / "fetch", quick=quick)
    return [*noop_rows, *fetch_rows], {"noop": noop_details, "fetch": fetch_details}


# -- the children


def _noop_child(config: str) -> int:
    # A run that would take the machine's memory is stopped instead; VmHWM stays honest.
    resource.setrlimit(resource.RLIMIT_AS, (NOOP_MEMORY_LIMIT, NOOP_MEMORY_LIMIT))
    from newsfeed._cli import main  # noqa: PLC0415 - imported after the limit, as the CLI would

    code = main(["aggregate", config])
    print(json.dumps({"peak_mb": peak_memory_mb()}))
    return code


if __name__ == "__main__":
    if sys.argv[1:2] == ["noop"]:
        sys.exit(_noop_child(sys.argv[2]))
    elif sys.argv[1:2] == ["seed"]:
        _seed_child(*sys.argv[2:5])
    elif sys.argv[1:2] == ["publish"]:
        _publish_child(sys.argv[2])
    else:
        raise SystemExit(f"usage: {sys.argv[0]} noop CONFIG | seed ... | publish CONFIG")
