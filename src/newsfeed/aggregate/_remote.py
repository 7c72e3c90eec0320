"""The run's fetch loop: lease the due URL sources, fetch them concurrently, read and save each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor, Executor, Future, ThreadPoolExecutor
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Self

from newsfeed._config import SourceConfig
from newsfeed._errors import FeedParseError
from newsfeed._fetch import FetchRequest, FetchResult, FetchStatus, fetch_each
from newsfeed._state import Outcome, SourceState
from newsfeed.aggregate._report import SourceReport
from newsfeed.aggregate._schedule import fetch_order
from newsfeed.aggregate._transitions import Transitions, read_body, source_url

if TYPE_CHECKING:
    from newsfeed._ingest import ReadFeed

# Long enough that each of a starting pool's short tasks still runs when the next is
# submitted, so each gets a worker of its own.
_WARM_UP_SECONDS = 0.01


async def remote(
    run: Transitions,
    sources: Sequence[SourceConfig],
    progress: Callable[[int, int], None] | None,
    *,
    done_before: int = 0,
) -> dict[str, SourceReport]:
    """Fetch the URL *sources* that are due; a report for every one of them.

    *progress* counts every source, the *done_before* (local ones) included.
    """
    reports: dict[str, SourceReport] = {}
    due: list[tuple[SourceState, FetchRequest]] = []
    by_key = {source.key: source for source in sources}
    fetch = run.config.fetch
    leased = {
        state.key: state
        for state in run.state.lease(
            list(by_key), now=run.now, until=run.now + timedelta(seconds=fetch.max_run_seconds)
        )
    }
    for source in sources:
        state = leased.get(source.key)
        if state is None:
            reports[source.key] = run.schedule.deferred(
                source, run.state.source(source.key)
            ) or SourceReport(
                name=source.name, outcome=Outcome.DEFERRED, detail="leased by another worker"
            )
            continue
        request = FetchRequest(
            key=source.key,
            url=state.url or source.location,
            etag=state.etag,
            last_modified=state.last_modified,
        )
        due.append((state, request))
    due.sort(key=lambda pair: fetch_order(pair[0]))
    requests = [request for _, request in due]
    # Sources read or not fetched at all count as done, so the counter ends at the total
    # that the summary line gives.
    finished, total = done_before + len(reports), done_before + len(sources)

    def tick() -> None:
        nonlocal finished
        finished += 1
        if progress is not None:
            progress(finished, total)

    async def settle(request: FetchRequest, result: FetchResult) -> None:
        source, state = by_key[request.key], leased[request.key]
        read = await reader.read(result, request.key, run.now, source_url(source, state, result))
        reports[request.key] = run.fetched(source, state, result, read)

    with _Reader(fetch.parse_processes) as reader:
        reader.expect(requests)
        # Each body is read while the fetches go on; its source is saved once it is read.
        # Processes read several bodies while the event loop saves; a thread reading beside
        # the event loop would only contend with it for the GIL: the loop awaits each read.
        settling: list[asyncio.Task[None]] = []
        async for request, result in fetch_each(requests, fetch, now=run.now, done=tick):
            if result.status is FetchStatus.NOT_FETCHED:
                # Not the source's fault: its state stays as it was, to be fetched next run.
                reports[request.key] = SourceReport(
                    name=by_key[request.key].name, outcome=Outcome.DEFERRED, detail=result.error
                )
            elif result.status is FetchStatus.OK:
                settling.append(asyncio.create_task(settle(request, result)))
                if not fetch.parse_processes:
                    await settling[-1]
            else:
                reports[request.key] = run.fetched(
                    by_key[request.key], leased[request.key], result, None
                )
        await asyncio.gather(*settling)
    return reports


class _Reader:
    """Where fetched bodies are read: one thread beside the event loop, or *processes*.

    Reading is CPU-bound: a thread keeps the event loop fetching, but shares one core
    with it; processes read on the other cores. The pool starts with the first body to
    read, so a run of 304s never starts it, or at :meth:`expect` when bodies are certain.
    """

    def __init__(self, processes: int) -> None:
        self._processes = processes
        self._executor: Future[Executor] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Waits for a pool still starting, to stop it too.
        if self._executor is not None and self._executor.exception() is None:
            self._executor.result().shutdown(cancel_futures=True)

    def expect(self, requests: Sequence[FetchRequest]) -> None:
        """Start reading before the first body comes, when one will: a source fetched
        without validators answers with a body. The pool is then ready by the first
        answers rather than a quarter of a second after them."""
        if any(request.etag is None and request.last_modified is None for request in requests):
            self._started()

    def _started(self) -> Future[Executor]:
        if self._executor is None:
            if self._processes:
                # Started in a thread: each worker's start waits for the forkserver, which
                # first imports the readers (a quarter of a second on the loop otherwise),
                # and the event loop keeps fetching meanwhile.
                starter = ThreadPoolExecutor(1, thread_name_prefix="newsfeed-pool")
                self._executor = starter.submit(_process_pool, self._processes)
                starter.shutdown(wait=False)
            else:
                self._executor = Future()
                self._executor.set_result(ThreadPoolExecutor(1, thread_name_prefix="newsfeed-read"))
        return self._executor

    async def read(
        self, result: FetchResult, key: str, now: datetime, url: str
    ) -> ReadFeed | FeedParseError:
        """:func:`read_body` of *result*; any failure, the worker's too, is the source's error."""
        loop = asyncio.get_running_loop()
        started = self._started()
        try:
            executor = await asyncio.wrap_future(started)
            return await loop.run_in_executor(executor, read_body, result, key, now, url)
        except Exception as exc:  # noqa: BLE001 - a worker that died or could not send its result
            if isinstance(exc, BrokenExecutor) and self._executor is started:
                # The bodies being read when a worker died fail with it; the next ones
                # get a new pool, so one body that kills its reader fails few sources.
                started.result().shutdown(wait=False)
                self._executor = None
            return FeedParseError(
                f"cannot be read: the reading process failed: {type(exc).__name__}: {exc}",
                source=result.url,
            )


def _process_pool(processes: int) -> Executor:
    """A pool of *processes* readers, every one of them started."""
    # Imported here: multiprocessing's modules and the readers cost every run's start otherwise.
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    from newsfeed._ingest import reader_modules  # noqa: PLC0415

    # Not forked from this process: its event loop and the state's connection stay its
    # own. The server process imports the readers once for every worker: they are
    # imported at their first read otherwise, in each worker (50 ms each).
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([read_body.__module__, *reader_modules()])
    pool = ProcessPoolExecutor(processes, mp_context=context)
    # A pool starts a worker at a submission that finds none idle: one short task for
    # each, so that the reads, submitted from the event loop, find them all started.
    for _ in range(processes):
        pool.submit(time.sleep, _WARM_UP_SECONDS)
    return pool
