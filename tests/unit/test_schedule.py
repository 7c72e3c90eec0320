"""Scheduling is pure: the clock and the randomness are passed in, so waits are exact."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from newsfeed import FetchSettings, Outcome, SourceConfig, SourceKind
from newsfeed._state import SourceState
from newsfeed.aggregate._schedule import Schedule, fetch_order

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SOURCE = SourceConfig(name="s", kind=SourceKind.URL, location="https://s.example/feed")


class Fixed(random.Random):
    """Randomness that always draws *value*."""

    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_the_backoff_doubles_per_failure_up_to_its_cap_with_the_jitter_on_top() -> None:
    fetch = FetchSettings(backoff_seconds=60, max_backoff_seconds=1000)
    calm, jittered = Schedule(NOW, fetch, Fixed(0.0)), Schedule(NOW, fetch, Fixed(1.0))
    waits = [calm.backoff(SourceState(key="k", failures=n)) for n in range(6)]
    assert [(when - NOW).total_seconds() for when in waits if when] == [
        60,
        120,
        240,
        480,
        960,
        1000,
    ]
    # Up to 10% longer, to the second.
    assert jittered.backoff(SourceState(key="k", failures=1)) == NOW + timedelta(seconds=132)
    # A source failing for years does not overflow.
    assert calm.backoff(SourceState(key="k", failures=10**6)) == NOW + timedelta(seconds=1000)
    assert (
        Schedule(NOW, FetchSettings(backoff_seconds=0), Fixed(0.5)).backoff(
            SourceState(key="k", failures=3)
        )
        is None
    )


def test_a_source_waits_while_gone_or_before_its_next_fetch() -> None:
    schedule = Schedule(NOW, FetchSettings(), Fixed(0.0))
    gone = schedule.deferred(SOURCE, SourceState(key="k", gone=True, failures=2))
    assert gone is not None
    assert (gone.outcome, gone.detail, gone.failures) == (Outcome.GONE, "HTTP 410 Gone", 2)
    fresh = schedule.deferred(SOURCE, SourceState(key="k", next_fetch=NOW + timedelta(seconds=1)))
    assert fresh is not None
    assert fresh.outcome is Outcome.DEFERRED
    assert "Cache-Control" in (fresh.detail or "")
    failing = SourceState(
        key="k", next_fetch=NOW + timedelta(hours=1), error="HTTP 500", failures=3
    )
    waiting = schedule.deferred(SOURCE, failing)
    assert waiting is not None
    assert waiting.failed
    assert "failed 3 times in a row, last: HTTP 500" in (waiting.detail or "")
    assert schedule.deferred(SOURCE, SourceState(key="k", next_fetch=NOW)) is None
    assert schedule.deferred(SOURCE, SourceState(key="k")) is None


def test_the_least_recently_fetched_source_goes_first() -> None:
    states = [
        SourceState(key="recent", last_fetched=NOW),
        SourceState(key="never"),
        SourceState(key="old", last_fetched=NOW - timedelta(days=1)),
    ]
    assert [state.key for state in sorted(states, key=fetch_order)] == ["never", "old", "recent"]
