"""Where the time goes: cProfile in process, py-spy (all threads) for a whole command."""

from __future__ import annotations

import cProfile
import pstats
import re
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from common import HERE, PYTHON, run_child

TOP = 12
#: Full listings and raw samples, kept beside latest.json for a closer look.
OUTPUT = HERE / "results" / "profiles"
PYSPY = Path(PYTHON).with_name("py-spy")
PYSPY_RATE = 250
# The folders before a module's own path: site-packages, the source tree, the standard library.
_LIBRARY = re.compile(r"^.*?(?:site-packages/|/src/|/lib/python3\.\d+/)")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]*)(?::\d+)?\)$")
# Where the main thread's wall time goes: a sample counts for every area its stack passes
# through, so shares can add up to more than 1.
AREAS = {
    "waiting: network and parse threads (epoll)": ("EpollSelector.select",),
    "Store.save (one SQLite transaction per source)": ("Store.save (",),
    "Store.current (the current document's items back into NewsItems)": ("Store.current (",),
    "httpx/httpcore/h11": ("(httpx/", "(httpcore/", "(h11/"),
    "imports at start": ("_find_and_load",),
    "export (feedgen)": ("newsfeed/_export.py",),
}
# Work in the worker threads (asyncio.to_thread) that is reading feeds, not waiting for it.
_READING = ("newsfeed/_ingest.py",)


def _name(function: tuple[str, int, str]) -> str:
    path, line, name = function
    path = _LIBRARY.sub("", path)
    return f"{name} ({path}:{line})" if line else name


def cprofile(function: Callable[[], object], name: str) -> dict[str, object]:
    """Profile one call; keep the full listing, return the top by own time."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    output = OUTPUT / f"{name}.cprofile.txt"
    profile = cProfile.Profile()
    profile.runcall(function)
    with output.open("w") as stream:
        stats = pstats.Stats(profile, stream=stream)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(40)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)[:TOP]
    return {
        "tool": "cProfile",
        "total_s": total,
        "listing": str(output),
        "top_own_time": [
            {"function": _name(key), "calls": entry[1], "own_s": entry[2], "cumulative_s": entry[3]}
            for key, entry in ranked
        ],
    }


def pyspy(argv: Sequence[str], scratch: Path, name: str) -> dict[str, object] | None:
    """Sample a whole command with py-spy, idle time included; ``None`` without py-spy.

    Idle samples are kept so that time blocked in a system call (an fsync, epoll) shows
    where the main thread's wall time goes, not only its CPU time.
    """
    if not PYSPY.exists():
        return None
    OUTPUT.mkdir(parents=True, exist_ok=True)
    raw = OUTPUT / f"{name}.pyspy.txt"
    run = run_child(
        [str(PYSPY), "record", "--idle", "--threads", "--format", "raw", "--rate",
         str(PYSPY_RATE), "-o", str(raw), "--", *argv],
        timeout=300.0,
        scratch=scratch,
    )  # fmt: skip
    if run.returncode != 0 or not raw.exists():
        return {"tool": "py-spy", "error": run.stderr[-500:]}
    leaves: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    main = reading = 0
    lines = raw.read_text().splitlines()
    # py-spy names a thread only once Python has set its name: the main thread's first
    # samples (start-up, imports) carry its id alone, "thread (1234)".
    main_ids = {
        line.split(")", 1)[0] for line in lines if line.split(";", 1)[0].endswith("MainThread")
    }
    for line in lines:
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        thread, *frames = stack.split(";")
        if any(marker in frame for frame in frames for marker in _READING):
            reading += count
        if thread.split(")", 1)[0] not in main_ids:
            continue
        main += count
        leaves[_short(frames[-1]) if frames else thread] += count
        for area, markers in AREAS.items():
            if any(marker in frame for frame in frames for marker in markers):
                areas[area] += count
    return {
        "tool": "py-spy --idle",
        "main_thread_s": main / PYSPY_RATE,
        "reading_feeds_in_threads_s": reading / PYSPY_RATE,
        "raw": str(raw),
        "main_thread_share": {area: areas[area] / main for area in AREAS} if main else {},
        "main_thread_top_leaves": [
            {"function": function, "share": count / main}
            for function, count in leaves.most_common(TOP)
        ],
    }


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    return f"{match['function']} ({_LIBRARY.sub('', path)})"
