"""Real-world fidelity: what an independent reader finds in a feed, and still finds after newsfeed.

Each feed of the corpus (tests/data/fidelity/, see its README.txt) is read by the
referee, lemon24/reader's parser, as served from its URL. The same bytes are read
with :func:`newsfeed.parse_feed` and written back as RSS, Atom and JSON Feed, and
the referee reads each output again. A metric is the share of what the referee
found in the originals that it finds again in an output.

Used by tests/roundtrip/test_fidelity.py; run as a script it prints the table::

    .venv/bin/python tests/fidelity.py [FILE ...]
    .venv/bin/python tests/fidelity.py --feedparser-corpus   # a public corpus, fetched
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from reader._parser import HTTPInfo, RetrievedFeed, default_parser
from reader._types import EntryData

from newsfeed import Feed, NewsfeedError, parse_feed, to_atom, to_json_feed, to_rss

CORPUS = Path(__file__).parent / "data" / "fidelity"
TARGET = 0.98
FORMATS: dict[str, Callable[[Feed], bytes]] = {
    "rss": to_rss,
    "atom": to_atom,
    "json": to_json_feed,
}
METRICS = (
    "entries",
    "titles",
    "links",
    "dates",
    "first authors",
    "enclosure URLs",
    "link targets in bodies",
    "images in bodies",
)
_JSON_TYPE = "application/feed+json"
# feedparser takes any XML; reader picks its parser by media type.
_XML_TYPE = "application/xml"
_HTML_TYPES = frozenset({None, "text/html", "application/xhtml+xml"})
_WEB_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True, slots=True)
class Sample:
    """One feed of the corpus and the URL it is read as served from."""

    path: Path
    url: str

    @property
    def media_type(self) -> str:
        return _JSON_TYPE if self.path.suffix == ".json" else _XML_TYPE


def corpus(names: Iterable[str] = ()) -> list[Sample]:
    """The corpus feeds listed in sources.json (all of them, or those *names*)."""
    sources: dict[str, str] = json.loads((CORPUS / "sources.json").read_text(encoding="utf-8"))
    wanted = list(names) or sorted(sources)
    return [Sample(CORPUS / name, sources[name]) for name in wanted]


@dataclass(frozen=True, slots=True)
class Seen:
    """What the referee found in one entry, in comparable form."""

    id: str
    title: str | None
    link: str | None
    dates: frozenset[datetime]
    #: The identifiers of each author (see _people); the first is the entry's first author.
    authors: tuple[frozenset[str], ...]
    enclosures: tuple[str, ...]
    hrefs: frozenset[str]
    images: frozenset[str]


class _Markup(HTMLParser):
    """The ``<a href>`` and ``<img src>`` of some HTML, resolved against *base*."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.hrefs: set[str] = set()
        self.images: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"a": ("href", self.hrefs), "img": ("src", self.images)}.get(tag)
        if wanted is None:
            return
        name, found = wanted
        for key, value in attrs:
            if key == name and value and value.strip():
                url = urljoin(self.base, value.strip())
                if urlsplit(url).scheme in _WEB_SCHEMES:
                    found.add(url)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _markup(html: str, base: str) -> _Markup:
    parser = _Markup(base)
    parser.feed(html)
    parser.close()
    return parser


def _plain(text: str | None) -> str | None:
    """A title as a reader shows it: markup and entities gone, white space collapsed."""
    if not text:
        return None
    plain = " ".join(unescape("".join(_markup(text, "").text)).split())
    return plain or None


def _people(entry: EntryData) -> tuple[frozenset[str], ...]:
    """Each author's name, email and URL, any of which identifies the person.

    A set per person because reader reads the RSS form ``email (Name)`` as a name
    that is an address and an "email" that is the name: the same person written
    back as an Atom person construct must still count as the same.
    """
    people = (
        frozenset(
            " ".join(value.split()).strip("\"'").casefold()
            for value in (person.name, person.email, person.href)
            if value and value.strip("\"' ")
        )
        for person in entry.authors
    )
    return tuple(person for person in people if person)


def _seen(entry: EntryData, base: str) -> Seen:
    hrefs: set[str] = set()
    images: set[str] = set()
    bodies = [content.value for content in entry.content if content.type in _HTML_TYPES]
    if entry.summary:
        bodies.append(entry.summary)
    for body in bodies:
        markup = _markup(body, base)
        hrefs |= markup.hrefs
        images |= markup.images
    return Seen(
        id=entry.id,
        title=_plain(entry.title),
        link=entry.link or None,
        dates=frozenset(date for date in (entry.published, entry.updated) if date is not None),
        authors=_people(entry),
        # feedparser resolves links and bodies against the document URL, not enclosures.
        enclosures=tuple(urljoin(base, enclosure.href) for enclosure in entry.enclosures),
        hrefs=frozenset(hrefs),
        images=frozenset(images),
    )


