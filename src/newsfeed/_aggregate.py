"""The aggregator: fetch every source, keep what it gives in the state, publish the merged feed.

config -> fetch/read each source -> ingest -> bound (entries, field length)
       -> store (one transaction per source)
       -> merge stored items (dedupe, sort, cap) -> export -> atomic writes

Politeness lives in the state: after a fetch, a source is not fetched again
before its ``Cache-Control: max-age`` is over, before its ``Retry-After``, or,
after failures, before an exponential backoff; each wait gets a little jitter,
so that sources first added together do not stay in step.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import os
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from urllib.parse import quote, urljoin

from newsfeed._archive import archive_pages, split_current
from newsfeed._bulletin import decode_bulletin
from newsfeed._config import Config, FetchSettings, SourceConfig, SourceKind
from newsfeed._errors import BulletinError, FeedParseError
from newsfeed._export import to_atom, to_json_feed, to_rss
from newsfeed._fetch import FetchRequest, FetchResult, FetchStatus, fetch_each
from newsfeed._files import read_capped, write_atomic
from newsfeed._ingest import ReadFeed, read_feed
from newsfeed._model import Feed, NewsItem, Source
from newsfeed._page import alternates_for, to_html
from newsfeed._store import SourceState, Store
from newsfeed._websub import HubPing, publish

# Waits are lengthened by up to this fraction, at random.
_JITTER = 0.1


class Outcome(Enum):
    """What happened to a source in one run."""

    OK = "ok"
    NOT_MODIFIED = "not modified"
    MOVED = "moved"
    GONE = "gone"
    DEFERRED = "deferred"
    ERROR = "error"


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
            notes.append(f"{_entries(self.skipped_entries)} skipped")
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


def _entries(count: int) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # At a word break, when there is one in the second half; the break itself is dropped.
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "\N{HORIZONTAL ELLIPSIS}"


def _bounded(
    items: Sequence[NewsItem], fetch: FetchSettings
) -> tuple[list[NewsItem], list[str], int]:
    """The items a source may keep, warnings about what was cut, and how many were left out.

    A title or summary over ``max_field_length`` is shortened; an entry whose id,
    link, author, categories or source are over it is left out, since these
    cannot be cut and stay true. Past ``max_entries``, the newest are kept.
    """
    limit = fetch.max_field_length
    kept: list[NewsItem] = []
    shortened = left_out = 0
    for item in items:
        source = (item.source.title or "", item.source.url) if item.source else ()
        if any(
            len(value) > limit
            for value in (item.id, item.link or "", item.author or "", *item.categories, *source)
        ):
            left_out += 1
            continue
        if len(item.title) > limit or len(item.summary) > limit:
            shortened += 1
            item = replace(  # noqa: PLW2901 - the shortened item replaces the long one
                item, title=_shorten(item.title, limit), summary=_shorten(item.summary, limit)
            )
        kept.append(item)
    warnings = []
    if left_out:
        warnings.append(
            f"{_entries(left_out)} left out: an id, link, author or category over {limit}"
            " characters (max_field_length)"
        )
    if shortened:
        warnings.append(f"{_entries(shortened)} shortened to {limit} characters (max_field_length)")
    if len(kept) > fetch.max_entries:
        warnings.append(f"{_entries(len(kept))}: the {fetch.max_entries} newest kept (max_entries)")
        kept = sorted(kept, key=lambda item: item.published, reverse=True)[: fetch.max_entries]
    return kept, warnings, left_out


def _attributed(read: ReadFeed, url: str | None) -> list[NewsItem]:
    info = read.feed.info
    attribution = Source(title=info.title, url=url) if url else None
    return [replace(item, source=item.source or attribution) for item in read.feed.items]


class _Run:
    """One aggregation run: the state store, the clock, and the reports so far."""

    def __init__(self, config: Config, store: Store, now: datetime) -> None:
        self.config, self.store, self.now = config, store, now
        self.random = random.Random()  # noqa: S311 - spreading waits, not security

    def after(self, wait: timedelta) -> datetime:
        """The time *wait* from now, lengthened by the jitter, to the second."""
        seconds = wait.total_seconds() * (1 + _JITTER * self.random.random())
        return self.now + timedelta(seconds=round(seconds))

    def backoff(self, state: SourceState) -> datetime | None:
        """When to try a source again that has just failed once more than *state* says."""
        fetch = self.config.fetch
        if fetch.backoff_seconds <= 0:
            return None
        # Bounded before it is computed: a source failing for years must not overflow.
        doublings = min(state.failures, 64)
        wait = min(fetch.backoff_seconds * 2.0**doublings, fetch.max_backoff_seconds)
        return self.after(timedelta(seconds=wait))

    def save_items(
        self,
        source: SourceConfig,
        state: SourceState,
        read: ReadFeed | None,
        items: Sequence[NewsItem],
        *,
        outcome: Outcome,
        detail: str | None = None,
        next_fetch: datetime | None = None,
    ) -> SourceReport:
        kept, limit_warnings, left_out = _bounded(items, self.config.fetch)
        undated = read.undated if read is not None else frozenset()
        new = self.store.save(
            replace(
                state,
                status=outcome.value,
                error=None,
                last_fetched=self.now,
                failures=0,
                next_fetch=next_fetch,
            ),
            kept,
            now=self.now,
            undated=undated,
        )
        return SourceReport(
            name=source.name,
            outcome=outcome,
            new_items=new,
            skipped_entries=(read.skipped if read is not None else 0) + left_out,
            detail=detail,
            warnings=(*(read.warnings if read is not None else ()), *limit_warnings),
        )

    def fail(
        self, source: SourceConfig, state: SourceState, reason: str, **changes: object
    ) -> SourceReport:
        outcome = Outcome.GONE if changes.get("gone") else Outcome.ERROR
        failures = state.failures + 1
        self.store.save(
            replace(
                state,
                status=outcome.value,
                error=reason,
                last_fetched=self.now,
                failures=failures,
                **changes,  # type: ignore[arg-type]
            ),
            now=self.now,
        )
        return SourceReport(name=source.name, outcome=outcome, detail=reason, failures=failures)

    def local(self, source: SourceConfig) -> SourceReport:
        state = self.store.source(source.key)
        path = Path(source.location)
        try:
            data = _read_local(path, self.config.fetch.max_bytes)
        except OSError as exc:
            return self.fail(source, state, f"{path}: {exc.strerror or exc}")
        digest = hashlib.sha256(data).hexdigest()
        if digest == state.content_hash and state.status != Outcome.ERROR.value:
            return SourceReport(name=source.name, outcome=Outcome.NOT_MODIFIED)
        read: ReadFeed | None = None
        if source.kind is SourceKind.BULLETIN:
            try:
                # The bytes already read and hashed: reading the file again could parse
                # another version than the one whose hash is stored.
                items: Sequence[NewsItem] = decode_bulletin(
                    data, source=str(path), feed_url=self.config.info.feed_url, tz=source.timezone
                )
            except BulletinError as exc:
                return self.fail(source, state, "; ".join(str(p) for p in exc.problems[:3]))
            except ValueError as exc:  # an unknown time zone or feed_url host
                return self.fail(source, state, f"{path}: {exc}")
        else:
            parsed = _read_untrusted(data, url=None, scope=source.key, now=self.now)
            if isinstance(parsed, FeedParseError):
                return self.fail(source, state, f"{path}: {parsed.reason}")
            read = parsed
            items = _attributed(read, read.feed.info.feed_url)
        title = read.feed.info.title if read is not None else source.name
        state = replace(state, content_hash=digest, title=title, url=None)
        return self.save_items(source, state, read, items, outcome=Outcome.OK)

    def fetched(
        self, source: SourceConfig, result: FetchResult, read: ReadFeed | FeedParseError | None
    ) -> SourceReport:
        """Store what a fetch gave; *read* is its body read as a feed (for a 200 answer)."""
        state = self.store.source(source.key)
        url = result.moved_to or state.url or source.location
        failure = _failure(result, read)
        if failure is not None:
            reason, changes = failure
            if not changes:
                changes = {"next_fetch": self.backoff(state)}
            return self.fail(source, state, reason, **changes)
        next_fetch = None if result.fresh_for is None else self.after(result.fresh_for)
        if not isinstance(read, ReadFeed):  # not modified: the stored items stand
            outcome = Outcome.MOVED if result.moved_to else Outcome.NOT_MODIFIED
            return self.save_items(
                source,
                replace(state, url=url),
                None,
                (),
                outcome=outcome,
                detail=result.moved_to,
                next_fetch=next_fetch,
            )
        outcome = Outcome.MOVED if result.moved_to else Outcome.OK
        state = replace(
            state,
            url=url,
            etag=result.headers.get("etag"),
            last_modified=result.headers.get("last-modified"),
            title=read.feed.info.title,
        )
        items = _attributed(read, url)
        return self.save_items(
            source, state, read, items, outcome=outcome, detail=url, next_fetch=next_fetch
        )

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

    async def remote(
        self, sources: Sequence[SourceConfig], progress: Callable[[int, int], None] | None
    ) -> dict[str, SourceReport]:
        reports: dict[str, SourceReport] = {}
        due: list[tuple[SourceState, FetchRequest]] = []
        by_key = {source.key: source for source in sources}
        for source in sources:
            state = self.store.source(source.key)
            waiting = self.deferred(source, state)
            if waiting is not None:
                reports[source.key] = waiting
                continue
            request = FetchRequest(
                key=source.key,
                url=state.url or source.location,
                etag=state.etag,
                last_modified=state.last_modified,
            )
            due.append((state, request))
        # Least recently fetched first: when max_run_seconds cuts runs short, the sources
        # left over are the first fetched next time, instead of the same ones always waiting.
        due.sort(key=lambda pair: pair[0].last_fetched or datetime.min.replace(tzinfo=UTC))
        requests = [request for _, request in due]
        finished = 0

        def tick() -> None:
            nonlocal finished
            finished += 1
            if progress is not None:
                progress(finished, len(requests))

        async for request, result in fetch_each(
            requests, self.config.fetch, now=self.now, done=tick
        ):
            if result.status is FetchStatus.NOT_FETCHED:
                # Not the source's fault: its state stays as it was, to be fetched next run.
                reports[request.key] = SourceReport(
                    name=by_key[request.key].name, outcome=Outcome.DEFERRED, detail=result.error
                )
                continue
            read: ReadFeed | FeedParseError | None = None
            if result.status is FetchStatus.OK:
                # feedparser is CPU-bound: parsing in a thread lets the other fetches go on.
                read = await asyncio.to_thread(_read_body, result, request.key, self.now)
            reports[request.key] = self.fetched(by_key[request.key], result, read)
        return reports

    @property
    def oldest(self) -> datetime | None:
        """The oldest publication time the current feed shows, from ``max_age_days``."""
        if self.config.max_age_days is None:
            return None
        return self.now - timedelta(days=self.config.max_age_days)

    def merged(self) -> list[NewsItem]:
        """Stored items of configured sources, deduplicated, newest first (ties by id).

        Without archives, items older than ``max_age_days`` are left out; with
        archives, every item is kept for the current feed or an archive.
        """
        order = {source.key: index for index, source in enumerate(self.config.sources)}
        stored = sorted(
            self.store.items(list(order)),
            key=lambda stored: (order[stored.source_key], stored.first_seen, stored.item.id),
        )
        oldest = self.oldest if self.config.output.archive is None else None
        seen_ids: set[str] = set()
        seen_links: set[str] = set()
        items: list[NewsItem] = []
        # Earlier sources in the configuration win when two sources carry the same item.
        for entry in stored:
            item = entry.item
            # Too old first: a copy that is left out must not hide a recent one from another source.
            if oldest is not None and item.published < oldest:
                continue
            if item.id in seen_ids or (item.link is not None and item.link in seen_links):
                continue
            seen_ids.add(item.id)
            if item.link is not None:
                seen_links.add(item.link)
            items.append(item)
        items.sort(key=lambda item: item.id)
        items.sort(key=lambda item: item.published, reverse=True)
        return items


def aggregate(
    config: Config,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run the aggregator once: fetch and read every source, store, and publish the merged feed.

    *progress* is called with (finished, total) as fetches complete. Raises
    :class:`StateLockedError` when another run is using the same state.
    """
    run_time = (now or datetime.now(UTC)).replace(microsecond=0)
    with Store.open(config.output.state) as store:
        run = _Run(config, store, run_time)
        local = {
            source.key: run.local(source)
            for source in config.sources
            if source.kind is not SourceKind.URL
        }
        remote = [source for source in config.sources if source.kind is SourceKind.URL]
        reports = {**local, **asyncio.run(run.remote(remote, progress))}
        items = run.merged()
        by_month: list[tuple[str, list[NewsItem]]] = []
        if config.output.archive is None:
            feed = Feed(info=config.info, items=tuple(items[: config.max_items]))
        else:
            current, by_month = split_current(items, max_items=config.max_items, oldest=run.oldest)
            feed = Feed(info=config.info, items=tuple(current))
        # Written under the lock, so an overlapping run cannot put back an older feed.
        outputs = _outputs(config)
        changed: list[tuple[Path, str | None]] = []
        for path, url, kind, export in outputs:
            document = replace(feed, info=replace(feed.info, feed_url=url))
            if config.output.archive is not None:
                document, pages = archive_pages(
                    document,
                    by_month,
                    output=path,
                    output_url=url,
                    folder=config.output.archive,
                    suffix=_ARCHIVE_SUFFIXES[kind],
                )
                changed.extend(
                    (page.path, None)
                    for page in pages
                    if write_atomic(page.path, export(page.feed))
                )
            if write_atomic(path, export(document)):
                changed.append((path, url))
        written = [path for path, _ in changed]
        html = config.output.html
        if html is not None:
            links = alternates_for(html, [(path, kind) for path, _, kind, _ in outputs])
            if write_atomic(html, to_html(feed, links)):
                written.append(html)
    # After the lock is released: a slow hub must not hold up the next run, and a hub
    # fetches the feed as soon as it is told, so the files must be in place first.
    pings = publish(
        config.info.hubs,
        [url for _, url in changed if url is not None],
        timeout=config.fetch.timeout,
    )
    return Report(
        sources=tuple(reports[source.key] for source in config.sources),
        items=len(feed.items),
        written=tuple(written),
        pings=pings,
    )


