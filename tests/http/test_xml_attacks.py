"""Hostile XML and JSON from fetched sources: entity bombs, XXE, external DTDs (issue #4).

Every attack document is served from a loopback server and read by a real
aggregation. What the parsers really do with it (feedparser 6.0, CPython's expat 2.5):

- feedparser (``sanitizer.replace_doctype``) rewrites the prolog before parsing. Its
  patterns match declarations only at the start of a line: it removes each such
  ``<!ENTITY>`` and puts back those whose value holds no ``&`` or ``"`` ("safe"), for
  expat and for its loose fallback parser.
- Declarations on the line of the XML declaration are not seen by those patterns and
  reach expat as written. Both layouts are tested: ``lines`` and ``inline``.
- The SAX reader is told not to load external general entities
  (``feature_external_ges`` off); parameter entities and external DTD subsets are never
  read (expat's ``XML_PARAM_ENTITY_PARSING_NEVER``). Nothing is opened or fetched.
- expat stops entity expansion past an amplification factor of 100 (once 8 MiB are
  reached); feedparser then falls back to its loose parser, which expands the "safe"
  entities again, with no limit.
- So newsfeed refuses, before feedparser, any document whose DTD declares entities
  (``_ingest._guards.declares_entities``), and leaves feedparser to ignore external subsets.

The entity bombs run in a subprocess with a 1 GiB address-space limit and a deadline, so
that a missing guard fails the test instead of the machine.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from aggregator_fixtures import (
    RSS_TYPE,
    Aggregation,
    Answer,
    FeedServer,
    RawServer,
    atom,
    entry,
    rss2,
)
from newsfeed import Outcome, SourceReport
from processes import newsfeed_command, run_measured

Handler = Callable[[socket.socket, threading.Event], None]

#: Stands for the entity reference in a generated feed, where escaping cannot touch it.
PLACEHOLDER = "ATTACKREF"
CONTROL_TITLE = "Control headline"
ATTACK_TITLE = f"Attack {PLACEHOLDER} title"
LAYOUTS = ("lines", "inline")
KINDS = ("rss", "atom")
ADDRESS_SPACE = 1 << 30  # 1 GiB
DEADLINE = 60.0  # seconds
PEAK_MEMORY = 512 << 20  # bytes of resident memory a bomb may cost the run, at most
#: How much of an entity's replacement text the outputs and the state may hold, in all.
EXPANSION_BOUND = 100_000
HARMLESS = rss2([entry(3, site="https://harmless.example")]).encode()


def attack_feed(kind: str, doctype: str, reference: str, *, layout: str) -> bytes:
    """A feed of *kind* with *doctype* in its prolog and *reference* in an entry's text.

    The first entry is harmless: it shows whether the document was read at all. Each
    variant has its own site, so that no two sources share an item.
    """
    site = f"https://{kind}-{layout}.example"
    entries = [
        entry(1, site=site, title=f"{CONTROL_TITLE} {kind}-{layout}", summary="Control body."),
        entry(2, site=site, title=ATTACK_TITLE, summary=f"Before {PLACEHOLDER} after."),
    ]
    text = rss2(entries) if kind == "rss" else atom(entries)
    declaration, rest = text.split("\n", 1)
    separator = "\n" if layout == "lines" else ""
    return (
        (declaration + separator + doctype + separator + rest)
        .replace(PLACEHOLDER, reference)
        .encode()
    )


def internal_subset(kind: str, declarations: list[str], *, layout: str) -> str:
    separator = "\n" if layout == "lines" else ""
    root = "rss" if kind == "rss" else "feed"
    return f"<!DOCTYPE {root} [{separator}{separator.join(declarations)}{separator}]>"


def assert_read_or_refused(source: SourceReport, titles: list[str]) -> None:
    """A hostile prolog makes its source's error, or leaves it read with a warning.

    A document whose DTD declares entities is refused, as defusedxml does by default:
    no feed needs them, and they are what entity bombs are made of. A DTD that only
    points elsewhere (an external subset) is ignored: nothing is fetched, and what
    feedparser recovered from is a warning; the other entries are published.
    """
    if source.outcome is Outcome.OK:
        assert all(warning.startswith("recovered from: ") for warning in source.warnings)
        assert f"{CONTROL_TITLE} {source.name}" in titles, str(source)
    else:
        assert source.outcome is Outcome.ERROR, str(source)
        assert "declares its own XML entities (<!ENTITY>)" in (source.detail or ""), str(source)
        assert not any(title.endswith(source.name) for title in titles)


def everything_written(setup: Aggregation) -> dict[Path, bytes]:
    """Every file the run wrote: outputs, archives, the page, the state (and its WAL)."""
    return {
        path: path.read_bytes()
        for folder in (setup.directory / "out", setup.state_path.parent)
        for path in folder.rglob("*")
        if path.is_file()
    }


# --- external entities: no file is read, no request is made ---------------------------------


@dataclass(frozen=True, slots=True)
class Secrets:
    marker: str
    #: A plain file with the marker: the target of a general external entity.
    text: Path
    #: A DTD that defines &leaked; as the marker: the target of a parameter entity.
    dtd: Path


@pytest.fixture
def secrets(tmp_path: Path) -> Secrets:
    marker = f"SECRET-{os.urandom(8).hex()}"
    folder = tmp_path / "private"
    folder.mkdir()
    text = folder / "secret.txt"
    text.write_text(marker, encoding="utf-8")
    dtd = folder / "secret.dtd"
    dtd.write_text(f'<!ENTITY leaked "{marker}">\n', encoding="utf-8")
    return Secrets(marker=marker, text=text, dtd=dtd)


@pytest.fixture
def recorder(raw_server: Callable[[Handler], RawServer], secrets: Secrets) -> RawServer:
    """A server whose every connection is an attack that worked; what it serves would leak."""

    def answer(connection: socket.socket, _: threading.Event) -> None:
        head = connection.recv(4096).decode("latin-1")
        path = head.split(" ")[1] if " " in head else "/"
        body = (
            secrets.marker if path.endswith(".xml") else f'<!ENTITY leaked "{secrets.marker}">'
        ).encode()
        connection.sendall(
            b"HTTP/1.0 200 OK\r\nContent-Type: application/xml-dtd\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )

    return raw_server(answer)


def _file_entity(kind: str, layout: str, secrets: Secrets, _: RawServer) -> bytes:
    declaration = f'<!ENTITY xxe SYSTEM "{secrets.text.as_uri()}">'
    return attack_feed(
        kind, internal_subset(kind, [declaration], layout=layout), "&xxe;", layout=layout
    )


def _file_parameter_entity(kind: str, layout: str, secrets: Secrets, _: RawServer) -> bytes:
    declarations = [f'<!ENTITY % xxe SYSTEM "{secrets.dtd.as_uri()}">', "%xxe;"]
    doctype = internal_subset(kind, declarations, layout=layout)
    return attack_feed(kind, doctype, "&leaked;", layout=layout)


def _file_external_dtd(kind: str, layout: str, secrets: Secrets, _: RawServer) -> bytes:
    root = "rss" if kind == "rss" else "feed"
    doctype = f'<!DOCTYPE {root} SYSTEM "{secrets.dtd.as_uri()}">'
    return attack_feed(kind, doctype, "&leaked;", layout=layout)


def _http_entity(kind: str, layout: str, _: Secrets, server: RawServer) -> bytes:
    declaration = f'<!ENTITY ext SYSTEM "{server.url("/entity.xml")}">'
    doctype = internal_subset(kind, [declaration], layout=layout)
    return attack_feed(kind, doctype, "&ext;", layout=layout)


def _http_parameter_entity(kind: str, layout: str, _: Secrets, server: RawServer) -> bytes:
    declarations = [f'<!ENTITY % pe SYSTEM "{server.url("/pe.dtd")}">', "%pe;"]
    doctype = internal_subset(kind, declarations, layout=layout)
    return attack_feed(kind, doctype, "&leaked;", layout=layout)


def _http_external_dtd(kind: str, layout: str, _: Secrets, server: RawServer) -> bytes:
    root = "rss" if kind == "rss" else "feed"
    doctype = f'<!DOCTYPE {root} PUBLIC "-//Hostile//DTD Feed//EN" "{server.url("/feed.dtd")}">'
    return attack_feed(kind, doctype, "&leaked;", layout=layout)


def _out_of_band(kind: str, layout: str, secrets: Secrets, server: RawServer) -> bytes:
    # The classic blind XXE: read a local file into a parameter entity, and load a DTD
    # from the attacker's server that sends it back in a URL.
    declarations = [
        f'<!ENTITY % file SYSTEM "{secrets.text.as_uri()}">',
        f'<!ENTITY % oob SYSTEM "{server.url("/oob.dtd")}">',
        "%oob;",
    ]
    doctype = internal_subset(kind, declarations, layout=layout)
    return attack_feed(kind, doctype, "&leaked;", layout=layout)


EXTERNAL_ATTACKS = {
    "file-entity": _file_entity,
    "file-parameter-entity": _file_parameter_entity,
    "file-external-dtd": _file_external_dtd,
    "http-entity": _http_entity,
    "http-parameter-entity": _http_parameter_entity,
    "http-external-dtd": _http_external_dtd,
    "out-of-band-exfiltration": _out_of_band,
}


def variants_of(build: Callable[[str, str], bytes]) -> dict[str, bytes]:
    """The attack as RSS and Atom, in both layouts, named ``rss-lines`` and so on."""
    return {f"{kind}-{layout}": build(kind, layout) for kind in KINDS for layout in LAYOUTS}


@contextlib.contextmanager
def serving(variants: dict[str, bytes]) -> Iterator[FeedServer]:
    routes: dict[str, Callable[[], Answer]] = {
        f"/{name}": (lambda body=body: (200, {"Content-Type": RSS_TYPE}, body))
        for name, body in variants.items()
    }
    routes["/harmless"] = lambda: (200, {"Content-Type": RSS_TYPE}, HARMLESS)
    feeds = FeedServer(routes)
    try:
        yield feeds
    finally:
        feeds.close()


def sources(feeds: FeedServer, variants: dict[str, bytes]) -> list[dict[str, object]]:
    names = [*variants, "harmless"]
    return [{"name": name, "url": feeds.url(f"/{name}")} for name in names]


@pytest.mark.parametrize("attack", sorted(EXTERNAL_ATTACKS))
def test_external_entities_read_no_file_and_fetch_nothing(
    setup: Aggregation, secrets: Secrets, recorder: RawServer, attack: str
) -> None:
    variants = variants_of(
        lambda kind, layout: EXTERNAL_ATTACKS[attack](kind, layout, secrets, recorder)
    )
    with serving(variants) as feeds:
        setup.outputs["html"] = setup.directory / "out" / "index.html"
        setup.configure(sources(feeds, variants))
        report = setup.run()

    assert sorted(feeds.requests) == sorted(f"/{name}" for name in [*variants, "harmless"])
    # The loopback server the entities point at was never connected to.
    assert recorder.connections == []
    titles = setup.titles()
    *attacked, harmless = report.sources
    for source in attacked:
        assert_read_or_refused(source, titles)
    assert harmless.outcome is Outcome.OK
    assert "Headline 3" in titles
    # The secret is nowhere: not in any output, the page, the state, or the report.
    written = everything_written(setup)
    assert {path.name for path in written} >= {"combined.xml", "index.html", "state.sqlite"}
    for path, data in written.items():
        assert secrets.marker.encode() not in data, path
    assert secrets.marker not in "\n".join(str(line) for line in report.sources)


# --- entity bombs: bounded time, memory and output ------------------------------------------


def _billion_laughs(kind: str, layout: str) -> bytes:
    declarations = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, 10)
    ]
    declarations[1] = declarations[1].replace("&lol0;", "&lol;")
    doctype = internal_subset(kind, declarations, layout=layout)
    return attack_feed(kind, doctype, "&lol9;", layout=layout)


def _quadratic(references: int) -> Callable[[str, str], bytes]:
    def document(kind: str, layout: str) -> bytes:
        # One entity of 50 KB, referenced again and again: no nesting for a limit to see.
        doctype = internal_subset(kind, [f'<!ENTITY a "{"QUAD" * 12_500}">'], layout=layout)
        return attack_feed(kind, doctype, "&a;" * references, layout=layout)

    return document


@dataclass(frozen=True, slots=True)
class Bomb:
    build: Callable[[str, str], bytes]
    #: A piece of the replacement text that a reference written in the document never holds.
    expansion: str


BOMBS = {
    "billion-laughs": Bomb(_billion_laughs, "lollol"),
    # 50 000 references: 2.5 GB once expanded.
    "quadratic-blowup": Bomb(_quadratic(50_000), "QUAD"),
    # 150 references: 7.5 MB, under the 8 MiB at which expat starts to count.
    "quadratic-under-expat-threshold": Bomb(_quadratic(150), "QUAD"),
}

_LOOSE_EXPANSION = (
    "feedparser expands the entities it thinks safe (no & or quote in the value) when it "
    "falls back to its loose parser, with no limit, and expat lets up to 8 MiB through; "
    "fix in newsfeed._ingest._feedparser.read_xml (see the report of issue #4, point 2)"
)


@pytest.mark.parametrize(
    "name",
    [
        "billion-laughs",
        "quadratic-blowup",
        "quadratic-under-expat-threshold",
    ],
)
def test_entity_bombs_are_bounded(setup: Aggregation, name: str) -> None:
    bomb = BOMBS[name]
    variants = variants_of(bomb.build)
    with serving(variants) as feeds:
        setup.configure(sources(feeds, variants), fetch={"max_seconds": 30, "timeout": 30})
        run = run_measured(
            newsfeed_command("aggregate", setup.config_path),
            timeout=DEADLINE,
            address_space=ADDRESS_SPACE,
        )
        code, errors, peak = run.returncode, run.stderr, run.peak_memory

    # It finished, on its own, and the harmless source got through.
    assert code == 0, errors
    assert "Headline 3" in setup.titles()
    assert peak < PEAK_MEMORY, f"peak resident memory {peak >> 20} MiB"
    # A bomb is read with a warning (what feedparser recovered from) or is that source's
    # error; running out of memory is neither.
    assert "MemoryError" not in errors
    for variant in variants:
        state = setup.state(variant)
        assert state["status"] in {"ok", "error"}, state
        assert "Memory" not in (state["error"] or ""), state
    # The replacement text is not multiplied into the outputs, the page or the state.
    written = everything_written(setup)
    expanded = sum(data.count(bomb.expansion.encode()) for data in written.values())
    expanded *= len(bomb.expansion)
    assert expanded < EXPANSION_BOUND, f"{expanded} bytes of expanded entity text"


def test_billion_laughs_is_refused_before_any_parser_sees_it(setup: Aggregation) -> None:
    """Run in this process: every layout of the bomb is that source's error, and only that.

    Declarations on their own lines would be rewritten by feedparser, inline ones would
    reach expat: newsfeed refuses both before either, so the report is the same.
    """
    variants = variants_of(_billion_laughs)
    with serving(variants) as feeds:
        setup.configure(sources(feeds, variants))
        report = setup.run()

    *attacks, harmless = report.sources
    assert len(attacks) == len(variants)
    for source in attacks:
        assert source.outcome is Outcome.ERROR, str(source)
        assert "declares its own XML entities (<!ENTITY>)" in (source.detail or ""), str(source)
    assert harmless.outcome is Outcome.OK, str(harmless)
    published = setup.published("json").items
    assert published
    assert not any("lol" in item.title or "lol" in item.summary for item in published)


# --- hostile JSON: per-source errors, not crashes -------------------------------------------
# tests/http/test_fetch_http.py already serves a JSON Feed nested 5 000 arrays deep; these
# go deeper, through objects, and give the parser a number it must not try to convert.

_JSON_HEAD = b'{"version": "https://jsonfeed.org/version/1.1", "title": "Hostile", "items": '


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            _JSON_HEAD + b'[{"id": "1", "title": ' + b'{"a": ' * 200_000 + b"1" + b"}" * 200_000,
            id="objects-nested-200000-deep",
        ),
        pytest.param(
            _JSON_HEAD + b'[{"id": ' + b"7" * 1_000_000 + b', "title": "Big"}]}',
            id="integer-of-a-million-digits",
        ),
    ],
)
def test_hostile_json_is_that_sources_error(setup: Aggregation, body: bytes) -> None:
    feeds = FeedServer(
        {
            "/hostile": lambda: (200, {"Content-Type": "application/feed+json"}, body),
            "/harmless": lambda: (200, {"Content-Type": RSS_TYPE}, HARMLESS),
        }
    )
    try:
        setup.configure(
            [
                {"name": "hostile", "url": feeds.url("/hostile")},
                {"name": "harmless", "url": feeds.url("/harmless")},
            ]
        )
        report = setup.run()
    finally:
        feeds.close()

    hostile, harmless = report.sources
    assert hostile.outcome is Outcome.ERROR
    assert (hostile.detail or "").startswith("not valid JSON"), hostile.detail
    # The reason is short: not the document, nor a million digits.
    assert len(str(hostile)) < 300
    assert setup.state("hostile")["error"] == hostile.detail
    assert harmless.outcome is Outcome.OK
    assert setup.titles() == ["Headline 3"]
