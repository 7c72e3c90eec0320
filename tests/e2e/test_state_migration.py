"""The state and archive folder that release 0.1.0 wrote keep working (tests/data/state/)."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

import newsfeed
from newsfeed._store import Store
from processes import newsfeed as run_newsfeed

DATA = Path(__file__).parents[1] / "data" / "state"
# After the refused source's backoff, so the run is like any later cron run.
NOW = datetime(2026, 11, 29, 17, 0, tzinfo=UTC)


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A folder as release 0.1.0 left it: config, sources, state database and public folder."""
    shutil.copy(DATA / "release-0.1.0.toml", tmp_path / "config.toml")
    # The inputs of the run that wrote the dump, as they were then (the examples moved on).
    shutil.copy(DATA / "release-0.1.0-inputs" / "news.txt", tmp_path / "news.txt")
    shutil.copytree(DATA / "release-0.1.0-inputs" / "feeds", tmp_path / "feeds")
    shutil.copytree(DATA / "release-0.1.0-public", tmp_path / "out")
    dump = (DATA / "release-0.1.0.sql").read_text(encoding="utf-8")
    with closing(sqlite3.connect(tmp_path / "state.sqlite")) as db:
        db.executescript(dump.replace("@ROOT@", str(tmp_path)))
        # What 0.1.0 set, and a dump does not carry.
        db.execute("PRAGMA user_version = 1")
    return tmp_path


def _old_items(root: Path) -> dict[str, str]:
    with closing(sqlite3.connect(root / "state.sqlite")) as db:
        return dict(db.execute("SELECT id, source_key FROM item"))


def _published(root: Path, suffix: str, current: str) -> list[str]:
    """The ids of every document of one format: current, 0.1.0's months and the pages."""
    paths = [root / "out" / current, *sorted((root / "out" / "archive").glob(f"*{suffix}"))]
    return [item.id for path in paths for item in newsfeed.parse_feed(path.read_bytes()).items]


@pytest.mark.parametrize("version_set", [True, False], ids=["0.1.0 file", "restored dump"])
def test_every_item_of_release_0_1_0_is_still_published_once(released, version_set):
    if not version_set:  # restored from the dump alone: 0.1.0's tables, no version
        with closing(sqlite3.connect(released / "state.sqlite")) as db:
            db.execute("PRAGMA user_version = 0")
    old = _old_items(released)
    months = {path.name: path.read_bytes() for path in (released / "out" / "archive").iterdir()}

    report = newsfeed.aggregate(newsfeed.load_config(released / "config.toml"), now=NOW)

    assert [source.outcome.value for source in report.sources][:3] == ["not modified"] * 3
    for suffix, current in [(".xml", "combined.xml"), (".atom", "combined.atom")]:
        ids = _published(released, suffix, current)
        assert len(ids) == len(set(ids)), suffix
        assert set(old) <= set(ids), suffix
    # 0.1.0's monthly archives stay as they were, and the current feed links back to them.
    archive = released / "out" / "archive"
    assert {path.name: path.read_bytes() for path in archive.glob("20*")} == months
    current = newsfeed.parse_feed((released / "out" / "combined.xml").read_bytes())
    assert current.archive is not None
    assert current.archive.prev_archive == "https://example.org/news/archive/2020-03.xml"
    with closing(sqlite3.connect(released / "state.sqlite")) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (2,)
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert set(old) <= {item_id for (item_id,) in db.execute("SELECT id FROM item")}
        # The outcome strings became codes of the outcome table.
        outcomes = dict(
            db.execute(
                "SELECT key, name FROM source JOIN outcome ON code = source.outcome"
                " WHERE key LIKE 'url:%'"
            )
        )
    assert outcomes["url:http://127.0.0.1:18765/member-rss.xml"] in {"ok", "error"}
    assert outcomes["url:http://127.0.0.1:18766/feed.xml"] == "error"

    # A next run with nothing new writes nothing.
    again = newsfeed.aggregate(newsfeed.load_config(released / "config.toml"), now=NOW)
    assert again.written == ()


def test_the_migration_keeps_every_source_state(released):
    with closing(sqlite3.connect(released / "state.sqlite")) as db:
        before = db.execute(
            "SELECT key, url, etag, last_modified, content_hash, title, status, error,"
            " last_fetched, next_fetch, failures, gone FROM source ORDER BY key"
        ).fetchall()
        counts = dict(
            db.execute("SELECT key, (SELECT count(*) FROM item WHERE source_key = key) FROM source")
        )

    listing = run_newsfeed("sources", released / "config.toml")
    assert listing.returncode == 1
    assert "written by an older newsfeed (schema 1)" in listing.stderr
    assert "Traceback" not in listing.stderr

    with Store.open(released / "state.sqlite") as store:  # opening migrates it
        states = store.sources()
    assert [
        (
            state.key,
            state.url,
            state.etag,
            state.last_modified,
            state.content_hash,
            state.title,
            state.status.value if state.status else None,
            state.error,
            state.last_fetched.isoformat() if state.last_fetched else None,
            state.next_fetch.isoformat() if state.next_fetch else None,
            state.failures,
            int(state.gone),
        )
        for state in states
    ] == before
    assert {state.key: state.items for state in states} == counts


# --- a state that cannot be used ----------------------------------------------------------------


def _config(tmp_path: Path) -> Path:
    (tmp_path / "source.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>S</title>'
        "<link>https://s.example/</link><description>d</description><item><title>One</title>"
        "<guid>https://s.example/1</guid></item></channel></rss>"
    )
    config = tmp_path / "config.toml"
    config.write_text(
        '[feed]\ntitle = "All"\nlink = "https://example.org/"\n'
        '[[source]]\nfile = "source.xml"\n[output]\nrss = "feed.xml"\nstate = "state.sqlite"\n'
    )
    return config


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"SQLite format 3\x00" + b"\xff" * 4080, "malformed|not a database"),
        (b"these bytes are not a database at all" * 200, "not a database"),
    ],
    ids=["damaged", "foreign"],
)
def test_a_state_file_that_is_not_usable_is_a_state_error(tmp_path, content, reason):
    config = _config(tmp_path)
    (tmp_path / "state.sqlite").write_bytes(content)

    with pytest.raises(newsfeed.StateError, match=reason) as raised:
        newsfeed.aggregate(newsfeed.load_config(config))

    assert isinstance(raised.value, OSError)
    assert not isinstance(raised.value, sqlite3.Error)
    assert raised.value.path == str(tmp_path / "state.sqlite")
    assert (tmp_path / "state.sqlite").read_bytes() == content
    assert not (tmp_path / "feed.xml").exists()
    result = run_newsfeed("aggregate", config)
    assert result.returncode == 1
    assert f"newsfeed: {tmp_path / 'state.sqlite'}: the state database cannot be used" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr


def test_a_state_from_a_newer_release_is_refused_untouched(tmp_path):
    config = _config(tmp_path)
    newsfeed.aggregate(newsfeed.load_config(config))
    with closing(sqlite3.connect(tmp_path / "state.sqlite")) as db:
        db.execute("PRAGMA user_version = 99")
    before = (tmp_path / "state.sqlite").read_bytes()

    with pytest.raises(newsfeed.StateError, match="written by a newer newsfeed"):
        newsfeed.aggregate(newsfeed.load_config(config))

    assert (tmp_path / "state.sqlite").read_bytes() == before
