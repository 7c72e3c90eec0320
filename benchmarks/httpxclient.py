"""The floor of the HTTP library newsfeed fetches with: the same requests made with httpx alone.

``httpxclient.py LIST OUT CONCURRENCY PER_HOST``, as ``bareclient.py`` takes them: GET every
URL of LIST (conditional when an ETag is known) through one ``httpx.AsyncClient`` with the
same concurrency and per-host limit as newsfeed, and nothing else of newsfeed: what any client
built on httpx pays for these requests, start-up included. Its TLS context trusts nothing
and costs nothing to make (every URL is http), as newsfeed's does until an https URL comes.
"""

from __future__ import annotations

import asyncio
import ssl
import sys
from urllib.parse import urlsplit

import bareclient
import httpx


async def _client(
    listing: list[tuple[str, str]], concurrency: int, per_host: int
) -> list[tuple[str, str]]:
    overall = asyncio.Semaphore(concurrency)
    turns: dict[str, asyncio.Semaphore] = {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    async with httpx.AsyncClient(limits=limits, timeout=30.0, verify=verify) as client:

        async def get(url: str, etag: str) -> tuple[str, str]:
            async with turns.setdefault(urlsplit(url).netloc, asyncio.Semaphore(per_host)), overall:
                response = await client.get(url, headers={"If-None-Match": etag} if etag else {})
                return url, response.headers.get("etag", "")

        return await asyncio.gather(*(get(url, etag) for url, etag in listing))


if __name__ == "__main__":
    bareclient.main(_client, *sys.argv[1:5])
