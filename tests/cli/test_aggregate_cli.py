"""``newsfeed aggregate``, ``sources`` and ``opml`` as cron and people run them: a subprocess.

Each test works in its own temporary directory; fetched sources are served on
127.0.0.1. Runs killed at random moments are tested in tests/e2e/test_crash_safety.py.
"""

from __future__ import annotations

import shutil
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aggregator_fixtures import (
    RSS_TYPE,
    Aggregation,
    Answer,
    FeedServer,
    atom,
    entry,
    json_feed,
    rss2,
)
from newsfeed import ConfigError, InputError, load_config, parse_feed
from newsfeed._store import Store
from processes import newsfeed

EXAMPLES = Path(__file__).parents[2] / "examples"


def serving(body: str, content_type: str = RSS_TYPE, status: int = 200) -> Answer:
    return status, {"Content-Type": content_type}, body.encode()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    feeds = FeedServer({})
    yield feeds
    feeds.close()


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    """The offline example, copied with its files: outputs go to ../public beside it."""
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    return tmp_path / "examples" / "cluster.toml"


# --- aggregate --------------------------------------------------------------------------------


def test_the_cluster_example_runs_offline_and_writes_three_outputs(cluster: Path) -> None:
    public = cluster.parents[1] / "public"

    first = newsfeed("aggregate", cluster)

    assert first.returncode == 0, first.stderr
    assert first.stdout == ""
    assert "Traceback" not in first.stderr
    config = load_config(cluster)
    outputs = [config.output.rss, config.output.atom, config.output.json]
    assert sorted(path.name for path in public.iterdir() if path in outputs) == [
        "combined.atom",
        "combined.json",
        "combined.xml",
    ]
    feeds = [parse_feed(path.read_bytes()) for path in outputs if path is not None]
    assert feeds[0].items
    assert feeds[0].items == feeds[1].items == feeds[2].items
    assert feeds[0].info.title == "Automotive cluster news"
    summary = first.stderr.strip().splitlines()[-1]
    assert summary.startswith("3 sources: 3 ok;")
    # The three feeds, the page, and the example's archive documents, all written new.
    assert config.output.archive is not None
    written = [*outputs, config.output.html, *config.output.archive.iterdir()]
    assert all(path is not None and path.is_file() for path in written)
    assert f"{len(feeds[0].items)} in the feed; {len(written)} files rewritten" in summary

    second = newsfeed("aggregate", cluster)

    assert second.returncode == 0, second.stderr
    # As docs/aggregate.md says: a line only for a source that did not plainly succeed.
    assert second.stderr == (
        f"3 sources: 3 not modified; 0 new items; {len(feeds[0].items)} in the feed;"
        " 0 files rewritten\n"
    )


