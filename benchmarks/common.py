"""What every benchmark shares: timing, measuring a child process, and the result rows."""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import resource
import signal
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
# The console script of the venv that runs the benchmark, so the whole command is measured.
NEWSFEED = str(Path(sys.executable).with_name("newsfeed"))


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the results table."""

    group: str
    metric: str
    value: float
    unit: str
    #: What *value* is compared with, in the same unit.
    baseline: float | None = None
    baseline_name: str | None = None
    #: The highest acceptable value / baseline.
    target: float | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return None if self.baseline in (None, 0) else self.value / self.baseline

    @property
    def met(self) -> bool | None:
        ratio = self.ratio
        return None if self.target is None or ratio is None else ratio <= self.target

    def as_json(self) -> dict[str, object]:
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    """Wall times of *repeat* calls, each starting from a collected heap."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def best(function: Callable[[], object], repeat: int) -> float:
    # The minimum is the run least disturbed by the rest of the machine.
    return min(timed(function, repeat))


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass(frozen=True, slots=True)
class ChildRun:
    """A finished child process: its wall time and output."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str


def run_child(argv: Sequence[str], *, timeout: float, scratch: Path) -> ChildRun:
    """Run *argv* to completion and measure it; killed after *timeout* seconds.

    Output goes to files, so waiting cannot deadlock on a full pipe.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    out_path, err_path = scratch / "child.out", scratch / "child.err"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        start = time.perf_counter()
        pid = os.posix_spawn(
            argv[0],
            list(argv),
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
            ],
        )
        killer = threading.Timer(timeout, _kill, (pid,))
        killer.start()
        try:
            _, status = os.waitpid(pid, 0)
        finally:
            killer.cancel()
        seconds = time.perf_counter() - start
    return ChildRun(
        seconds=seconds,
        returncode=os.waitstatus_to_exitcode(status),
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def peak_memory_mb() -> float:
    """This process's peak resident memory, from the kernel's high-water mark.

    Read in the process itself: the rusage of a child also holds the memory of the
    parent it was forked from (Linux keeps the larger maximum across exec), and the
    benchmark's own process is large by then.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended in the meantime
        os.kill(pid, signal.SIGKILL)


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
