"""What each fetch outcome does to a source's state: items saved, failures counted, waits set.

A source's new state and items are saved in one call of :meth:`State.save`, so a
crash leaves every source with either its old state or its new one.
"""

from __future__ import annotations

import errno
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from newsfeed._config import Config, FetchSettings, SourceConfig, SourceKind
from newsfeed._errors import BulletinError, FeedParseError
from newsfeed._fetch import FetchResult, FetchStatus
from newsfeed._files import read_capped
from newsfeed._model import NewsItem, Person, Source
from newsfeed._page import linked_to_page
from newsfeed._state import Outcome, SourceState, State
from newsfeed.aggregate._publish import page_url_of
from newsfeed.aggregate._report import SourceReport, entries
from newsfeed.aggregate._schedule import Schedule

if TYPE_CHECKING:
    from newsfeed._ingest import ReadFeed


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

    A title or summary over ``max_field_length`` is shortened, and an HTML body over
    it left out (markup cut short would not be the author's); an entry whose id,
    link, authors, categories, source, image or enclosures are over it is left out,
    since these cannot be cut and stay true. Past ``max_entries``, the newest are kept.
    """
    limit = fetch.max_field_length
    kept: list[NewsItem] = []
    shortened = left_out = bodies = 0
    for item in items:
        if any(len(value) > limit for value in _uncut_values(item)):
            left_out += 1
            continue
        if len(item.title) > limit or len(item.summary) > limit:
            shortened += 1
            item = replace(  # noqa: PLW2901 - the shortened item replaces the long one
                item, title=_shorten(item.title, limit), summary=_shorten(item.summary, limit)
            )
        if len(item.content_html) > limit:
            bodies += 1
            item = replace(item, content_html="")  # noqa: PLW2901 - as above
        kept.append(item)
    warnings = []
    if left_out:
        warnings.append(
            f"{entries(left_out)} left out: an id, link, author, category, image or enclosure"
            f" over {limit} characters (max_field_length)"
        )
    if shortened:
        warnings.append(f"{entries(shortened)} shortened to {limit} characters (max_field_length)")
    if bodies:
        warnings.append(
            f"{entries(bodies)} without their HTML body, over {limit} characters"
            " (max_field_length); their plain text is kept"
        )
    if len(kept) > fetch.max_entries:
        warnings.append(f"{entries(len(kept))}: the {fetch.max_entries} newest kept (max_entries)")
        kept = sorted(kept, key=lambda item: item.published, reverse=True)[: fetch.max_entries]
    return kept, warnings, left_out


def _uncut_values(item: NewsItem) -> Iterator[str]:
    """The values of an item that cannot be shortened and stay true."""
    yield from (item.id, item.link or "", item.image or "", *item.categories)
    if item.source is not None:
        yield from (item.source.title, item.source.url)
    for person in item.authors:
        yield from (person.name or "", person.email or "", person.url or "")
    for enclosure in item.enclosures:
        yield from (enclosure.url, enclosure.media_type)


def _attributed(read: ReadFeed, url: str | None) -> ReadFeed:
    """The feed as read, its items as the combined feed carries them: with their source and
    their authors.

    An item without authors of its own is by its feed's author: in the combined
    feed, whose author is another, it names that author itself.
    """
    info = read.feed.info
    attribution = Source(title=info.title, url=url) if url else None
    inherited = (Person(name=info.author),) if info.author is not None else ()
    items = tuple(
        replace(item, source=item.source or attribution, authors=item.authors or inherited)
        for item in read.feed.items
    )
    return replace(read, feed=replace(read.feed, items=items))


def oldest_shown(config: Config, now: datetime) -> datetime | None:
    """The oldest publication time the current feed shows, from ``max_age_days``."""
    if config.max_age_days is None:
        return None
    return now - timedelta(days=config.max_age_days)


@dataclass(frozen=True, slots=True)
class Transitions:
    """A run's changes to sources' states: its configuration, state, clock and schedule."""

    config: Config
    state: State
    schedule: Schedule

    @property
    def now(self) -> datetime:
        return self.schedule.now

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
        # Retention, without archives: an item no document can show is not kept (see
        # docs/aggregate.md); with archives every item is.
        retained = self.config.output.archive is None
        new = self.state.save(
            replace(
                state,
                status=outcome,
                error=None,
                last_fetched=self.now,
                failures=0,
                next_fetch=next_fetch,
            ),
            kept,
            now=self.now,
            undated=undated,
            oldest=oldest_shown(self.config, self.now) if retained else None,
            keep=max(self.config.max_items, self.config.fetch.max_entries) if retained else None,
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
        self.state.save(
            replace(
                state,
                status=outcome,
                error=reason,
                last_fetched=self.now,
                failures=failures,
                **changes,  # type: ignore[arg-type]
            ),
            now=self.now,
        )
        return SourceReport(name=source.name, outcome=outcome, detail=reason, failures=failures)

    def local(self, source: SourceConfig) -> SourceReport:
        state = self.state.source(source.key)
        path = Path(source.location)
        try:
            data = _read_local(path, self.config.fetch.max_bytes)
        except OSError as exc:
            return self.fail(source, state, f"{path}: {exc.strerror or exc}")
        digest = hashlib.sha256(data).hexdigest()
        if digest == state.content_hash and state.status is not Outcome.ERROR:
            # Saved as a URL source's 304 is, so that `newsfeed sources` shows this run.
            return self.save_items(source, state, None, (), outcome=Outcome.NOT_MODIFIED)
        read: ReadFeed | None = None
        if source.kind is SourceKind.BULLETIN:
            # Imported by the first bulletin: a run of feeds only never needs the reader.
            from newsfeed._bulletin import decode_bulletin  # noqa: PLC0415

            try:
                # The bytes already read and hashed: reading the file again could parse
                # another version than the one whose hash is stored.
                items: Sequence[NewsItem] = decode_bulletin(
                    data,
                    source=str(path),
                    feed_url=self.config.info.feed_url,
                    tz=source.timezone,
                    allow_unordered=source.allow_unordered,
                    allow_empty=source.allow_empty,
                )
            except BulletinError as exc:
                return self.fail(source, state, "; ".join(str(p) for p in exc.problems[:3]))
            except ValueError as exc:  # an unknown time zone or feed_url host
                return self.fail(source, state, f"{path}: {exc}")
            if self.config.output.html is not None:
                # A bulletin record has no page of its own: its place on ours is its link.
                items = linked_to_page(items, page_url_of(self.config, self.config.output.html))
        else:
            parsed = read_untrusted(data, url=None, scope=source.key, now=self.now)
            if isinstance(parsed, FeedParseError):
                return self.fail(source, state, f"{path}: {parsed.reason}")
            read = _attributed(parsed, parsed.feed.info.feed_url)
            items = read.feed.items
        title = read.feed.info.title if read is not None else source.name
        state = replace(state, content_hash=digest, title=title, url=None)
        return self.save_items(source, state, read, items, outcome=Outcome.OK)

    def fetched(
        self,
        source: SourceConfig,
        state: SourceState,
        result: FetchResult,
        read: ReadFeed | FeedParseError | None,
    ) -> SourceReport:
        """Store what a fetch gave; *read* is its body as :func:`read_body` read it (for a 200
        answer).

        *state* is the source's state as leased: nothing else changes it meanwhile.
        """
        url = source_url(source, state, result)
        failure = _failure(result, read)
        if failure is not None:
            reason, changes = failure
            if not changes:
                changes = {"next_fetch": self.schedule.backoff(state)}
            return self.fail(source, state, reason, **changes)
        next_fetch = None if result.fresh_for is None else self.schedule.after(result.fresh_for)
        # Not modified: the stored items stand (a body that could not be read failed above).
        if read is None or isinstance(read, FeedParseError):
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
        return self.save_items(
            source, state, read, read.feed.items, outcome=outcome, detail=url, next_fetch=next_fetch
        )


def _read_local(path: Path, limit: int) -> bytes:
    """A local source's bytes; a file over the body cap is an error, as a body would be."""
    data, longer = read_capped(path, limit)
    if longer:
        raise OSError(errno.EFBIG, f"over the {limit}-byte cap (max_bytes)", str(path))
    return data


def source_url(source: SourceConfig, state: SourceState, result: FetchResult) -> str:
    """Where a fetched source is now: its items' source, and the URL fetched next time."""
    return result.moved_to or state.url or source.location


def read_body(result: FetchResult, key: str, now: datetime, url: str) -> ReadFeed | FeedParseError:
    """A fetched body read as a feed, its items attributed to the source at *url*; any
    failure is the source's error.

    All of a body's reading is here, so that it can run in another process
    (``parse_processes``) and only its result comes back.
    """
    read = read_untrusted(result.body, url=result.url, headers=result.headers, scope=key, now=now)
    return read if isinstance(read, FeedParseError) else _attributed(read, url)


def read_untrusted(
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
    # Imported by the first body: a run of 304s reads none.
    from newsfeed._ingest import read_feed  # noqa: PLC0415

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
