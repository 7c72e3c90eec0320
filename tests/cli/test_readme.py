"""The README's library snippet runs as written, from any folder, and leaves the demo alone."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def snippet() -> str:
    found = re.search(r"## The library in ten lines\n\n```python\n(.*?)```", README, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_snippet_keeps_to_ten_lines() -> None:
    assert len(snippet().splitlines()) <= 10


@pytest.mark.parametrize("where", ["elsewhere", "the repository"])
def test_the_snippet_runs_from_anywhere_and_writes_no_demo_file(tmp_path: Path, where: str) -> None:
    cwd = tmp_path if where == "elsewhere" else ROOT
    demo = ROOT / "public" / "feed.xml"
    before = demo.read_bytes() if demo.exists() else None

    result = subprocess.run(
        [sys.executable, "-c", snippet()], cwd=cwd, capture_output=True, text=True, check=False
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert (demo.read_bytes() if demo.exists() else None) == before
    assert list(tmp_path.iterdir()) == []
