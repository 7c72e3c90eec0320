"""Fetching sources over HTTP with httpx: concurrent, bounded, conditional and polite.

feedparser never fetches: this module hands it bytes. Each fetch has connect
and read timeouts and an overall deadline, so a slow or trickling server costs
its own source's time only; bodies are streamed and capped; redirects are
followed by hand, so permanent moves are noticed and non-HTTP targets refused.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from urllib.parse import urljoin, urlsplit

import httpx

from newsfeed._config import FetchSettings

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, application/rdf+xml,"
    " application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1"
)


class FetchStatus(Enum):
    """What came of one fetch."""

    OK = "ok"
    NOT_MODIFIED = "not modified"
    GONE = "gone"
    RETRY_LATER = "retry later"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchRequest:
    """One source to fetch, with the validators of its last successful fetch."""

    key: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """The outcome of a fetch, with everything the caller stores."""

    status: FetchStatus
    #: The URL the body came from.
    url: str
    #: Where a chain of permanent redirects (301/308) led: the URL to use from now on.
    moved_to: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: When the server asked not to be fetched before (429/503 with Retry-After).
    retry_at: datetime | None = None
    #: Why the fetch failed, in a few words.
    error: str | None = None


def user_agent() -> str:
    from newsfeed import __version__  # noqa: PLC0415 - the package imports this module

    return f"newsfeed/{__version__} (+https://pypi.org/project/newsfeed/)"


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """Read a Retry-After header: delay seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class BodyTooLargeError(Exception):
    """A response body went past the configured cap."""


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError(f"body of {declared} bytes is over the {limit}-byte cap")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError(f"body is over the {limit}-byte cap")
        chunks.append(chunk)
    return b"".join(chunks)


def _validators(request: FetchRequest) -> dict[str, str]:
    headers = {}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    return headers


async def _fetch_one(  # noqa: PLR0911 - one early return per HTTP outcome
    client: httpx.AsyncClient, request: FetchRequest, settings: FetchSettings, now: datetime
) -> FetchResult:
    url = request.url
    permanent = True
    for _ in range(settings.max_redirects + 1):
        async with client.stream("GET", url, headers=_validators(request)) as response:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                target = urljoin(url, response.headers["location"])
                if urlsplit(target).scheme not in {"http", "https"}:
                    return _error(request, f"redirect to a non-HTTP URL refused: {target}")
                permanent = permanent and status in _PERMANENT
                url = target
                continue
            moved_to = url if permanent and url != request.url else None
            if status == httpx.codes.NOT_MODIFIED:
                return FetchResult(status=FetchStatus.NOT_MODIFIED, url=url, moved_to=moved_to)
            if status == httpx.codes.GONE:
                return FetchResult(status=FetchStatus.GONE, url=url, error="HTTP 410 Gone")
            reason = f"HTTP {status} {response.reason_phrase}".strip()
            if status in {httpx.codes.TOO_MANY_REQUESTS, httpx.codes.SERVICE_UNAVAILABLE}:
                when = retry_after(response.headers.get("retry-after"), now)
                if when is not None:
                    return FetchResult(
                        status=FetchStatus.RETRY_LATER, url=url, retry_at=when, error=reason
                    )
            if status != httpx.codes.OK:
                return _error(request, reason)
            body = await _read_capped(response, settings.max_bytes)
            return FetchResult(
                status=FetchStatus.OK,
                url=url,
                moved_to=moved_to,
                body=body,
                headers=dict(response.headers.items()),
            )
    return _error(request, f"more than {settings.max_redirects} redirects")


def _error(request: FetchRequest, reason: str) -> FetchResult:
    return FetchResult(status=FetchStatus.ERROR, url=request.url, error=reason)


def _describe(exc: Exception, settings: FetchSettings) -> str:
    if isinstance(exc, TimeoutError):
        return f"no complete answer within {settings.max_seconds:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {settings.timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {exc or type(exc).__name__}"
    if isinstance(exc, BodyTooLargeError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


async def fetch_each(
    requests: Sequence[FetchRequest],
    settings: FetchSettings,
    *,
    now: datetime,
    done: Callable[[], None] | None = None,
) -> AsyncIterator[tuple[FetchRequest, FetchResult]]:
    """Fetch every request concurrently; yield each result as soon as it is in.

    At most ``settings.concurrency`` fetches run at once, and at most
    ``settings.per_host`` to one host. A failure of any kind is that request's
    :attr:`FetchStatus.ERROR` result, never an exception.
    """
    overall = asyncio.Semaphore(settings.concurrency)
    per_host: dict[str, asyncio.Semaphore] = {}
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    timeout = httpx.Timeout(settings.timeout)
    async with httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        headers={"User-Agent": user_agent(), "Accept": _ACCEPT},
    ) as client:

        async def run(request: FetchRequest) -> tuple[FetchRequest, FetchResult]:
            host = urlsplit(request.url).hostname or ""
            # The host's turn first, so requests waiting for a busy host hold no overall slot.
            async with per_host.setdefault(host, asyncio.Semaphore(settings.per_host)), overall:
                try:
                    result = await asyncio.wait_for(
                        _fetch_one(client, request, settings, now), settings.max_seconds
                    )
                except Exception as exc:  # noqa: BLE001 - one source's failure, of any kind, is its own
                    result = _error(request, _describe(exc, settings))
            if done is not None:
                done()
            return request, result

        tasks = [asyncio.create_task(run(request)) for request in requests]
        try:
            for next_done in asyncio.as_completed(tasks):
                yield await next_done
        finally:
            for task in tasks:
                task.cancel()
