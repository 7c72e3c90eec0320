"""A real feed reader end to end: newsboat subscribes to the example served by ``newsfeed serve``.

What a reader stores is the proof that a feed works: titles, dates and ids as
parsed by someone else's code, and no duplicates when the feed is rebuilt.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

import processes
from newsfeed import load_bulletin
from serving import newsfeed_serve

EXAMPLE = Path(__file__).parents[2] / "examples" / "news.txt"
FEED_BASE = "https://example.org/news/"

# In CI a missing reader must fail the run, not quietly skip the only end-to-end check.
if shutil.which("newsboat") is None and not os.environ.get("CI"):
    pytest.skip(
        "newsboat is not installed (apt-get install newsboat); CI installs it",
        allow_module_level=True,
    )

NEW_RECORD = """\
Cluster opens a testing laboratory for its members

The laboratory checks electronic components against the requirements of the Alliance.

2 july 2020
"""


def newsfeed(*args: str | Path) -> None:
    result = processes.newsfeed(*args)
    assert result.returncode == 0, result.stderr


def build(bulletin: Path, out: Path, name: str, kind: str) -> None:
    newsfeed(
        "build", bulletin, "--title", "Automotive cluster news", "--feed-url", FEED_BASE + name,
        "--format", kind, "-o", out / name,
    )  # fmt: skip


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """The base URL of a ``newsfeed serve`` of *tmp_path*/public."""
    public = tmp_path / "public"
    public.mkdir()
    with newsfeed_serve(public) as url:
        yield url


def reload(tmp_path: Path, url: str) -> list[tuple[str, str, int]]:
    """Run ``newsboat -x reload`` on a throwaway profile; the (guid, title, pubDate) it stored."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    urls, config, cache = tmp_path / "urls", tmp_path / "config", tmp_path / "cache.db"
    urls.write_text(url + "\n")
    config.write_text("")
    # HOME and XDG_* keep newsboat away from the user's own profile.
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    result = subprocess.run(
        ["newsboat", "-u", urls, "-c", cache, "-C", config, "-x", "reload"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    # newsboat exits 0 even when a download fails, so its output is checked too.
    assert result.returncode == 0, result.stderr
    assert "Error" not in result.stdout + result.stderr, result.stdout + result.stderr
    with closing(sqlite3.connect(cache)) as db:
        feeds = {row[0] for row in db.execute("SELECT DISTINCT feedurl FROM rss_item")}
        assert feeds == {url}
        return db.execute("SELECT guid, title, pubDate FROM rss_item").fetchall()


def expected(bulletin: Path, name: str) -> dict[str, tuple[str, int]]:
    items = load_bulletin(bulletin, feed_url=FEED_BASE + name)
    return {item.id: (item.title, int(item.published.timestamp())) for item in items}


# One cache per format: newsboat keys items by guid across all feeds, and the RSS and
# Atom feeds carry the same ids, so one cache for both would keep only one copy.
@pytest.mark.parametrize(("name", "kind"), [("feed.xml", "rss"), ("atom.xml", "atom")])
def test_newsboat_reads_every_item_and_only_new_ones_after_a_rebuild(
    tmp_path: Path, served: str, name: str, kind: str
) -> None:
    bulletin = tmp_path / "news.txt"
    shutil.copyfile(EXAMPLE, bulletin)
    public = tmp_path / "public"
    build(bulletin, public, name, kind)
    url = served + name

    stored = reload(tmp_path, url)
    want = expected(bulletin, name)
    assert len(want) == 21
    assert len(stored) == 21
    assert {guid: (title, date) for guid, title, date in stored} == want

    bulletin.write_text(NEW_RECORD + EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    build(bulletin, public, name, kind)
    after = reload(tmp_path, url)
    want_after = expected(bulletin, name)
    assert len(want_after) == 22

    guids = [guid for guid, _, _ in after]
    assert len(guids) == 22
    assert len(set(guids)) == 22, "an item was stored twice"
    new = set(guids) - {guid for guid, _, _ in stored}
    assert len(new) == 1
    (new_guid,) = new
    assert want_after[new_guid][0] == "Cluster opens a testing laboratory for its members"
    assert {guid: (title, date) for guid, title, date in after} == want_after