class RefereeError(Exception):
    """The referee could not read a document."""


def referee(data: bytes, url: str, media_type: str) -> list[Seen]:
    """The entries reader's parser finds in *data*, served from *url*.

    Content-Location gives feedparser the document URL to resolve relative links
    against, as a reader fetching *url* would.
    """
    retrieved = RetrievedFeed(
        io.BytesIO(data),
        mime_type=media_type,
        http_info=HTTPInfo(200, {"content-location": url}),
    )
    with warnings.catch_warnings():
        # reader warns about each entry it skips (no id); the count shows it anyway.
        warnings.simplefilter("ignore")
        try:
            parsed = default_parser().parse(url, retrieved)
        except Exception as exc:
            raise RefereeError(f"{url}: {type(exc).__name__}: {exc}") from exc
    return [_seen(entry, url) for entry in parsed.entries]


def _pair(originals: Sequence[Seen], outputs: Sequence[Seen]) -> list[tuple[Seen, Seen | None]]:
    """Each original entry with its output entry: same id, else link, else title, else order."""
    left = list(outputs)
    pairs: dict[int, Seen] = {}
    for key in ("id", "link", "title"):
        for index, original in enumerate(originals):
            value = getattr(original, key)
            if index in pairs or value is None:
                continue
            match = next((out for out in left if getattr(out, key) == value), None)
            if match is not None:
                pairs[index] = match
                left.remove(match)
    unpaired = [index for index in range(len(originals)) if index not in pairs]
    pairs.update(zip(unpaired, left, strict=False))
    return [(original, pairs.get(index)) for index, original in enumerate(originals)]


@dataclass
class Tally:
    """Found and total counts of each metric, for one output format, and what was missed."""

    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    total: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))
    #: "file: entry id: metric: wanted ... got ...", for each metric short of its total.
    misses: list[str] = field(default_factory=list)

    def count(self, where: str, metric: str, wanted: object, got: object, total: int = 1) -> None:
        """Count *total* things wanted in *metric*, of which those *got* are found."""
        if isinstance(wanted, set | frozenset):
            found = min(len(wanted & got), total) if isinstance(got, set | frozenset) else 0
        else:
            found = int(wanted == got)
        self.total[metric] += total
        self.found[metric] += found
        if found < total:
            self.misses.append(f"{where}: {metric}: wanted {wanted!r}, got {got!r}")

    def share(self, metric: str) -> float | None:
        total = self.total[metric]
        return None if total == 0 else self.found[metric] / total


def _compare(tally: Tally, where: str, original: Seen, out: Seen | None, *, rss: bool) -> None:
    where = f"{where}: {original.id}"
    if out is None:
        tally.count(where, "entries", "an entry", None)
        out = Seen(original.id, None, None, frozenset(), (), (), frozenset(), frozenset())
    else:
        tally.count(where, "entries", True, True)
    if original.title is not None:
        tally.count(where, "titles", original.title, out.title)
    if original.link is not None:
        tally.count(where, "links", original.link, out.link)
    if original.dates:
        # Either date will do: a feed may say only one of them, or both.
        tally.count(where, "dates", original.dates, out.dates or None, 1)
    if original.authors:
        # Found if any author of the output is the same person. Not only the first: of an
        # Atom entry with several authors, reader returns the last one, and of an RSS item
        # with several author elements, the last too, while of JSON Feed the first.
        first = original.authors[0]
        same = next((person for person in out.authors if person & first), None)
        tally.count(where, "first authors", first, same or out.authors)
    if original.enclosures and rss:  # an RSS item carries one enclosure: the first counts
        first = out.enclosures[0] if out.enclosures else None
        tally.count(where, "enclosure URLs", original.enclosures[0], first)
    elif original.enclosures:
        wanted = frozenset(original.enclosures)
        tally.count(where, "enclosure URLs", wanted, frozenset(out.enclosures), len(wanted))
    for metric, wanted, got in (
        ("link targets in bodies", original.hrefs, out.hrefs),
        ("images in bodies", original.images, out.images),
    ):
        if wanted:
            tally.count(where, metric, wanted, got, len(wanted))