def _read_local(path: Path, limit: int) -> bytes:
    """A local source's bytes; a file over the body cap is an error, as a body would be."""
    data, longer = read_capped(path, limit)
    if longer:
        raise OSError(errno.EFBIG, f"over the {limit}-byte cap (max_bytes)", str(path))
    return data


def _read_body(result: FetchResult, key: str, now: datetime) -> ReadFeed | FeedParseError:
    return _read_untrusted(result.body, url=result.url, headers=result.headers, scope=key, now=now)


def _read_untrusted(
    data: bytes,
    *,
    url: str | None,
    headers: Mapping[str, str] | None = None,
    scope: str,
    now: datetime,
) -> ReadFeed | FeedParseError:
    """Read a source's bytes; any failure, of any kind, is that source's error.

    Ids that are not URIs are scoped to the source's key (*scope*), as release 0.1.0
    stored them.

    The bytes come from outside: a parser's unexpected exception (a JSON document
    nested past the recursion limit raises RecursionError) must not end the run.
    """
    try:
        return read_feed(data, url=url, headers=headers, scope=scope, now=now)
    except FeedParseError as exc:
        return exc
    except Exception as exc:  # noqa: BLE001 - see above
        return FeedParseError(f"cannot be read: {type(exc).__name__}: {exc}", source=url)


