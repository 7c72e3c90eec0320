"""Archived feeds (RFC 5005, section 4): older items in monthly documents that never change.

The current feed holds the newest items. When there are more than it may
hold, whole months move into archive documents (``archive/2020-05.xml``), each
linked to its neighbours with ``prev-archive``/``next-archive`` and to the
current feed with ``current``. An item is in exactly one document. Only whole
months are archived, so an archive page, once it has its ``next-archive``
link, is byte-identical on every later run and can be cached forever.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from urllib.parse import quote, urljoin

from newsfeed._model import ArchiveLinks, Feed, NewsItem


def month_of(item: NewsItem) -> str:
    """The archive an item belongs to: the UTC month of its publication, ``2020-05``."""
    return item.published.astimezone(UTC).strftime("%Y-%m")


def split_current(
    items: list[NewsItem], *, max_items: int, oldest: datetime | None
) -> tuple[list[NewsItem], list[tuple[str, list[NewsItem]]]]:
    """The current feed's items, and the archived ones by month (oldest month first).

    *items* are newest first. The current feed holds every item of the months
    from the one of its ``max_items``-th newest item on (or from the month of
    *oldest*, if later): a month is archived whole or not at all.
    """
    months = [month_of(item) for item in items]
    boundary = months[max_items - 1] if len(items) > max_items else None
    if oldest is not None:
        cutoff = oldest.astimezone(UTC).strftime("%Y-%m")
        boundary = cutoff if boundary is None or cutoff > boundary else boundary
    if boundary is None:
        return items, []
    current = [item for item, month in zip(items, months, strict=True) if month >= boundary]
    older = sorted(
        (item for item, month in zip(items, months, strict=True) if month < boundary),
        key=lambda item: (month_of(item),),
    )
    by_month = [
        (month, sorted(group, key=lambda item: (item.published, item.id), reverse=True))
        for month, group in groupby(older, key=month_of)
    ]
    return current, by_month


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivePage:
    """One archive document to write."""

    path: Path
    feed: Feed


def archive_pages(
    feed: Feed,
    by_month: list[tuple[str, list[NewsItem]]],
    *,
    output: Path,
    output_url: str | None,
    folder: Path,
    suffix: str,
) -> tuple[Feed, list[ArchivePage]]:
    """The current feed with its ``prev-archive`` link, and the archive documents of one output.

    An archive's URL is the current feed's URL with the archive's path relative
    to the current feed file.
    """

    def url_of(path: Path) -> str | None:
        # Percent-encoded: a folder named "javascript:archive" is a path, not a URL scheme.
        relative = quote(os.path.relpath(path, output.parent).replace(os.sep, "/"))
        return urljoin(output_url, relative) if output_url else relative

    paths = [folder / f"{month}{suffix}" for month, _ in by_month]
    urls = [url_of(path) for path in paths]
    pages = [
        ArchivePage(
            path=path,
            feed=Feed(
                # Hubs announce changes; an archive page does not change.
                info=replace(feed.info, feed_url=url, hubs=()),
                items=tuple(items),
                archive=ArchiveLinks(
                    current=output_url,
                    prev_archive=urls[index - 1] if index > 0 else None,
                    next_archive=urls[index + 1] if index + 1 < len(urls) else None,
                    is_archive=True,
                ),
            ),
        )
        for index, (path, url, (_, items)) in enumerate(zip(paths, urls, by_month, strict=True))
    ]
    current = feed
    if urls:
        current = replace(feed, archive=ArchiveLinks(prev_archive=urls[-1]))
    return current, pages