@dataclass(repr=False)  # the table is its readable form
class Report:
    """The corpus measured: one tally per output format, and what failed on the way."""

    tallies: dict[str, Tally] = field(default_factory=lambda: {name: Tally() for name in FORMATS})
    #: "file: what went wrong", for newsfeed refusing an original or writing an
    #: output the referee cannot read.
    crashes: list[str] = field(default_factory=list)
    files: int = 0

    def short_of(self, name: str, target: float = TARGET) -> list[str]:
        """The metrics of format *name* below *target*."""
        tally = self.tallies[name]
        return [m for m in METRICS if (share := tally.share(m)) is not None and share < target]

    def table(self) -> str:
        header = ["metric", *(f"{name} (of originals)" for name in FORMATS)]
        rows = [header]
        for metric in METRICS:
            cells = [metric]
            for name in FORMATS:
                tally = self.tallies[name]
                share = tally.share(metric)
                found, total = tally.found[metric], tally.total[metric]
                cells.append("-" if share is None else f"{share:7.1%} {found:>5}/{total}")
            rows.append(cells)
        widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
        lines.append(f"{self.files} feeds; target {TARGET:.0%} of each metric in every format")
        lines += [f"crash: {crash}" for crash in self.crashes]
        return "\n".join(lines)


def _crash(exc: Exception) -> str:
    return str(exc) if isinstance(exc, NewsfeedError | RefereeError) else repr(exc)


def measure(samples: Iterable[Sample], *, skip_unreadable: bool = False) -> Report:
    """Read every sample with the referee, then through newsfeed and back, and count.

    A sample the referee cannot read is a broken fixture (:class:`RefereeError`), or
    with *skip_unreadable* (for third-party test corpora full of broken feeds) left out.
    """
    report = Report()
    for sample in samples:
        data = sample.path.read_bytes()
        try:
            originals = referee(data, sample.url, sample.media_type)
        except RefereeError:
            if skip_unreadable:
                continue
            raise
        report.files += 1
        feed = None
        try:
            feed = parse_feed(data, url=sample.url)
        # Any exception is counted, not raised: the table shows every file that fails.
        except Exception as exc:  # noqa: BLE001
            report.crashes.append(f"{sample.path.name}: parse_feed: {_crash(exc)}")
        for name, export in FORMATS.items():
            outputs: list[Seen] = []
            if feed is not None:
                try:
                    media_type = _JSON_TYPE if name == "json" else _XML_TYPE
                    outputs = referee(export(feed), sample.url, media_type)
                except Exception as exc:  # noqa: BLE001 - as above
                    report.crashes.append(f"{sample.path.name}: {name}: {_crash(exc)}")
            for original, out in _pair(originals, outputs):
                where = sample.path.name
                _compare(report.tallies[name], where, original, out, rss=name == "rss")
    return report


def feedparser_corpus(folder: Path, version: str = "6.0.11") -> list[Sample]:
    """The well-formed test feeds of feedparser's sdist, downloaded into *folder*.

    A public corpus of 1,500 small feeds, each exercising one feature; fetched at run
    time with pip, never kept in the repository.
    """
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
         ":all:", f"feedparser=={version}", "-d", str(folder)],
        check=True,
    )  # fmt: skip
    (archive,) = folder.glob("feedparser-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    tests = folder / f"feedparser-{version}" / "tests" / "wellformed"
    return [
        Sample(path, f"https://feedparser-tests.example/{path.relative_to(tests).as_posix()}")
        for path in sorted(tests.rglob("*.xml"))
    ]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("files", nargs="*", help="corpus files (default: all of them)")
    parser.add_argument(
        "--feedparser-corpus",
        action="store_true",
        help="measure feedparser's own test feeds instead (downloaded with pip into a "
        "temporary folder); those the referee cannot read are left out",
    )
    parser.add_argument("--misses", action="store_true", help="list what each output lost")
    args = parser.parse_args(argv)
    if args.feedparser_corpus:
        with tempfile.TemporaryDirectory(prefix="fidelity-") as folder:
            report = measure(feedparser_corpus(Path(folder)), skip_unreadable=True)
    else:
        report = measure(corpus(args.files))
    if args.misses:
        for name, tally in report.tallies.items():
            print(*(f"{name}: {miss}" for miss in tally.misses), sep="\n")  # noqa: T201
    print(report.table())  # noqa: T201 - a report script prints its table
    failing = any(report.short_of(name) for name in FORMATS) or report.crashes
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
