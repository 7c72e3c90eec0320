"""Publishing: a bulletin to RSS and Atom, against feedgen fed with items made beforehand.

Run as a script, it is the child process whose peak memory is measured:
``publish.py newsfeed BULLETIN`` or ``publish.py feedgen COUNT``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import inputs
import profiles
from common import NEWSFEED, PYTHON, Row, best, median, peak_memory_mb, run_child, timed
from feedgen.feed import FeedGenerator

SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000, 10_000)
TARGET_SIZE = 10_000
MEMORY_SIZE = 100_000
REBUILD_SIZES = (1_000, 10_000)
PUBLISH_TARGET = 1.3
PARSE_TARGET = 4.0
MEMORY_TARGET = 1.3
CHILD_TIMEOUT = 300.0
# The date line of the generated bulletins: the one match per line the floor pays for.
_DATE_LINE = re.compile(r"\d{1,2} [a-z]+ \d{4}")


def _info() -> object:
    import newsfeed  # noqa: PLC0415 - the feedgen child must not pay for importing newsfeed

    return newsfeed.FeedInfo(
        title=inputs.FEED_TITLE,
        link=inputs.FEED_LINK,
        description=inputs.FEED_TITLE,
        feed_url=inputs.FEED_URL,
    )


def newsfeed_publish(text: str) -> tuple[bytes, bytes]:
    return _export(_parse(text))


def _export(items: list[object]) -> tuple[bytes, bytes]:
    import newsfeed  # noqa: PLC0415 - see _info

    feed = newsfeed.Feed(info=_info(), items=tuple(items))
    return newsfeed.to_rss(feed), newsfeed.to_atom(feed)


def feedgen_publish(items: list[inputs.Prepared]) -> tuple[bytes, bytes]:
    """RSS and Atom of the same items with feedgen's plain API: the same elements, no extras."""
    documents = []
    for rss in (True, False):
        generator = FeedGenerator()
        generator.id(inputs.FEED_URL)
        generator.title(inputs.FEED_TITLE)
        generator.link(href=inputs.FEED_URL, rel="self")
        generator.link(href=inputs.FEED_LINK, rel="alternate")
        generator.description(inputs.FEED_TITLE)
        generator.updated(items[0].published)
        generator.lastBuildDate(items[0].published)
        if not rss:
            generator.author({"name": inputs.FEED_TITLE})
        for item in items:
            entry = generator.add_entry(order="append")
            entry.id(item.id)
            entry.title(item.title)
            entry.published(item.published)
            entry.updated(item.published)
            if rss:
                entry.guid(item.id, permalink=False)
                entry.description(item.html)
            else:
                entry.content(item.text, type="text")
        documents.append(generator.rss_str(pretty=True) if rss else generator.atom_str(pretty=True))
    return documents[0], documents[1]


def parse_floor(text: str) -> int:
    """The least a line-based parser does: split the lines and match each once."""
    return sum(1 for line in text.splitlines() if _DATE_LINE.fullmatch(line))


def _parse(text: str) -> list[object]:
    import newsfeed  # noqa: PLC0415 - see _info

    return newsfeed.parse_bulletin(text, feed_url=inputs.FEED_URL)


def _speed_rows(count: int, repeat: int) -> tuple[list[Row], dict[str, object]]:
    text = inputs.bulletin_text(count)
    prepared = inputs.prepared_items(count)
    megabytes = len(text.encode()) / 1e6
    ours = best(lambda: newsfeed_publish(text), repeat)
    theirs = best(lambda: feedgen_publish(prepared), repeat)
    parse = best(lambda: _parse(text), repeat)
    floor = best(lambda: parse_floor(text), repeat)
    rss, atom = newsfeed_publish(text)
    base_rss, base_atom = feedgen_publish(prepared)
    rows = []
    if count == TARGET_SIZE:
        # The same comparison without the parse: what the exporters cost over feedgen.
        items = _parse(text)
        rows.append(
            Row(
                group="publish",
                metric=f"RSS + Atom from parsed items, {count:,} records",
                value=best(lambda: _export(items), repeat),
                unit="s",
                baseline=theirs,
                baseline_name="feedgen alone",
            )
        )
    rows += [
        Row(
            group="publish",
            metric=f"parse + RSS + Atom, {count:,} records",
            value=ours,
            unit="s",
            baseline=theirs,
            baseline_name="feedgen alone",
            target=PUBLISH_TARGET if count == TARGET_SIZE else None,
        ),
        Row(
            group="publish",
            metric=f"bulletin parsing, {count:,} records ({megabytes:.1f} MB)",
            value=parse,
            unit="s",
            baseline=floor,
            baseline_name="splitlines + 1 regex/line",
            target=PARSE_TARGET,
            note=f"{megabytes / parse:.1f} MB/s vs {megabytes / floor:.1f} MB/s",
        ),
    ]
    details = {
        "records": count,
        "bulletin_bytes": len(text.encode()),
        "newsfeed_s": ours,
        "feedgen_s": theirs,
        "parse_s": parse,
        "floor_s": floor,
        "parse_mb_s": megabytes / parse,
        "floor_mb_s": megabytes / floor,
        "output_bytes": {
            "newsfeed": len(rss) + len(atom),
            "feedgen": len(base_rss) + len(base_atom),
        },
    }
    return rows, details


