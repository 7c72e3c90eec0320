"""A real feed reader end to end: newsboat subscribes to the example served by ``newsfeed serve``.

What a reader stores is the proof that a feed works: titles, dates, ids and enclosures
as parsed by someone else's code, and no duplicates when the feed is rebuilt.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import processes
from newsfeed import Enclosure, Feed, FeedInfo, NewsItem, load_bulletin, to_atom, to_rss
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


def reload(
    tmp_path: Path, url: str, columns: str = "guid, title, pubDate"
) -> list[tuple[Any, ...]]:
    """Run ``newsboat -x reload`` on a throwaway profile; the *columns* of what it stored."""
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
        return db.execute(f"SELECT {columns} FROM rss_item").fetchall()  # noqa: S608 - ours


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


EPISODE_AUDIO = "https://podcast.example.org/audio/episode-7.mp3"


# newsboat keeps one enclosure per item (rss_item.enclosure_url) and queues it for its
# podcast downloader: what a listener subscribing to a newsfeed output gets.
@pytest.mark.parametrize(("name", "export"), [("feed.xml", to_rss), ("atom.xml", to_atom)])
def test_newsboat_sees_the_enclosure_of_an_item_newsfeed_publishes(
    tmp_path: Path, served: str, name: str, export: Any
) -> None:
    item = NewsItem(
        id="https://podcast.example.org/episodes/7",
        title="Episode 7: the paint line",
        published=datetime(2024, 5, 13, 4, 0, tzinfo=UTC),
        summary="Twenty years on the paint line.",
        link="https://podcast.example.org/episodes/7",
        enclosures=(Enclosure(url=EPISODE_AUDIO, media_type="audio/mpeg", length=39102464),),
    )
    info = FeedInfo(
        title="Shop floor talk",
        link="https://podcast.example.org/",
        description="A podcast",
        feed_url=FEED_BASE + name,
    )
    (tmp_path / "public" / name).write_bytes(export(Feed(info=info, items=(item,))))

    stored = reload(tmp_path, served + name, "guid, enclosure_url, enclosure_type")
    assert stored == [(item.id, EPISODE_AUDIO, "audio/mpeg")]


MEMBER_PODCAST = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
  <channel>
    <title>Member podcast</title>
    <link>https://podcast.example.org/</link>
    <description>A member's podcast</description>
    <item>
      <title>Episode 7: the paint line</title>
      <link>https://podcast.example.org/episodes/7</link>
      <guid>https://podcast.example.org/episodes/7</guid>
      <pubDate>Mon, 13 May 2024 04:00:00 GMT</pubDate>
      <itunes:author>Dmitry Sokolov</itunes:author>
      <description>Twenty years on the paint line.</description>
      <enclosure url="{EPISODE_AUDIO}" length="39102464" type="audio/mpeg"/>
    </item>
  </channel>
</rss>
"""


def test_newsboat_sees_a_member_episode_enclosure_in_the_aggregated_feed(
    tmp_path: Path, served: str
) -> None:
    (tmp_path / "member.xml").write_text(MEMBER_PODCAST, encoding="utf-8")
    config = tmp_path / "cluster.toml"
    config.write_text(
        f"""\
[feed]
title = "Automotive cluster news"
link = "https://example.org/news/"
feed_url = "{FEED_BASE}combined.xml"
description = "News of the cluster and its members"
max_age_days = 36500

[[source]]
name = "Member podcast"
file = "member.xml"

[output]
rss = "public/combined.xml"
atom = "public/combined.atom"
state = "state.sqlite"
""",
        encoding="utf-8",
    )
    newsfeed("aggregate", config)

    for name in ("combined.xml", "combined.atom"):
        profile = tmp_path / name.replace(".", "-")
        profile.mkdir()
        stored = reload(profile, served + name, "title, enclosure_url, enclosure_type")
        assert stored == [("Episode 7: the paint line", EPISODE_AUDIO, "audio/mpeg")], name
