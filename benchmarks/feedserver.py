"""Many publishers on one machine: a feed server listening on 127.0.0.2 ... 127.0.0.N+1.

Run in its own process, so that serving costs the measured client no time of its own.
Every address is its own host to a client, so per-host politeness applies as it would
to N real publishers. Each answer comes after a fixed delay, as over a real network.

    GET /feed.xml     the host's RSS feed, with an ETag; a matching If-None-Match gets 304
    GET /feed/N.xml   the host's N-th feed (0 <= N < --paths), as above: many sources
                      on one host, so that a client's per-host limit shows
    GET /hang.xml     read, never answered (a publisher that times out)

127.0.0.1 on the same port answers GET /stats (counts, the most requests in flight at
once, overall and to one host, as JSON) and GET /reset. The server prints ``ready PORT``
once every address listens, and exits by itself after --lifetime seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
import socket
import sys
from collections import Counter
from dataclasses import dataclass, field

import inputs

_HEAD_LIMIT = 64 * 1024
# How long an idle kept-alive connection, or a never-answered request, is held at most.
_IDLE_SECONDS = 60.0
_PORT_ATTEMPTS = 20


# Stands for the feed's number in a host's template of its numbered feeds.
_NUMBER = b"@N@"
_NUMBERED = re.compile(r"/feed/(\d+)\.xml")


@dataclass
class _Stats:
    counts: Counter[str] = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    host_in_flight: Counter[str] = field(default_factory=Counter)
    max_host_in_flight: int = 0

    def start(self, host: str) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        self.host_in_flight[host] += 1
        self.max_host_in_flight = max(self.max_host_in_flight, self.host_in_flight[host])

    def end(self, host: str) -> None:
        self.in_flight -= 1
        self.host_in_flight[host] -= 1

    def as_json(self) -> bytes:
        return json.dumps(
            {
                "counts": dict(self.counts),
                "max_in_flight": self.max_in_flight,
                "max_host_in_flight": self.max_host_in_flight,
            }
        ).encode()


class _Server:
    def __init__(
        self, hosts: list[str], entries: int, delay: float, paths: tuple[int, int]
    ) -> None:
        self.delay, (self.paths, path_entries) = delay, paths
        self.stats = _Stats()
        self.feeds = {}
        # A host's numbered feeds differ in their links and ids only: each is made from one
        # template when asked for, as thousands made ahead would take the server minutes.
        self.templates = {}
        for host in hosts:
            body = inputs.rss_feed(host, entries)
            self.feeds[host] = (body, f'"{hashlib.sha256(body).hexdigest()[:16]}"')
            if self.paths:
                template = inputs.rss_feed(f"{host}/{_NUMBER.decode()}", path_entries)
                self.templates[host] = (template, hashlib.sha256(template).hexdigest()[:16])

    def feed(self, host: str, path: str) -> tuple[bytes, str] | None:
        """The body and ETag served at *path*, or ``None`` for a 404."""
        if path == "/feed.xml":
            return self.feeds[host]
        numbered = _NUMBERED.fullmatch(path)
        if numbered is None or int(numbered[1]) >= self.paths:
            return None
        template, digest = self.templates[host]
        return template.replace(_NUMBER, numbered[1].encode()), f'"{digest}-{numbered[1]}"'

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        try:
            while await self._one_request(host, reader, writer):
                pass
        except (
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
            ConnectionError,
            TimeoutError,
        ):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _one_request(
        self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; whether the connection stays open for another."""
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _IDLE_SECONDS)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        path = request_line.split(" ")[1] if " " in request_line else "/"
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if host == "127.0.0.1":
            return await self._control(path, writer)
        if path == "/hang.xml":
            self.stats.counts["hang"] += 1
            # Never answered: held until the client gives up (or the idle limit).
            await asyncio.wait_for(reader.read(), _IDLE_SECONDS)
            return False
        stats = self.stats
        stats.start(host)
        try:
            await asyncio.sleep(self.delay)
        finally:
            stats.end(host)
        body, etag = self.feed(host, path) or (b"", None)
        if etag is None:
            status, extra = "404 Not Found", ""
        elif headers.get("if-none-match") == etag:
            status, body, extra = "304 Not Modified", b"", f"ETag: {etag}\r\n"
        else:
            status, extra = "200 OK", f"ETag: {etag}\r\nContent-Type: application/rss+xml\r\n"
        self.stats.counts[status.split(" ")[0]] += 1
        keep = headers.get("connection", "").lower() != "close"
        writer.write(
            f"HTTP/1.1 {status}\r\n{extra}Content-Length: {len(body)}\r\n"
            f"Connection: {'keep-alive' if keep else 'close'}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        return keep

    async def _control(self, path: str, writer: asyncio.StreamWriter) -> bool:
        if path == "/reset":
            self.stats = _Stats()
        body = self.stats.as_json()
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        return False


def _sockets(addresses: list[str]) -> tuple[int, list[socket.socket]]:
    """Listening sockets on one port free on every address, with the kernel picking it."""
    for _ in range(_PORT_ATTEMPTS):
        bound: list[socket.socket] = []
        try:
            for address in addresses:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                bound.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((address, bound[0].getsockname()[1] if len(bound) > 1 else 0))
                sock.listen(1024)
        except OSError:
            for sock in bound:
                sock.close()
            continue
        return bound[0].getsockname()[1], bound
    raise RuntimeError("no port free on every address")


async def _serve(
    hosts: int, entries: int, delay: float, paths: tuple[int, int], lifetime: float
) -> None:
    addresses = [f"127.0.0.{2 + index}" for index in range(hosts)]
    server = _Server(addresses, entries, delay, paths)
    port, sockets = _sockets(["127.0.0.1", *addresses])
    servers = [
        await asyncio.start_server(server.handle, sock=sock, limit=_HEAD_LIMIT) for sock in sockets
    ]
    print(f"ready {port}", flush=True)
    try:
        await asyncio.sleep(lifetime)
    finally:
        for listening in servers:
            listening.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--hosts", type=int, default=200)
    parser.add_argument("--entries", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds before each answer")
    parser.add_argument("--paths", type=int, default=0, help="numbered feeds on each host")
    parser.add_argument("--path-entries", type=int, default=5, help="entries of a numbered feed")
    parser.add_argument("--lifetime", type=float, default=900.0, help="seconds until it exits")
    args = parser.parse_args()
    if not 1 <= args.hosts <= 253:  # noqa: PLR2004 - 127.0.0.2 to 127.0.0.254
        parser.error("--hosts must be 1 to 253")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            _serve(
                args.hosts, args.entries, args.delay, (args.paths, args.path_entries), args.lifetime
            )
        )
    sys.exit(0)


if __name__ == "__main__":
    main()