def _memory_row(scratch: Path) -> tuple[Row, dict[str, object]]:
    bulletin = scratch / "memory.txt"
    bulletin.write_text(inputs.bulletin_text(MEMORY_SIZE), encoding="utf-8")
    script = str(Path(__file__).resolve())
    runs = {
        "newsfeed": run_child(
            [PYTHON, script, "newsfeed", str(bulletin)], timeout=CHILD_TIMEOUT, scratch=scratch
        ),
        "feedgen": run_child(
            [PYTHON, script, "feedgen", str(MEMORY_SIZE)], timeout=CHILD_TIMEOUT, scratch=scratch
        ),
        # What the interpreter and the imports alone hold, to read the peaks against.
        "newsfeed imports": run_child(
            [PYTHON, script, "import-newsfeed", "0"], timeout=CHILD_TIMEOUT, scratch=scratch
        ),
        "feedgen imports": run_child(
            [PYTHON, script, "import-feedgen", "0"], timeout=CHILD_TIMEOUT, scratch=scratch
        ),
    }
    peaks = {}
    for name, run in runs.items():
        if run.returncode != 0:
            raise RuntimeError(f"memory child {name} failed: {run.stderr[-2000:]}")
        peaks[name] = float(run.stdout.split()[-1])
    ours, theirs = peaks["newsfeed"], peaks["feedgen"]
    row = Row(
        group="publish",
        metric=f"peak memory, parse + RSS + Atom, {MEMORY_SIZE:,} records",
        value=ours,
        unit="MB",
        baseline=theirs,
        baseline_name="feedgen alone",
        target=MEMORY_TARGET,
        note=(
            f"imports alone: {peaks['newsfeed imports']:.0f} MB vs "
            f"{peaks['feedgen imports']:.0f} MB"
        ),
    )
    return row, peaks


def _rebuild_rows(scratch: Path, repeat: int) -> tuple[list[Row], dict[str, object]]:
    rows, details = [], {}
    for count in REBUILD_SIZES:
        bulletin = scratch / f"rebuild-{count}.txt"
        bulletin.write_text(inputs.bulletin_text(count), encoding="utf-8")
        output = scratch / f"rebuild-{count}.xml"
        argv = [NEWSFEED, "build", str(bulletin), "-o", str(output), "--feed-url", inputs.FEED_URL]

        def build(argv: list[str] = argv) -> None:
            run = run_child(argv, timeout=CHILD_TIMEOUT, scratch=scratch)
            if run.returncode != 0:
                raise RuntimeError(f"newsfeed build failed: {run.stderr[-2000:]}")

        def full(output: Path = output, build: object = build) -> None:
            output.unlink(missing_ok=True)
            build()  # type: ignore[operator]

        full_times = timed(full, repeat)
        before = output.stat().st_mtime_ns
        same_times = timed(build, repeat)
        if output.stat().st_mtime_ns != before:
            raise RuntimeError("a build with nothing changed rewrote its output")
        rows.append(
            Row(
                group="publish",
                metric=f"`newsfeed build`, nothing changed, {count:,} records",
                value=median(same_times),
                unit="s",
                baseline=median(full_times),
                baseline_name="full build",
                note="output mtime unchanged",
            )
        )
        details[str(count)] = {"unchanged_s": same_times, "full_s": full_times}
    return rows, details


def _repeats(count: int) -> int:
    # About the same number of records read in all: the best of five 1 ms floors was the
    # machine's noise more than the parse (ratios moved by 0.7 between runs), and the largest
    # size takes seconds per call, where fewer repeats keep the whole run short.
    return 3 if count >= MEMORY_SIZE else max(5, 50_000 // count)


def run(scratch: Path, *, quick: bool) -> tuple[list[Row], dict[str, object]]:
    rows: list[Row] = []
    details: dict[str, object] = {"speed": []}
    for count in QUICK_SIZES if quick else SIZES:
        speed_rows, speed = _speed_rows(count, repeat=_repeats(count))
        rows.extend(speed_rows)
        details["speed"].append(speed)  # type: ignore[union-attr]
    if not quick:
        memory_row, details["memory_mb"] = _memory_row(scratch)
        rows.append(memory_row)
    rebuild_rows, details["rebuild"] = _rebuild_rows(scratch, repeat=3 if quick else 5)
    rows.extend(rebuild_rows)
    text = inputs.bulletin_text(TARGET_SIZE)
    details["profiles"] = {
        "publish": profiles.cprofile(lambda: newsfeed_publish(text), "publish"),
        "parse": profiles.cprofile(lambda: _parse(text), "parse"),
    }
    return rows, details


def _child(mode: str, argument: str) -> None:
    if mode == "newsfeed":
        import newsfeed  # noqa: PLC0415 - see _info

        # As `newsfeed build` does: the text is let go once it is parsed.
        _export(newsfeed.load_bulletin(argument, feed_url=inputs.FEED_URL))
    elif mode == "feedgen":
        feedgen_publish(inputs.prepared_items(int(argument)))
    elif mode == "import-newsfeed":
        import newsfeed  # noqa: PLC0415 - the import is what is measured
    elif mode != "import-feedgen":
        raise SystemExit(f"unknown mode {mode!r}")
    print(f"{peak_memory_mb():.1f}")


if __name__ == "__main__":
    _child(*sys.argv[1:3])
