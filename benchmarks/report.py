"""The results of a run as Markdown, for docs/performance.md.

python benchmarks/report.py [benchmarks/results/latest.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from common import HERE


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} {unit}" if unit == "MB" else f"{value:.3f} {unit}"


def markdown(document: dict[str, object]) -> str:
    machine = document["machine"]
    assert isinstance(machine, dict)  # noqa: S101 - our own file
    summary = (
        f"{machine['cpu']}, {machine['cores']} cores, Python {machine['python']}; "
        f"load average {machine['load_before'][0]:.1f} at the start; "
        f"the whole run took {document['seconds']:.0f} s."
    )
    lines = [
        summary,
        "",
        "| | metric | newsfeed | baseline | ratio | target | |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    rows = document["rows"]
    assert isinstance(rows, list)  # noqa: S101 - our own file
    for row in rows:
        baseline = (
            f"{_value(row['baseline'], row['unit'])} ({row['baseline_name']})"
            if row["baseline"] is not None
            else "-"
        )
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else "-"
        target = f"<= {row['target']:g}x" if row["target"] is not None else "-"
        met = {True: "met", False: "**missed**", None: ""}[row["met"]]
        note = f" ({row['note']})" if row["note"] else ""
        lines.append(
            f"| {row['group']} | {row['metric']}{note} | {_value(row['value'], row['unit'])} "
            f"| {baseline} | {ratio} | {target} | {met} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "results" / "latest.json"
    print(markdown(json.loads(path.read_text(encoding="utf-8"))))
