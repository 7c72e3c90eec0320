"""The web page as the command line writes it: ``build --html`` and ``aggregate``."""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import processes
from newsfeed import load_config

EXAMPLES = Path(__file__).parents[2] / "examples"


def newsfeed(*args: str | Path, cwd: Path) -> None:
    result = processes.newsfeed(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr


class _Alternates(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str | None, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and values.get("rel") == "alternate":
            self.found.append((values.get("type"), values.get("href")))


def alternates(page: Path) -> list[tuple[str | None, str | None]]:
    parser = _Alternates()
    parser.feed(page.read_text(encoding="utf-8"))
    parser.close()
    return parser.found


def test_build_html_links_the_feed_it_wrote(tmp_path):
    shutil.copyfile(EXAMPLES / "news.txt", tmp_path / "news.txt")
    newsfeed(
        "build", "news.txt", "--feed-url", "https://example.org/news/feed.xml",
        "-o", "feed.xml", "--html", "index.html", cwd=tmp_path,
    )  # fmt: skip
    assert (tmp_path / "feed.xml").is_file()
    # The feed's public URL: a reader subscribes to what is served, whatever the file's name.
    assert alternates(tmp_path / "index.html") == [
        ("application/rss+xml", "https://example.org/news/feed.xml")
    ]


def test_build_html_in_another_folder_links_back(tmp_path):
    shutil.copyfile(EXAMPLES / "news.txt", tmp_path / "news.txt")
    (tmp_path / "site").mkdir()
    (tmp_path / "feeds").mkdir()
    newsfeed(
        "build", "news.txt", "--link", "https://example.org/", "--format", "atom",
        "-o", "feeds/atom.xml", "--html", "site/index.html", cwd=tmp_path,
    )  # fmt: skip
    assert alternates(tmp_path / "site" / "index.html") == [
        ("application/atom+xml", "../feeds/atom.xml")
    ]


def test_aggregate_writes_a_page_linking_the_combined_feeds(tmp_path):
    # The example's paths are relative to its config: outputs land in ../public.
    examples = tmp_path / "examples"
    examples.mkdir()
    shutil.copyfile(EXAMPLES / "news.txt", examples / "news.txt")
    shutil.copyfile(EXAMPLES / "cluster.toml", examples / "cluster.toml")
    shutil.copytree(EXAMPLES / "feeds", examples / "feeds")
    newsfeed("aggregate", "--quiet", examples / "cluster.toml", cwd=tmp_path)
    public = tmp_path / "public"
    base = load_config(examples / "cluster.toml").info.feed_url
    assert base is not None
    assert alternates(public / "index.html") == [
        ("application/rss+xml", base),
        ("application/atom+xml", urljoin(base, "combined.atom")),
        ("application/feed+json", urljoin(base, "combined.json")),
    ]
    for name in ("combined.xml", "combined.atom", "combined.json"):
        assert (public / name).is_file()
