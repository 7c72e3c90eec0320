"""Running newsfeed as cron would: its exit code and output, and, measured, its peak memory.

The peak memory is the command's own, from ``wait4``. Two things would inflate it:
``getrusage(RUSAGE_CHILDREN)`` gives the largest of every child the test process
ever had, and Linux keeps a child's peak across ``exec``, so a command forked from a
test worker that once held 300 MB starts with a 300 MB peak. The command is
therefore started by a small Python process of its own, which reports its peak.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


def newsfeed_command(*args: str | Path) -> list[str]:
    """The ``newsfeed`` command line, with the interpreter running the tests."""
    return [sys.executable, "-m", "newsfeed", *map(str, args)]


def newsfeed(
    *args: str | Path,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    text: bool = True,
) -> subprocess.CompletedProcess[Any]:
    """Run ``newsfeed`` to its end; its output as text, or as bytes with ``text=False``."""
    return subprocess.run(
        newsfeed_command(*args),
        capture_output=True,
        text=text,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Measured:
    """How a finished command went."""

    returncode: int
    stdout: str
    stderr: str
    #: The most resident memory it had, in bytes.
    peak_memory: int


# Run as `python -c _MEASURE PEAK_FILE COMMAND...`: runs COMMAND, writes its peak memory
# (bytes) to PEAK_FILE, and ends as COMMAND ended.
_MEASURE = """
import os, signal, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as peak:
    peak.write(str(usage.ru_maxrss * 1024))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _address_space_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_measured(
    command: Sequence[str | Path],
    *,
    timeout: float = 120.0,
    address_space: int | None = None,
    cwd: Path | None = None,
) -> Measured:
    """Run *command* to its end and measure it; fail the test if it outlives *timeout*.

    With *address_space* (bytes), the command runs under that limit, so a runaway
    allocation fails the command rather than the machine.
    """
    environment = dict(os.environ)
    if address_space is not None:
        # glibc gives each thread its own malloc arena of address space: a few are enough.
        environment["MALLOC_ARENA_MAX"] = "2"
    # Files rather than pipes: a chatty command cannot block on a full pipe while polled.
    with (
        tempfile.TemporaryDirectory() as scratch,
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
    ):
        peak_file = Path(scratch) / "peak"
        process = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(peak_file), *(str(part) for part in command)],
            stdout=stdout,
            stderr=stderr,
            env=environment,
            cwd=cwd,
            start_new_session=True,  # so that a timeout kills the command with its starter
            # Only setrlimit runs between fork and exec; nothing there takes a lock.
            preexec_fn=None if address_space is None else _address_space_limit(address_space),  # noqa: PLW1509
        )
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            pytest.fail(f"{command} did not finish within {timeout} s")
        stdout.seek(0)
        stderr.seek(0)
        return Measured(
            returncode=process.returncode,
            stdout=stdout.read().decode("utf-8", "replace"),
            stderr=stderr.read().decode("utf-8", "replace"),
            peak_memory=int(peak_file.read_text()),
        )