def test_quiet_prints_nothing_when_all_is_well(cluster: Path) -> None:
    for _ in range(2):
        result = newsfeed("aggregate", "-q", cluster)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_exit_1_when_every_source_fails(tmp_path: Path, server: FeedServer) -> None:
    server.routes["/broken"] = lambda: serving("oops", "text/plain", 500)
    setup = Aggregation(tmp_path)
    setup.configure(
        [
            {"name": "broken", "url": server.url("/broken")},
            {"name": "missing", "file": "missing.xml"},
        ]
    )

    # The second run finds the URL source waiting out its backoff: still failing, still told.
    for quiet, broken in (
        ([], "broken: error: HTTP 500"),
        (["-q"], "broken: deferred: not before"),
    ):
        result = newsfeed("aggregate", *quiet, setup.config_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert broken in result.stderr
        assert "failed once, last: HTTP 500" in result.stderr or not quiet
        assert "missing: error: " in result.stderr


def test_exit_0_when_some_sources_fail(tmp_path: Path, server: FeedServer) -> None:
    server.routes["/good"] = lambda: serving(rss2([entry(1)]))
    setup = Aggregation(tmp_path)
    setup.configure(
        [{"name": "good", "url": server.url("/good")}, {"name": "missing", "file": "gone.xml"}]
    )

    result = newsfeed("aggregate", "-q", setup.config_path)

    assert result.returncode == 0
    # Quiet still reports errors: cron mails them.
    assert result.stderr.startswith("missing: error: ")
    assert len(result.stderr.splitlines()) == 1


_GOOD_CONFIG = """\
[feed]
title = "Combined"
link = "https://combined.example/"

[[source]]
name = "Member A"
url = "https://a.example/feed.xml"

[[source]]
name = "Member B"
file = "b.xml"

[[source]]
name = "Bulletin"
bulletin = "news.txt"
timezone = "Europe/Samara"

[fetch]
timeout = 5

[output]
rss = "out/feed.xml"
json = "out/feed.json"
state = "state/state.sqlite"
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'name = "Member B"\n',
            'name = "Member B"\ncolour = "red"\n',
            "source[2] (Member B).colour: unknown key",
            id="unknown-source-key",
        ),
        pytest.param(
            "timeout = 5\n", "timeout = 5\nretries = 3\n", "fetch.retries: unknown key", id="fetch"
        ),
        pytest.param(
            "[feed]\n",
            "[feed]\nmax_items = 'ten'\n",
            "feed.max_items: expected an integer",
            id="type",
        ),
        pytest.param(
            "timeout = 5\n", "timeout = true\n", "fetch.timeout: expected a number", id="bool"
        ),
        pytest.param(
            'url = "https://a.example/feed.xml"',
            "url = 5",
            "source[1] (Member A).url: expected a string",
            id="url-type",
        ),
        pytest.param(
            'file = "b.xml"',
            'file = "b.xml"\nurl = "https://b.example/feed"',
            "source[2] (Member B).url: needs exactly one of url, bulletin or file"
            " (found url and file)",
            id="url-and-file",
        ),
        pytest.param(
            'file = "b.xml"\n',
            "",
            "source[2] (Member B).url: needs exactly one of url, bulletin or file (found none)",
            id="no-location",
        ),
        pytest.param(
            '"https://a.example/feed.xml"',
            '"ftp://a.example/feed.xml"',
            "source[1] (Member A).url: must be an http or https URL",
            id="ftp-url",
        ),
        pytest.param(
            '"https://a.example/feed.xml"',
            '"file:///etc/passwd"',
            "source[1] (Member A).url: must be an http or https URL",
            id="file-url",
        ),
        pytest.param('title = "Combined"\n', "", "feed.title: is required", id="no-title"),
        pytest.param(
            '"Europe/Samara"',
            '"Europe/Samarra"',
            "source[3] (Bulletin).timezone: unknown time zone",
            id="time-zone",
        ),
        pytest.param(
            'name = "Member A"\nurl = "https://',
            'url = "gopher://',
            "source[1].url: must be an http or https URL, not 'gopher://",
            id="unnamed-source",
        ),
        pytest.param(
            "[output]\n", "[output]\nmax_items = 3\n", "output.max_items: unknown key", id="output"
        ),
        pytest.param('link = "', 'link "', "not valid TOML", id="toml-syntax"),
    ],
)
def test_config_errors_exit_2_naming_the_key_and_write_nothing(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in _GOOD_CONFIG
    config = tmp_path / "config.toml"
    config.write_text(_GOOD_CONFIG.replace(old, new, 1), encoding="utf-8")

    for command in ("aggregate", "sources"):
        result = newsfeed(command, config)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert f"newsfeed: {config}: " in result.stderr
        assert expected in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["config.toml"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(
            'title = "Combined"',
            'titel = "Combined"',
            ["feed.titel: unknown key (did you mean `title`?)"],
            id="titel",
        ),
        pytest.param(
            "[output]",
            "[outptu]",
            ["outptu: unknown key (did you mean `output`?)"],
            id="outptu",
        ),
        pytest.param(
            'name = "Member B"\n',
            'name = "Member B"\ntimezon = "UTC"\n',
            ["source[2] (Member B).timezon: unknown key (did you mean `timezone`?)"],
            id="source-key",
        ),
    ],
)
def test_an_unknown_key_suggests_the_nearest_known_one(
    tmp_path: Path, old: str, new: str, expected: list[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(_GOOD_CONFIG.replace(old, new, 1), encoding="utf-8")

    result = newsfeed("aggregate", config)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"newsfeed: {config}: {line}" for line in expected]


def test_every_config_problem_is_reported_at_once(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    broken = (
        _GOOD_CONFIG.replace('title = "Combined"', 'titel = "Combined"')
        .replace('url = "https://a.example/feed.xml"', 'url = "ftp://a.example/feed.xml"')
        .replace("timeout = 5", "timeout = -5\nretries = 3")
        .replace('timezone = "Europe/Samara"', 'timezone = "Europe/Samara"\nallow_empty = "yes"')
        .replace("[output]", "[outptu]")
    )
    config.write_text(broken, encoding="utf-8")

    result = newsfeed("aggregate", config)

    assert result.returncode == 2
    assert sorted(result.stderr.splitlines()) == sorted(
        f"newsfeed: {config}: {line}"
        for line in [
            "outptu: unknown key (did you mean `output`?)",
            "feed.titel: unknown key (did you mean `title`?)",
            "source[1] (Member A).url: must be an http or https URL, not 'ftp://a.example/feed.xml'",
            "source[3] (Bulletin).allow_empty: expected true or false, not 'yes'",
            "fetch.retries: unknown key",
            "fetch.timeout: must be greater than 0, not -5.0",
        ]
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert len(caught.value.problems) == 6
    assert all(problem.path == str(config) for problem in caught.value.problems)


def test_tables_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('feed = "x"\nsource = 3\n[output]\nrss = "a.xml"\n', encoding="utf-8")

    result = newsfeed("aggregate", config)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"newsfeed: {config}: feed: expected a table, not 'x'",
        f"newsfeed: {config}: source: expected an array, not 3",
    ]


def test_a_config_file_that_cannot_be_read_is_an_input_error(tmp_path: Path) -> None:
    for path in (tmp_path / "nowhere.toml", tmp_path):
        with pytest.raises(InputError) as caught:
            load_config(path)
        assert caught.value.filename == str(path)
        assert isinstance(caught.value, OSError)


def test_a_missing_config_is_a_config_error(tmp_path: Path) -> None:
    result = newsfeed("aggregate", tmp_path / "nowhere.toml")

    assert result.returncode == 2
    assert "nowhere.toml" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_real_config_of_the_error_tests_is_valid(tmp_path: Path) -> None:
    # So that each error test fails for its own mistake only.
    config = tmp_path / "config.toml"
    config.write_text(_GOOD_CONFIG, encoding="utf-8")

    loaded = load_config(config)

    assert [source.name for source in loaded.sources] == ["Member A", "Member B", "Bulletin"]


def test_an_unusable_state_database_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "b.xml").write_text(rss2([entry(1)]))
    setup = Aggregation(tmp_path)
    setup.configure([{"name": "b", "file": "b.xml"}])
    setup.state_path.parent.mkdir()
    setup.state_path.write_bytes(b"this is not an SQLite database\n" * 100)

    for command in ("aggregate", "sources"):
        result = newsfeed(command, setup.config_path)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert f"newsfeed: {setup.state_path}: " in result.stderr
    assert not any(path.exists() for path in setup.outputs.values())


# --- sources ----------------------------------------------------------------------------------


def test_sources_prints_each_sources_state(tmp_path: Path, server: FeedServer) -> None:
    server.routes["/good"] = lambda: serving(rss2([entry(1), entry(2)]))
    server.routes["/broken"] = lambda: serving("oops", "text/plain", 500)
    server.routes["/old"] = lambda: (301, {"Location": server.url("/new")}, b"")
    server.routes["/new"] = lambda: serving(atom([entry(3, site="https://n.example")]))
    (tmp_path / "local.json").write_text(json_feed([entry(4, site="https://l.example")]))
    setup = Aggregation(tmp_path)
    setup.configure(
        [
            {"name": "good", "url": server.url("/good")},
            {"name": "broken", "url": server.url("/broken")},
            {"name": "moved", "url": server.url("/old")},
            {"name": "local", "file": "local.json"},
        ]
    )

    before = newsfeed("sources", setup.config_path)
    newsfeed("aggregate", "-q", setup.config_path)
    after = newsfeed("sources", setup.config_path)
    with Store.open(setup.state_path):  # a run in progress does not stop it
        during = newsfeed("sources", setup.config_path)

    assert before.returncode == 0, before.stderr
    assert after.returncode == 0, after.stderr
    assert during.stdout == after.stdout
    header, *rows = after.stdout.splitlines()
    assert header.split() == [
        *("NAME", "URL", "LAST", "FETCH", "STATUS", "ITEMS", "NEXT", "TRY", "LAST", "ERROR")
    ]
    row = dict(zip(["good", "broken", "moved", "local"], rows, strict=True))
    assert server.url("/good") in row["good"]
    assert row["good"].split()[-3:] == ["ok", "2", "-"]
    assert server.url("/broken") in row["broken"]
    status, items, day, clock, error = row["broken"].split()[4:9]
    assert (status, items, error) == ("error", "0", "HTTP")
    # Its backoff ends a minute or so after the run: shown to the second, in UTC.
    retry = datetime.fromisoformat(f"{day}T{clock}+00:00")
    assert timedelta(seconds=30) < retry - datetime.now(UTC) <= timedelta(seconds=66)
    assert row["broken"].endswith("HTTP 500 Internal Server Error")
    assert server.url("/new") in row["moved"]
    assert row["moved"].split()[-3:] == ["moved", "1", "-"]
    assert str(tmp_path / "local.json") in row["local"]
    assert row["local"].split()[-3:] == ["ok", "1", "-"]
    # Before any run every source is listed, never fetched.
    assert [line.split()[-4:] for line in before.stdout.splitlines()[1:]] == [
        ["never", "-", "0", "-"]
    ] * 4


# --- OPML -------------------------------------------------------------------------------------


def test_opml_export_lists_the_fetched_sources(tmp_path: Path) -> None:
    (tmp_path / "b.xml").write_text(rss2([entry(1)]))
    setup = Aggregation(tmp_path)
    setup.configure(
        [
            {"name": "Member A & Sons", "url": "https://a.example/feed.xml?x=1&y=2"},
            {"name": "Local file", "file": "b.xml"},
            {"name": "Члены <B>", "url": "https://b.example/atom"},
        ]
    )

    printed = newsfeed("opml", "export", setup.config_path)
    written = newsfeed("opml", "export", setup.config_path, "-o", tmp_path / "subs.opml")

    assert printed.returncode == 0, printed.stderr
    assert written.returncode == 0, written.stderr
    assert written.stdout == ""
    assert (tmp_path / "subs.opml").read_text(encoding="utf-8") == printed.stdout
    root = ET.fromstring(printed.stdout.encode())  # noqa: S314 - our own output
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.find("head/title") is not None
    outlines = [
        (outline.get("type"), outline.get("text"), outline.get("xmlUrl"))
        for outline in root.iter("outline")
    ]
    assert outlines == [
        ("rss", "Member A & Sons", "https://a.example/feed.xml?x=1&y=2"),
        ("rss", "Члены <B>", "https://b.example/atom"),
    ]


_OPML = """\
<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="News">
      <outline type="rss" text="Plain" xmlUrl="https://plain.example/feed.xml"/>
      <outline type="rss" text="ignored text" title="Quotes &quot;and&quot; \\ backslash"
               xmlUrl="https://quotes.example/rss?a=1&amp;b=2"/>
      <outline type="rss" text="Юникод   name" xmlUrl="http://unicode.example/лента"/>
      <outline type="rss" text="Gopher" xmlUrl="gopher://old.example/feed"/>
    </outline>
    <outline text="Tech">
      <outline type="rss" text="Odd&#127;name" xmlUrl="https://odd.example/feed"/>
      <outline type="rss" text="Plain again" xmlUrl="https://plain.example/feed.xml"/>
      <outline type="rss" text="Local" xmlUrl="file:///home/me/feed.xml"/>
      <outline type="rss" text="No host" xmlUrl="http:///feed.xml"/>
    </outline>
  </body>
</opml>
"""


def test_opml_import_prints_sources_that_toml_reads_back(tmp_path: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(_OPML, encoding="utf-8")

    result = newsfeed("opml", "import", opml)

    assert result.returncode == 0, result.stderr
    sources = tomllib.loads(result.stdout)["source"]
    assert sources == [
        {"name": "Plain", "url": "https://plain.example/feed.xml"},
        {"name": 'Quotes "and" \\ backslash', "url": "https://quotes.example/rss?a=1&b=2"},
        {"name": "Юникод name", "url": "http://unicode.example/лента"},
        {"name": "Odd\x7fname", "url": "https://odd.example/feed"},
    ]
    skipped = result.stderr.splitlines()
    assert len(skipped) == 4
    assert "Gopher" in skipped[0]
    assert "gopher://old.example/feed" in skipped[0]
    assert "Plain again" in skipped[1]
    assert "Local" in skipped[2]
    assert "file:///home/me/feed.xml" in skipped[2]
    assert "No host" in skipped[3]
    assert all(line.startswith(f"newsfeed: skipped {opml}: ") for line in skipped)
    # Pasted into a configuration, the sources load as they are.
    config = tmp_path / "config.toml"
    config.write_text(
        '[feed]\ntitle = "T"\nlink = "https://t.example/"\n[output]\nrss = "o.xml"\n\n'
        + result.stdout,
        encoding="utf-8",
    )
    assert [(s.name, s.location) for s in load_config(config).sources] == [
        (source["name"], source["url"]) for source in sources
    ]


def test_opml_import_of_a_file_that_is_not_opml_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "feed.xml").write_text(rss2([entry(1)]))
    (tmp_path / "broken.opml").write_text("<opml><body>")

    for name in ("feed.xml", "broken.opml", "missing.opml"):
        result = newsfeed("opml", "import", tmp_path / name)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert name in result.stderr
        assert result.stdout == ""
