"""Reading real feeds: the fidelity corpus through newsfeed, against feedparser's default parse.

The feeds are the hand-written corpus of tests/data/fidelity/ (blogs, podcasts, news sites,
RSS 1.0, Atom), read as served from their URLs. feedparser's default parse sanitizes HTML
and resolves relative URLs, as newsfeed's reading does: the same work on the same bytes.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime

import feedparser
import profiles
from common import HERE, Row, best

sys.path.insert(0, str(HERE.parent / "tests"))
from fidelity import corpus  # the corpus is the test suite's

READ_TARGET = 1.3
# A fixed clock: an undated entry must not make one run read differently from the next.
_NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _feedparser(data: bytes, url: str) -> object:
    # Content-Location is how feedparser learns the document URL from a response.
    return feedparser.parse(io.BytesIO(data), response_headers={"content-location": url})


def _newsfeed(data: bytes, url: str) -> object:
    from newsfeed import NewsfeedError  # noqa: PLC0415 - imported where it is measured
    from newsfeed._ingest import read_feed  # noqa: PLC0415

    try:
        return read_feed(data, url=url, now=_NOW)
    except NewsfeedError as exc:
        # A feed refused is timed too (refusing is quick): the note counts them.
        return exc


def run(_scratch: object, *, quick: bool) -> tuple[list[Row], dict[str, object]]:
    # feedparser does not read JSON Feed: only the XML feeds are compared.
    feeds = [
        (sample.path.read_bytes(), sample.url)
        for sample in corpus()
        if sample.path.suffix != ".json"
    ]
    size = sum(len(data) for data, _ in feeds)
    refused = sum(isinstance(_newsfeed(data, url), Exception) for data, url in feeds)
    rounds = 1 if quick else 3  # the corpus reads in a fraction of a second: a few passes each

    def read_all(read: object) -> None:
        for _ in range(rounds):
            for data, url in feeds:
                read(data, url)  # type: ignore[operator]

    repeat = 3 if quick else 5
    ours = best(lambda: read_all(_newsfeed), repeat) / rounds
    theirs = best(lambda: read_all(_feedparser), repeat) / rounds
    row = Row(
        group="fidelity",
        metric=f"reading {len(feeds)} real-world feeds ({size / 1e3:.0f} kB), sanitizing",
        value=ours,
        unit="s",
        baseline=theirs,
        baseline_name="feedparser.parse, default",
        target=READ_TARGET,
        note=(
            "newsfeed read_feed(data, url=...) vs feedparser with Content-Location, same bytes"
            + (f"; {refused} feed(s) refused by newsfeed" if refused else "")
        ),
    )
    details = {
        "feeds": len(feeds),
        "refused": refused,
        "bytes": size,
        "newsfeed_s": ours,
        "feedparser_s": theirs,
        "profile": profiles.cprofile(lambda: read_all(_newsfeed), "fidelity-read"),
    }
    return [row], details
