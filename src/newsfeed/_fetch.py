"""newsfeed's HTTP, with httpx: fetching sources (concurrent, bounded, conditional and
polite), and the form POSTs that tell WebSub hubs of a change.

feedparser never fetches: this module hands it bytes. Each fetch has connect
and read timeouts and an overall deadline, so a slow or trickling server costs
its own source's time only, and the run as a whole has a deadline too; bodies
are streamed and capped; redirects are followed by hand, so permanent moves are
noticed and non-HTTP targets refused. With ``allow_private`` off, every hop's
host is resolved here, refused if any of its addresses is not public, and
connected to at the address that was checked, so DNS cannot change its answer
between the check and the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import ipaddress
import re
import socket
import ssl
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies

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
    #: The run's time (``max_run_seconds``) was up before this source's turn ended.
    NOT_FETCHED = "not fetched"


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
    #: When the server asked not to be fetched before (429/503 with Retry-After), at most
    #: ``max_backoff_seconds`` away.
    retry_at: datetime | None = None
    #: How long the server said its answer stays fresh (``Cache-Control: max-age``, 200 or
    #: 304), at most ``max_cache_seconds``; ``None`` when it did not say or said not to cache.
    fresh_for: timedelta | None = None
    #: Why the fetch failed, in a few words.
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Posted:
    """The answer to one form POST."""

    #: The HTTP status; ``None`` when no answer came.
    status: int | None
    #: Why no answer came, in a few words.
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the form was accepted (a 2xx answer)."""
        return self.status is not None and 200 <= self.status < 300  # noqa: PLR2004


def post_forms(posts: Sequence[tuple[str, Mapping[str, str]]], *, timeout: float) -> list[Posted]:
    """POST each form to its URL, in order, over one connection pool; a failure is its
    answer, never an exception.

    Redirects are not followed: a 3xx would turn the POST into a GET.
    """
    with httpx.Client(
        timeout=timeout, headers={"User-Agent": user_agent()}, follow_redirects=False
    ) as client:
        return [_post(client, url, form) for url, form in posts]


def _post(client: httpx.Client, url: str, form: Mapping[str, str]) -> Posted:
    try:
        response = client.post(url, data=dict(form))
    except httpx.HTTPError as exc:
        return Posted(status=None, error=str(exc) or type(exc).__name__)
    return Posted(status=response.status_code)


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


_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\s*(?:[,=]|$)", re.IGNORECASE)


def fresh_for(cache_control: str | None, cap: float) -> timedelta | None:
    """How long a response stays fresh by its ``Cache-Control``, at most *cap* seconds."""
    if not cache_control or cap <= 0 or _NO_CACHE.search(cache_control):
        return None
    match = _MAX_AGE.search(cache_control)
    if match is None or int(match.group(1)) == 0:
        return None
    return timedelta(seconds=min(int(match.group(1)), cap))


class BodyTooLargeError(Exception):
    """A response body went past the configured cap."""


class UnsafeAddressError(Exception):
    """A host resolves to an address sources may not have (``allow_private = false``)."""


def is_public(address: str) -> bool:
    """Whether an IP address is on the public internet: not loopback, private, link-local
    (cloud metadata services live there), shared, multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone says where, not what
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def _public_address(url: httpx.URL) -> str:
    """Resolve *url*'s host; its first address if every address it has is public."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(
            url.host, port, type=socket.SOCK_STREAM
        )
    except OSError as exc:
        raise httpx.ConnectError(f"cannot resolve {url.host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in found]
    for address in addresses:
        if not is_public(address):
            raise UnsafeAddressError(
                f"{url.host} resolves to the non-public address {address}"
                " (refused: allow_private = false)"
            )
    return addresses[0]


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


async def _send(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], settings: FetchSettings
) -> httpx.Request:
    """The request for *url*: to the checked address of its host, when private ones are refused."""
    target = httpx.URL(url)
    if settings.allow_private:
        return client.build_request("GET", target, headers=headers)
    address = await _public_address(target)
    # The Host header and the TLS server name stay the host's, so virtual hosting and
    # certificate checks work as if the name had been connected to.
    return client.build_request(
        "GET",
        target.copy_with(host=address),
        headers={**headers, "Host": target.netloc.decode("ascii")},
        extensions={"sni_hostname": target.host},
    )


