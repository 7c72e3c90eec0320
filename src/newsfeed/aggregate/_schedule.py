"""When a source is fetched next: freshness, Retry-After, backoff after failures, with jitter.

Pure: the clock (*now*) and the source of randomness are passed in, so every wait
can be checked exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsfeed._config import FetchSettings, SourceConfig
from newsfeed._state import Outcome, SourceState
from newsfeed.aggregate._report import SourceReport

# Waits are lengthened by up to this fraction, at random.
JITTER = 0.1


@dataclass(frozen=True, slots=True)
class Schedule:
    """Waits counted from *now*, spread by *random*."""

    now: datetime
    fetch: FetchSettings
    random: random.Random

    def after(self, wait: timedelta) -> datetime:
        """The time *wait* from now, lengthened by the jitter, to the second."""
        seconds = wait.total_seconds() * (1 + JITTER * self.random.random())
        return self.now + timedelta(seconds=round(seconds))

    def backoff(self, state: SourceState) -> datetime | None:
        """When to try a source again that has just failed once more than *state* says."""
        if self.fetch.backoff_seconds <= 0:
            return None
        # Bounded before it is computed: a source failing for years must not overflow.
        doublings = min(state.failures, 64)
        wait = min(self.fetch.backoff_seconds * 2.0**doublings, self.fetch.max_backoff_seconds)
        return self.after(timedelta(seconds=wait))

    def deferred(self, source: SourceConfig, state: SourceState) -> SourceReport | None:
        """A report for a source that is not to be fetched now, or ``None`` to fetch it."""
        if state.gone:
            return SourceReport(
                name=source.name,
                outcome=Outcome.GONE,
                detail=state.error or "HTTP 410 Gone",
                failures=state.failures,
            )
        if state.next_fetch is not None and state.next_fetch > self.now:
            if state.error is None:
                why = "its last answer is fresh until then (Cache-Control: max-age)"
            else:
                times = "once" if state.failures == 1 else f"{state.failures} times in a row"
                why = f"failed {times}, last: {state.error}"
            return SourceReport(
                name=source.name,
                outcome=Outcome.DEFERRED,
                detail=f"not before {state.next_fetch.isoformat()} ({why})",
                failures=state.failures,
            )
        return None


def fetch_order(state: SourceState) -> datetime:
    """Sort key of due sources: least recently fetched first, so that when
    ``max_run_seconds`` cuts runs short, the sources left over are the first fetched next
    time, instead of the same ones always waiting."""
    return state.last_fetched or datetime.min.replace(tzinfo=UTC)
