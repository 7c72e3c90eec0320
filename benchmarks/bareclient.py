"""The network floor of issue #11's fetch rows: a bare asyncio client, as a whole process.

``bareclient.py LIST OUT CONCURRENCY PER_HOST``: GET every URL of LIST (``url<TAB>etag``
lines; conditional when an ETag is known) with stdlib streams, no HTTP library, the same
concurrency and per-host limit as newsfeed; OUT gets the lines back with the ETags answered.
It imports the standard library only, so its process pays Python's start and asyncio's,
nothing of newsfeed or the benchmark: a floor any client of these requests pays.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit


async def _bare_client(
    listing: list[tuple[str, str]], concurrency: int, per_host: int
) -> list[tuple[str, str]]:
    """GET every URL (conditional when an ETag is known) over kept-alive connections."""
    overall = asyncio.Semaphore(concurrency)
    turns: dict[str, asyncio.Semaphore] = {}
    idle: dict[str, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def get(url: str, etag: str) -> tuple[str, str]:
        parts = urlsplit(url)
        host = parts.netloc
        async with turns.setdefault(host, asyncio.Semaphore(per_host)), overall:
            pool = idle.setdefault(host, [])
            reader, writer = (
                pool.pop() if pool else await asyncio.open_connection(parts.hostname, parts.port)
            )
            condition = f"If-None-Match: {etag}\r\n" if etag else ""
            writer.write(f"GET {parts.path} HTTP/1.1\r\nHost: {host}\r\n{condition}\r\n".encode())
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            headers = dict(line.lower().split(": ", 1) for line in head[1:] if ": " in line)
            await reader.readexactly(int(headers.get("content-length", "0")))
            pool.append((reader, writer))
            return url, headers.get("etag", "")

    try:
        return await asyncio.gather(*(get(url, etag) for url, etag in listing))
    finally:
        for pool in idle.values():
            for _, writer in pool:
                writer.close()


Client = Callable[[list[tuple[str, str]], int, int], Awaitable[list[tuple[str, str]]]]


def main(client: Client, listing: str, output: str, concurrency: str, per_host: str) -> None:
    """Make LIST's requests with *client*; write OUT."""
    lines = [line.split("\t") for line in Path(listing).read_text().splitlines()]
    answered = asyncio.run(
        client([(url, etag) for url, etag in lines], int(concurrency), int(per_host))
    )
    Path(output).write_text("".join(f"{url}\t{etag}\n" for url, etag in answered))


if __name__ == "__main__":
    main(_bare_client, *sys.argv[1:5])