async def _fetch_one(  # noqa: PLR0911 - one early return per HTTP outcome
    client: httpx.AsyncClient,
    request: FetchRequest,
    settings: FetchSettings,
    now: datetime,
    *,
    last_to_origin: bool = False,
) -> FetchResult:
    """Fetch *request*, following its redirects; *last_to_origin* when no other request
    of the run goes to its URL's origin, so that its connection is not kept."""
    url = request.url
    origin = _origin(url)
    permanent = True
    for _ in range(settings.max_redirects + 1):
        headers = _validators(request)
        if last_to_origin and _origin(url) == origin:
            # Nothing else will be sent over it: an idle connection would only be checked
            # by the client at each request it queues, and held open by the server.
            headers["Connection"] = "close"
        sent = await _send(client, url, headers, settings)
        async with contextlib.aclosing(await client.send(sent, stream=True)) as response:
            status = response.status_code
            if status in _REDIRECTS and "location" in response.headers:
                target = urljoin(url, response.headers["location"])
                if urlsplit(target).scheme not in {"http", "https"}:
                    return _error(request, f"redirect to a non-HTTP URL refused: {target}")
                permanent = permanent and status in _PERMANENT
                url = target
                continue
            moved_to = url if permanent and url != request.url else None
            fresh = fresh_for(response.headers.get("cache-control"), settings.max_cache_seconds)
            if status == httpx.codes.NOT_MODIFIED:
                return FetchResult(
                    status=FetchStatus.NOT_MODIFIED, url=url, moved_to=moved_to, fresh_for=fresh
                )
            if status == httpx.codes.GONE:
                return FetchResult(status=FetchStatus.GONE, url=url, error="HTTP 410 Gone")
            reason = f"HTTP {status} {response.reason_phrase}".strip()
            if status in {httpx.codes.TOO_MANY_REQUESTS, httpx.codes.SERVICE_UNAVAILABLE}:
                when = retry_after(response.headers.get("retry-after"), now)
                if when is not None:
                    # A server cannot put a source to sleep for longer than failures would.
                    latest = now + timedelta(seconds=settings.max_backoff_seconds)
                    return FetchResult(
                        status=FetchStatus.RETRY_LATER,
                        url=url,
                        retry_at=min(when, latest),
                        error=reason,
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
                fresh_for=fresh,
            )
    return _error(request, f"more than {settings.max_redirects} redirects")


def _origin(url: str) -> tuple[str, str]:
    """What a connection is kept for: scheme, host and port (as written: a bad port is the
    fetch's error, not this count's)."""
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def _error(request: FetchRequest, reason: str) -> FetchResult:
    return FetchResult(status=FetchStatus.ERROR, url=request.url, error=reason)


def _describe(exc: Exception, settings: FetchSettings) -> str:
    if isinstance(exc, TimeoutError):
        return f"no complete answer within {settings.max_seconds:g} s"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out after {settings.timeout:g} s ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect: {exc or type(exc).__name__}"
    if isinstance(exc, BodyTooLargeError | UnsafeAddressError):
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
    :attr:`FetchStatus.ERROR` result, never an exception. Requests still running
    or waiting ``settings.max_run_seconds`` after the start (including the time
    the caller takes between results) end as :attr:`FetchStatus.NOT_FETCHED`.
    """
    overall = asyncio.Semaphore(settings.concurrency)
    per_host: dict[str, asyncio.Semaphore] = {}
    # The requests of each origin not yet sent: its last one closes its connection.
    waiting = Counter(_origin(request.url) for request in requests)
    limits = httpx.Limits(
        max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency
    )
    timeout = httpx.Timeout(settings.timeout)
    async with httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        follow_redirects=False,
        headers={"User-Agent": user_agent(), "Accept": _ACCEPT},
        **_transports(limits),
    ) as client:

        async def run(request: FetchRequest) -> tuple[FetchRequest, FetchResult]:
            host = urlsplit(request.url).hostname or ""
            # The host's turn first, so requests waiting for a busy host hold no overall slot.
            async with per_host.setdefault(host, asyncio.Semaphore(settings.per_host)), overall:
                origin = _origin(request.url)
                waiting[origin] -= 1
                fetch = _fetch_one(
                    client, request, settings, now, last_to_origin=not waiting[origin]
                )
                try:
                    # A deadline on this task rather than a task of its own (wait_for).
                    async with asyncio.timeout(settings.max_seconds):
                        result = await fetch
                except Exception as exc:  # noqa: BLE001 - one source's failure, of any kind, is its own
                    result = _error(request, _describe(exc, settings))
            if done is not None:
                done()
            return request, result

        tasks = [asyncio.create_task(run(request)) for request in requests]
        unanswered = {id(request): task for request, task in zip(requests, tasks, strict=True)}
        try:
            for next_done in asyncio.as_completed(tasks, timeout=settings.max_run_seconds):
                try:
                    answer = await next_done
                except TimeoutError:
                    break
                del unanswered[id(answer[0])]
                yield answer
            # Time is up: what finished meanwhile still counts, the rest waits for the next run.
            for request in requests:
                task = unanswered.get(id(request))
                if task is None:
                    continue
                if task.done() and not task.cancelled():
                    yield task.result()
                else:
                    yield request, _not_fetched(request, settings)
        finally:
            for task in tasks:
                task.cancel()


class _TLSOnDemand(httpx.AsyncBaseTransport):
    """The transport of https URLs, made at the first one: loading the CA bundle for TLS
    takes a tenth of the start-up of a run, and a run of http sources never needs it."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._transport: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport(limits=self._limits)
        return await self._transport.handle_async_request(request)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


def _transports(limits: httpx.Limits) -> dict[str, Any]:
    """The client's transport options: TLS set up at the first https URL only.

    With a proxy in the environment, httpx's own transports, which honour it.
    """
    if getproxies():
        return {}
    # The default transport then carries only http URLs. Its TLS context trusts no
    # certificate (making it costs nothing): were an https URL ever sent through it, the
    # connection would fail rather than go unchecked.
    return {
        "verify": ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
        "mounts": {"https://": _TLSOnDemand(limits)},
    }


def _not_fetched(request: FetchRequest, settings: FetchSettings) -> FetchResult:
    return FetchResult(
        status=FetchStatus.NOT_FETCHED,
        url=request.url,
        error=f"not fetched: the run's {settings.max_run_seconds:g} s (max_run_seconds) were up",
    )
