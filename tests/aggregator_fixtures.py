"""Helpers for the aggregator's tests: source feeds in every format, configurations, servers.

Feeds are built from :class:`Entry` values in each format the aggregator reads;
:class:`Aggregation` writes a configuration in a temporary directory, runs it and
reads back what it published and stored; :class:`FeedServer` is a threaded HTTP
server on 127.0.0.1 whose routes may be slow, and :class:`RawServer` a TCP server
for what a well-behaved HTTP server cannot do (never answer, trickle).
"""

from __future__ import annotations

import contextlib
import json
import socket
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from newsfeed import Feed, Report, aggregate, load_config, parse_feed

#: The simulated time of a first run; entries are dated before it.
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One entry of a source feed; ``None`` leaves the element out."""

    id: str | None
    title: str | None = "A headline"
    link: str | None = None
    published: datetime | None = NOW - timedelta(days=1)
    updated: datetime | None = None
    summary: str | None = None


def entry(number: int, *, site: str = "https://source.example", **changes: Any) -> Entry:
    """A complete entry, dated *number* hours before :data:`NOW`."""
    fields: dict[str, Any] = {
        "id": f"{site}/news/{number}",
        "title": f"Headline {number}",
        "link": f"{site}/news/{number}",
        "published": NOW - timedelta(hours=number),
        "summary": f"Body of item {number}.",
    }
    fields.update(changes)
    return Entry(**fields)


def _rfc822(when: datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _element(tag: str, text: str | None) -> str:
    return "" if text is None else f"<{tag}>{escape(text)}</{tag}>"


def rss2(
    entries: Sequence[Entry],
    *,
    title: str = "Source feed",
    link: str = "https://source.example/",
    encoding: str = "utf-8",
) -> str:
    items = "".join(
        "<item>"
        + _element("title", item.title)
        + _element("link", item.link)
        + ("" if item.id is None else f'<guid isPermaLink="false">{escape(item.id)}</guid>')
        + _element("pubDate", item.published and _rfc822(item.published))
        + _element("atom:updated", item.updated and item.updated.isoformat())
        + _element("description", item.summary)
        + "</item>\n"
        for item in entries
    )
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>\n'
        f"{_element('title', title)}{_element('link', link)}"
        "<description>A source</description>\n"
        f"{items}</channel></rss>\n"
    )


def rss1(entries: Sequence[Entry], *, title: str = "RDF source") -> str:
    # RSS 1.0 items are identified by rdf:about, and dated with dc:date; it has no update time.
    items = "".join(
        f"<item rdf:about={quoteattr(item.id or '')}>"
        + _element("title", item.title)
        + _element("link", item.link)
        + _element("dc:date", item.published and item.published.isoformat())
        + _element("description", item.summary)
        + "</item>\n"
        for item in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        '<channel rdf:about="https://rdf.example/"><title>'
        f"{escape(title)}</title><link>https://rdf.example/</link>"
        "<description>An RDF source</description></channel>\n"
        f"{items}</rdf:RDF>\n"
    )


def atom(entries: Sequence[Entry], *, title: str = "Atom source") -> str:
    def one(item: Entry) -> str:
        link = "" if item.link is None else f"<link rel='alternate' href={quoteattr(item.link)}/>"
        return (
            "<entry>"
            + _element("id", item.id)
            + _element("title", item.title)
            + link
            + _element("published", item.published and item.published.isoformat())
            + _element("updated", (item.updated or item.published or NOW).isoformat())
            + _element("summary", item.summary)
            + "</entry>\n"
        )

    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f"<id>tag:atom.example,2024:feed</id>{_element('title', title)}"
        f"<updated>{NOW.isoformat()}</updated>"
        "<link rel='alternate' href='https://atom.example/'/>"
        "<author><name>Atom desk</name></author>\n"
        + "".join(one(item) for item in entries)
        + "</feed>\n"
    )


def json_feed(entries: Sequence[Entry], *, title: str = "JSON source") -> str:
    def one(item: Entry) -> dict[str, Any]:
        fields = (
            ("id", item.id),
            ("title", item.title),
            ("url", item.link),
            ("content_text", item.summary),
            ("date_published", item.published and item.published.isoformat()),
            ("date_modified", item.updated and item.updated.isoformat()),
        )
        return {key: value for key, value in fields if value is not None}

    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": "https://json.example/",
            "items": [one(item) for item in entries],
        }
    )


RSS_TYPE = "application/rss+xml"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a TOML basic string
    raise TypeError(f"no TOML for {value!r}")


def _toml_table(header: str, values: Mapping[str, object]) -> str:
    # A None value leaves the key out, so that a test can ask for the built-in default.
    lines = "".join(f"{k} = {_toml_value(v)}\n" for k, v in values.items() if v is not None)
    return f"{header}\n{lines}\n"


class Aggregation:
    """One aggregator setup in a temporary directory: its config, runs, outputs and state."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.config_path = directory / "config.toml"
        self.outputs = {
            "rss": directory / "out" / "combined.xml",
            "atom": directory / "out" / "combined.atom",
            "json": directory / "out" / "combined.json",
        }
        self.state_path = directory / "state" / "state.sqlite"

    def configure(
        self,
        sources: Sequence[Mapping[str, object]],
        *,
        feed: Mapping[str, object] | None = None,
        fetch: Mapping[str, object] | None = None,
    ) -> Path:
        feed_table: dict[str, object] = {
            "title": "Combined news",
            "link": "https://combined.example/",
            "feed_url": "https://combined.example/combined.xml",
        }
        feed_table.update(feed or {})
        # Short timeouts: a test server that fails to answer must not hold the suite up.
        fetch_table: dict[str, object] = {"timeout": 2, "max_seconds": 5, "per_host": 4}
        fetch_table.update(fetch or {})
        text = _toml_table("[feed]", feed_table) + _toml_table("[fetch]", fetch_table)
        text += "".join(_toml_table("[[source]]", source) for source in sources)
        text += _toml_table(
            "[output]",
            {
                **{
                    kind: str(path.relative_to(self.directory))
                    for kind, path in self.outputs.items()
                },
                "state": str(self.state_path.relative_to(self.directory)),
            },
        )
        self.config_path.write_text(text, encoding="utf-8")
        return self.config_path

    def run(self, now: datetime | None = NOW) -> Report:
        return aggregate(load_config(self.config_path), now=now)

    def published(self, kind: str = "rss") -> Feed:
        return parse_feed(self.outputs[kind].read_bytes())

    def titles(self, kind: str = "rss") -> list[str]:
        return [item.title for item in self.published(kind).items]

    def state(self, name: str) -> dict[str, Any]:
        """The state database's row for the source named *name* in the config."""
        config = load_config(self.config_path)
        (key,) = [source.key for source in config.sources if source.name == name]
        connection = sqlite3.connect(self.state_path)
        try:
            connection.row_factory = sqlite3.Row
            # The outcome is stored as a code of the outcome table: read back by its name.
            row = connection.execute(
                "SELECT source.*, outcome.name AS status FROM source"
                " LEFT JOIN outcome ON outcome.code = source.outcome WHERE key = ?",
                (key,),
            ).fetchone()
        finally:
            connection.close()
        assert row is not None, f"no state for {name}"
        return dict(row)


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handed to *handle* in a thread.

    For what a well-behaved HTTP server cannot do: never answer, or trickle bytes.
    """

    def __init__(self, handle: Callable[[socket.socket, threading.Event], None]) -> None:
        self.handle = handle
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def url(self, path: str = "/feed") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        # The client giving up is what these servers are for.
        with contextlib.suppress(OSError):
            self.handle(connection, self.stop)

    def close(self) -> None:
        self.stop.set()
        self.acceptor.join(5)
        for thread in self.threads:
            thread.join(5)
        for connection in self.connections:
            connection.close()
        self.listener.close()


def read_request(connection: socket.socket) -> bytes:
    """Read one request's head, so the client is waiting for the answer."""
    connection.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


#: What a route of a :class:`FeedServer` answers: status, headers and body.
Answer = tuple[int, Mapping[str, str], bytes]


class FeedServer:
    """A threaded HTTP server on 127.0.0.1: each path answers from its own callable.

    Unlike pytest-httpserver it serves requests concurrently, so a route can be slow
    (sleep before answering) without holding up the others, as real servers do.
    """

    def __init__(
        self, routes: Mapping[str, Callable[[], Answer]], *, host: str = "127.0.0.1"
    ) -> None:
        self.routes = dict(routes)
        self.requests: list[str] = []
        #: The Host header of each request, in order.
        self.hosts: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.requests.append(self.path)
                outer.hosts.append(self.headers["Host"])
                route = outer.routes.get(self.path)
                status, headers, body = route() if route else (404, {}, b"")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass  # the test reports what matters

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, *_: object) -> None:
                pass  # a client killed mid-answer is what some tests do

        self.host = host
        self.server = Server((host, 0), Handler)
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
