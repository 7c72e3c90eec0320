"""One aggregation run: read and fetch the sources, save what they give, publish what changed.

config -> fetch/read each source -> ingest -> bound (entries, field length)
       -> state (each source saved whole, committed a few sources at a time)
       -> merge (new items get entries: deduplicated) -> publish what changed
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from newsfeed._config import Config, SourceKind
from newsfeed._state import State, open_state
from newsfeed.aggregate._archive import adopt_monthly_archives
from newsfeed.aggregate._merge import current_items, merge
from newsfeed.aggregate._publish import (
    Written,
    outputs,
    ping,
    unchanged,
    write_current,
    write_pages,
)
from newsfeed.aggregate._remote import remote
from newsfeed.aggregate._report import Report
from newsfeed.aggregate._schedule import Schedule
from newsfeed.aggregate._transitions import Transitions


def aggregate(
    config: Config,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run the aggregator once: fetch and read every source, store, and publish the merged feed.

    *progress* is called with (finished, total) as fetches complete. Raises
    :class:`StateLockedError` when another run is using the same state, and
    :class:`StateError` when the state cannot be used.
    """
    run_time = (now or datetime.now(UTC)).replace(microsecond=0)
    with open_state(config.output.state) as state:
        schedule = Schedule(run_time, config.fetch, random.Random())  # noqa: S311 - not security
        run = Transitions(config, state, schedule)
        with state.batch():
            reports = {
                source.key: run.local(source)
                for source in config.sources
                if source.kind is not SourceKind.URL
            }
            fetched = [source for source in config.sources if source.kind is SourceKind.URL]
            reports.update(asyncio.run(remote(run, fetched, progress, done_before=len(reports))))
        # What is published must outlive a power loss in the state too.
        state.sync()
        # Written under the lock, so an overlapping run cannot put back an older feed.
        items, written = _publish(config, state, run_time)
    # After the lock is released: a slow hub must not hold up the next run, and a hub
    # fetches the feed as soon as it is told, so the files must be in place first.
    return Report(
        sources=tuple(reports[source.key] for source in config.sources),
        items=items,
        written=written.paths,
        pings=ping(config, written.changed_urls),
    )


def _publish(config: Config, state: State, now: datetime) -> tuple[int, Written]:
    """Publish what changed since the last run; how many items the current feed holds."""
    if config.output.archive is not None:
        adopt_monthly_archives(config, state, [output.suffix for output in outputs(config)])
    merge(config, state, now)
    last = unchanged(config, state)
    if last is not None:
        return last.items, Written(paths=(), changed_urls=())
    pages = []
    last_page = 0
    if config.output.archive is not None:
        pages = write_pages(config, state)
        last_page = state.last_page()
    items = current_items(config, state, now)
    written = write_current(config, state, items, last_page=last_page)
    return len(items), replace(written, paths=(*pages, *written.paths))