def _failure(
    result: FetchResult, read: ReadFeed | FeedParseError | None
) -> tuple[str, dict[str, object]] | None:
    """Why a fetch gives no items, and what to remember of it; ``None`` when it succeeded."""
    if result.status is FetchStatus.GONE:
        return "HTTP 410 Gone: remove it from the config", {"gone": True}
    if result.status is FetchStatus.RETRY_LATER and result.retry_at is not None:
        when = result.retry_at.isoformat()
        return f"{result.error}; not fetched again before {when}", {"next_fetch": result.retry_at}
    if result.status is FetchStatus.ERROR:
        return result.error or "failed", {}
    if isinstance(read, FeedParseError):
        return read.reason, {}
    return None


# An archive document is named after its month, with the suffix of its format.
_ARCHIVE_SUFFIXES = {"rss": ".xml", "atom": ".atom", "json": ".json"}


def _outputs(config: Config) -> list[tuple[Path, str | None, str, Callable[[Feed], bytes]]]:
    """Each feed output file, the URL it is served at, its format and its exporter.

    ``feed_url`` is where the first output (RSS, else Atom, else JSON) is served;
    the others are served beside it as they lie beside it on disk, so each
    document's self link names the document itself.
    """
    output = config.output
    formats = (
        (output.rss, "rss", to_rss),
        (output.atom, "atom", to_atom),
        (output.json, "json", to_json_feed),
    )
    present = [(path, kind, export) for path, kind, export in formats if path is not None]
    base_url, base_dir = config.info.feed_url, present[0][0].parent
    return [
        (
            path,
            # Percent-encoded: a file named "javascript:x.xml" is a path, not a URL scheme.
            urljoin(base_url, quote(os.path.relpath(path, base_dir).replace(os.sep, "/")))
            if base_url
            else None,
            kind,
            export,
        )
        for path, kind, export in present
    ]
