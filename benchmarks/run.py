"""`make bench`: measure newsfeed's speed and memory, print the table, save it as JSON.

    python benchmarks/run.py [--quick] [--only publish|aggregate|scale|fidelity] [--output FILE]

Inputs are generated from a fixed seed; servers listen on loopback addresses only.
Not part of the test suite: nothing here passes or fails a build.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import aggregate
import publish
import real_feeds
import scale
from common import HERE, Row, machine

import newsfeed

SECTIONS = {
    "publish": publish.run,
    "aggregate": aggregate.run,
    "scale": scale.run,
    "fidelity": real_feeds.run,
}


def _format(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:.0f}" if unit == "MB" else f"{value:.3f}"
    return f"{text} {unit}".strip()


def table(rows: list[Row]) -> str:
    header = ("metric", "newsfeed", "baseline", "ratio", "target", "met")
    lines = [
        (
            row.metric,
            _format(row.value, row.unit),
            f"{_format(row.baseline, row.unit)} ({row.baseline_name})" if row.baseline else "-",
            f"{row.ratio:.2f}x" if row.ratio is not None else "-",
            f"<= {row.target:g}x" if row.target is not None else "-",
            {True: "met", False: "MISSED", None: ""}[row.met],
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in [header, *lines]) for column in range(6)]
    out = []
    group = None
    for row, line in zip([None, *rows], [header, *lines], strict=True):
        if row is not None and row.group != group:
            group = row.group
            out.append(f"-- {group}")
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
        notes = row.note if row is not None else ""
        if notes:
            out.append(f"{'':4}{notes}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--output", type=Path, default=HERE / "results" / "latest.json")
    args = parser.parse_args()
    # An installed newsfeed has its bytecode (pip compiles at install), as reader and the
    # other baselines in site-packages have theirs; an editable checkout run with
    # PYTHONDONTWRITEBYTECODE would compile all of newsfeed in every measured run.
    compileall.compile_dir(Path(newsfeed.__file__).parent, quiet=1)
    load_before = os.getloadavg()
    started = time.perf_counter()
    rows: list[Row] = []
    details: dict[str, object] = {}
    scratch = Path(tempfile.mkdtemp(prefix="newsfeed-bench-"))
    try:
        for name in args.only or SECTIONS:
            (scratch / name).mkdir()
            section_rows, details[name] = SECTIONS[name](scratch / name, quick=args.quick)
            rows.extend(section_rows)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    elapsed = time.perf_counter() - started
    print(table(rows))
    print(
        f"\n{len(rows)} measurements in {elapsed:.0f} s; load average {load_before[0]:.1f} before"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        # Other work on the machine slows every figure: the load says how quiet it was.
        "machine": {**machine(), "load_before": load_before, "load_after": os.getloadavg()},
        "quick": args.quick,
        "seconds": elapsed,
        "rows": [row.as_json() for row in rows],
        "details": details,
    }
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
