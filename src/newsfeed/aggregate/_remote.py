"""The run's fetch loop: lease the due URL sources, fetch them concurrently, read and save each."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta

from newsfeed._config import SourceConfig
from newsfeed._errors import FeedParseError
from newsfeed._fetch import FetchRequest, FetchStatus, fetch_each
from newsfeed._ingest import ReadFeed
from newsfeed._state import Outcome, SourceState
from newsfeed.aggregate._report import SourceReport
from newsfeed.aggregate._schedule import fetch_order
from newsfeed.aggregate._transitions import Transitions, read_body


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

    async for request, result in fetch_each(requests, fetch, now=run.now, done=tick):
        if result.status is FetchStatus.NOT_FETCHED:
            # Not the source's fault: its state stays as it was, to be fetched next run.
            reports[request.key] = SourceReport(
                name=by_key[request.key].name, outcome=Outcome.DEFERRED, detail=result.error
            )
            continue
        read: ReadFeed | FeedParseError | None = None
        if result.status is FetchStatus.OK:
            # feedparser is CPU-bound: parsing in a thread lets the other fetches go on.
            read = await asyncio.to_thread(read_body, result, request.key, run.now)
        reports[request.key] = run.fetched(by_key[request.key], leased[request.key], result, read)
    return reports
