"""Archived feeds (RFC 5005, section 4): pages of a fixed size, numbered from the oldest.

Items are numbered in the order they are first published. While the current document
would hold twice ``max_items`` or more, its ``max_items`` oldest-published entries
become the next archive page (``archive/page-1.xml``, ``page-2.xml``, ...), so the
current document holds from ``max_items`` to twice that less one. A page holds the
same items forever; it links to the page before it (``prev-archive``), to the page
after it (``next-archive``, whose name is known before that page is full) and to the
current document (``current``), so that it never changes: it is written once, in the
run that completes it, and never rendered again. The newest page's ``next-archive``
names the page being filled, which exists once it is full; a reader walks back from
the current document (``prev-archive``) and never meets it before then.

An item that arrives late, with an old date, is published when it arrives: it goes
into the current document (by its date among the others) and later into the page
being filled then, never into a page already written. No item is in two documents.

Release 0.1.0 archived whole months (``archive/2020-05.xml``); those documents stay
as they are, as the oldest archives: the first page links back to the newest of them,
and the items they hold are not published again.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urljoin

from newsfeed._config import Config
from newsfeed._model import ArchiveLinks, Feed, FeedInfo, NewsItem
from newsfeed._state import State

# A monthly archive document of release 0.1.0: "2020-05" and the format's suffix.
_MONTH = re.compile(r"\d{4}-\d{2}")
# The state keeps which monthly archives it adopted, by suffix: {".xml": "2020-03.xml"}.
_LEGACY_SETTING = "legacy_archives"


def url_of(path: Path, *, output: Path, output_url: str | None) -> str:
    """An archive file's URL: *output*'s URL with the path relative to *output*'s folder."""
    # Percent-encoded: a folder named "javascript:archive" is a path, not a URL scheme.
    relative = quote(os.path.relpath(path, output.parent).replace(os.sep, "/"))
    return urljoin(output_url, relative) if output_url else relative


def page_path(folder: Path, number: int, suffix: str) -> Path:
    """Where archive page *number* of the format with *suffix* is written."""
    return folder / f"page-{number}{suffix}"


def adopt_monthly_archives(config: Config, state: State, suffixes: list[str]) -> None:
    """Once per state: record the items of release 0.1.0's monthly archives as archived.

    They are read back from the documents themselves, so that an item is taken as
    archived only if a document really holds it.
    """
    folder = config.output.archive
    if folder is None or state.setting(_LEGACY_SETTING) is not None:
        return
    newest: dict[str, str] = {}
    for suffix in suffixes:
        months = sorted(
            path.name
            for path in (folder.iterdir() if folder.is_dir() else ())
            if path.name.endswith(suffix) and _MONTH.fullmatch(path.name.removesuffix(suffix))
        )
        if months:
            newest[suffix] = months[-1]
            if len(newest) == 1:  # every format holds the same items: one is read
                # Once in a state's life: the feed reader is not every run's import.
                from newsfeed._ingest import parse_feed  # noqa: PLC0415

                ids = [
                    item.id
                    for month in months
                    for item in parse_feed((folder / month).read_bytes()).items
                ]
                state.adopt([source.key for source in config.sources], ids)
    state.keep(_LEGACY_SETTING, json.dumps(newest, sort_keys=True))


def previous_page(state: State, folder: Path, number: int, suffix: str) -> Path | None:
    """The archive document before page *number* (1 for the first): a page, or for the
    first page the newest monthly archive of release 0.1.0, if any."""
    if number > 1:
        return page_path(folder, number - 1, suffix)
    legacy = json.loads(state.setting(_LEGACY_SETTING) or "{}")
    return folder / legacy[suffix] if suffix in legacy else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchivePage:
    """One archive document to write."""

    path: Path
    feed: Feed


def archive_page(
    info: FeedInfo,
    items: tuple[NewsItem, ...],
    *,
    path: Path,
    previous: Path | None,
    following: Path,
    output: Path,
    output_url: str | None,
) -> ArchivePage:
    """An archive page of one output: its items, linked to its neighbours and the current feed."""
    url = url_of(path, output=output, output_url=output_url)
    return ArchivePage(
        path=path,
        feed=Feed(
            # Hubs announce changes; an archive page does not change.
            info=replace(info, feed_url=url, hubs=()),
            items=items,
            archive=ArchiveLinks(
                current=output_url,
                prev_archive=None
                if previous is None
                else url_of(previous, output=output, output_url=output_url),
                next_archive=url_of(following, output=output, output_url=output_url),
                is_archive=True,
            ),
        ),
    )
