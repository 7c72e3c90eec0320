"""What a run loads at start: a run that reads and writes nothing imports no parser or exporter.

Every cron run pays its start-up; an aggregation whose sources all answer 304 reads
no feed and writes no document, so it must not import feedparser, lxml, feedgen or
dateutil's parser, nor newsfeed's own bulletin and feed readers, nor multiprocessing's
pool, nor load a CA bundle for sources that are all http. The imports are seen in
``python -X importtime``'s report of the real command. And its end: the program exits
without the collector's passes over what it built.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from aggregator_fixtures import RSS_TYPE, Aggregation, entry, rss2
from newsfeed import _cli
from processes import newsfeed_command

#: Imported by reading a bulletin or a feed, writing a document or a page, or by the commands
#: other than ``aggregate``, or by a pool of reading processes (``parse_processes``); none
#: is needed by a run of 304s.
NOT_AT_START = (
    "feedparser",
    "lxml",
    "feedgen",
    "dateutil.parser",
    "importlib.metadata",
    "concurrent.futures.process",
    "newsfeed._bulletin",
    "newsfeed._dates",
    "newsfeed._text",
    "newsfeed._ingest",
    "newsfeed._opml",
    "newsfeed._serve",
    "html.parser",
    "difflib",
)

# Counts the CA bundles loaded, then runs the command line as `newsfeed` would.
_COUNTING_CA_LOADS = """
import ssl, sys
loads = []
load = ssl.SSLContext.load_verify_locations
def counted(self, *args, **kwargs):
    loads.append(args)
    return load(self, *args, **kwargs)
ssl.SSLContext.load_verify_locations = counted
from newsfeed._cli import main
code = main(sys.argv[1:])
print(len(loads))
sys.exit(code)
"""


def _conditional(body: str) -> Callable[[Request], Response]:
    """An answer with an ETag, and 304 to a request that has it."""

    def answer(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(body, content_type=RSS_TYPE, headers={"ETag": '"v1"'})

    return answer


def _python(*args: str) -> subprocess.CompletedProcess[str]:
    """This interpreter run with *args*, to its end; its output as text."""
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, check=False
    )


def _imported(config: Path) -> set[str]:
    """The modules an ``aggregate`` run of *config* imported; it must succeed."""
    run = _python("-X", "importtime", *newsfeed_command("aggregate", config)[1:])
    assert run.returncode == 0, run.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("| package")
    }


def test_a_run_of_304s_imports_no_feed_reader_or_writer(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_handler(_conditional(rss2([entry(1)])))
    setup = Aggregation(tmp_path)
    setup.configure([{"name": "source", "url": httpserver.url_for("/feed")}])

    first = _imported(setup.config_path)
    again = _imported(setup.config_path)

    # The first run reads a feed and writes the documents: the scan sees those imports.
    assert {"feedparser", "lxml", "feedgen"} <= first
    assert setup.state("source")["etag"] == '"v1"'
    assert not again & set(NOT_AT_START)
    assert setup.titles() == ["Headline 1"]


def _ca_loads(config: Path) -> tuple[int, str]:
    run = _python("-c", _COUNTING_CA_LOADS, "aggregate", str(config))
    return int(run.stdout), run.stderr


def test_the_ca_bundle_is_loaded_only_for_an_https_source(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(rss2([entry(1)]), content_type=RSS_TYPE)
    plain, mixed = Aggregation(tmp_path / "plain"), Aggregation(tmp_path / "mixed")
    for setup in (plain, mixed):
        setup.directory.mkdir()
    plain.configure([{"name": "plain", "url": httpserver.url_for("/feed")}])
    # Nothing listens on port 9 of the loopback: the https source fails, after its TLS setup.
    mixed.configure(
        [
            {"name": "plain", "url": httpserver.url_for("/feed")},
            {"name": "tls", "url": "https://127.0.0.1:9/feed"},
        ]
    )

    plain_loads, _ = _ca_loads(plain.config_path)
    mixed_loads, mixed_errors = _ca_loads(mixed.config_path)

    assert plain_loads == 0
    assert mixed_loads >= 1
    assert "tls" in mixed_errors
    assert plain.titles() == mixed.titles() == ["Headline 1"]


# Runs `python -m newsfeed` after an exit hook that reports whether the collector's objects
# were frozen by then: atexit runs hooks last-registered first, so this one runs last.
_FROZEN_AT_EXIT = """
import atexit, gc, runpy, sys
atexit.register(lambda: print(gc.get_freeze_count() > 0))
runpy.run_module("newsfeed", run_name="__main__", alter_sys=True)
"""


def test_the_program_exits_without_collecting_what_it_built(tmp_path: Path) -> None:
    bulletin = Path(__file__).parents[1] / "data" / "bulletins" / "news.txt"
    run = _python("-c", _FROZEN_AT_EXIT, "check", str(bulletin))
    missing = _python("-c", _FROZEN_AT_EXIT, "check", str(tmp_path / "missing.txt"))

    assert (run.returncode, run.stdout, run.stderr) == (0, "True\n", "")
    # A failure exits the same way, with its code and its message written out.
    assert (missing.returncode, missing.stdout) == (1, "True\n")
    assert "missing.txt" in missing.stderr


def test_the_installed_command_is_the_program() -> None:
    (command,) = entry_points(group="console_scripts", name="newsfeed")
    assert command.load() is _cli.run
