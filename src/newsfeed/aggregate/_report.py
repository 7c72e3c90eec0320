"""What a run reports: each source's outcome, and what was published."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsfeed._state import Outcome
from newsfeed._websub import HubPing


def entries(count: int) -> str:
    """*count* entries, in words."""
    return f"{count} {'entry' if count == 1 else 'entries'}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceReport:
    """One source's outcome in a run."""

    #: The source's name from the configuration.
    name: str
    outcome: Outcome
    #: Items seen for the first time.
    new_items: int = 0
    #: Entries left out (no title, link or id; values the model rejects).
    skipped_entries: int = 0
    #: The error, the new URL, or why the source was not fetched.
    detail: str | None = None
    #: What the source was read despite (recovered XML, removed characters, limits).
    warnings: tuple[str, ...] = ()
    #: Failures in a row, this run's included: a source waiting out its backoff still has them.
    failures: int = 0

    @property
    def succeeded(self) -> bool:
        """The source was fetched or read, or had not changed."""
        return self.outcome in {Outcome.OK, Outcome.NOT_MODIFIED, Outcome.MOVED}

    @property
    def failed(self) -> bool:
        """The source could not be read, is gone, or waits out the backoff after failures.

        A source deferred by its server (``Cache-Control``) or by the run's time
        limit has not failed.
        """
        return self.outcome in {Outcome.ERROR, Outcome.GONE} or (
            self.outcome is Outcome.DEFERRED and self.failures > 0
        )

    def __str__(self) -> str:
        text = f"{self.name}: {self.outcome.value}"
        if self.outcome in {Outcome.OK, Outcome.MOVED}:
            if self.outcome is Outcome.MOVED:
                text += f" to {self.detail}"
            text += f" ({self.new_items} new)"
        elif self.detail:
            text += f": {self.detail}"
        notes = list(self.warnings)
        if self.skipped_entries:
            notes.append(f"{entries(self.skipped_entries)} skipped")
        return text + "".join(f"; warning: {note}" for note in notes)


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The outcome of one :func:`aggregate` run."""

    #: One report per configured source, in the configuration's order.
    sources: tuple[SourceReport, ...]
    #: How many items the published feed holds.
    items: int
    #: The output files that changed and were rewritten.
    written: tuple[Path, ...]
    #: WebSub publish notifications sent for the changed outputs, one per hub and output.
    pings: tuple[HubPing, ...] = ()

    @property
    def all_failed(self) -> bool:
        """Every source failed: none was fetched, read, not modified or waiting its turn."""
        return all(source.failed for source in self.sources)
