"""Publishing: the current documents, the archive pages that filled up, the page, the hub pings.

A run that changed nothing renders nothing: the state keeps a fingerprint of what the
outputs were rendered from (its generation, which every change of items or entries
moves on, and the configuration of the outputs); when it is unchanged and every
output is on disk, nothing is rendered or written.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from urllib.parse import quote, urljoin

from newsfeed._config import Config
from newsfeed._files import write_atomic
from newsfeed._formats import FORMATS, FeedFormat
from newsfeed._model import ArchiveLinks, Feed, NewsItem
from newsfeed._page import Alternate, alternates_for, page_url, to_html
from newsfeed._state import Publication, State
from newsfeed._websub import HubPing, publish
from newsfeed.aggregate._archive import (
    archive_page,
    page_path,
    previous_page,
    url_of,
)

# Changed when the same state and configuration would render other bytes.
_RENDERING = 2
_PUBLICATION_SETTING = "publication"


@dataclass(frozen=True, slots=True, kw_only=True)
class Output:
    """One feed output: its file, the URL it is served at, and its format."""

    path: Path
    url: str | None
    kind: FeedFormat

    @property
    def suffix(self) -> str:
        """The suffix of its archive pages, named after their number."""
        return FORMATS[self.kind].suffix

    def export(self, feed: Feed) -> bytes:
        return FORMATS[self.kind].export(feed)


def outputs(config: Config) -> list[Output]:
    """Each feed output.

    ``feed_url`` is where the first output (RSS, else Atom, else JSON) is served;
    the others are served beside it as they lie beside it on disk, so each
    document's self link names the document itself.
    """
    output = config.output
    formats = (
        (output.rss, FeedFormat.RSS),
        (output.atom, FeedFormat.ATOM),
        (output.json, FeedFormat.JSON),
    )
    present = [(path, kind) for path, kind in formats if path is not None]
    base_url, base_dir = config.info.feed_url, present[0][0].parent
    return [
        Output(
            path=path,
            # Percent-encoded: a file named "javascript:x.xml" is a path, not a URL scheme.
            url=urljoin(base_url, quote(os.path.relpath(path, base_dir).replace(os.sep, "/")))
            if base_url
            else None,
            kind=kind,
        )
        for path, kind in present
    ]


def page_url_of(config: Config, page: Path) -> str:
    """Where the page is served: beside the first output as on disk, under feed_url or link."""
    first = outputs(config)[0].path
    return page_url(page, feed=first, feed_url=config.info.feed_url or config.info.link)


def fingerprint(config: Config, state: State) -> str:
    """What the outputs are rendered from, as a digest."""
    archived = config.output.archive is not None
    basis = repr(
        (
            _RENDERING,
            state.generation(),
            config.info,
            config.max_items,
            None if archived else config.max_age_days,
            [source.key for source in config.sources],
            config.output,
        )
    )
    return hashlib.sha256(basis.encode()).hexdigest()


def unchanged(config: Config, state: State) -> Publication | None:
    """The last publication, when it is still what the state would render and on disk."""
    stored = state.setting(_PUBLICATION_SETTING)
    if stored is None:
        return None
    last = Publication(**json.loads(stored))
    if last.fingerprint != fingerprint(config, state) or last.files != _files(config):
        return None
    return last


def _files(config: Config) -> dict[str, list[int]]:
    """The current output files' sizes and modification times: cheap to compare each run."""
    paths = [output.path for output in outputs(config)]
    if config.output.html is not None:
        paths.append(config.output.html)
    files = {}
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        files[str(path)] = [status.st_size, status.st_mtime_ns]
    return files


@dataclass(frozen=True, slots=True, kw_only=True)
class Written:
    """What a publication wrote."""

    #: Every file rewritten (its bytes changed).
    paths: tuple[Path, ...]
    #: The URLs of the current documents that changed, for the hubs.
    changed_urls: tuple[str, ...]


def write_pages(config: Config, state: State) -> list[Path]:
    """Write the archive pages that filled up, one at a time, each in every format; the
    files that changed. A page is recorded as archived once written: a run killed in
    between writes the same page again."""
    folder = config.output.archive
    assert folder is not None  # noqa: S101 - only called with archives
    written = []
    while (page := state.next_page(config.max_items)) is not None:
        for output in outputs(config):
            document = archive_page(
                replace(config.info, feed_url=output.url),
                page.items,
                path=page_path(folder, page.number, output.suffix),
                previous=previous_page(state, folder, page.number, output.suffix),
                following=page_path(folder, page.number + 1, output.suffix),
                output=output.path,
                output_url=output.url,
            )
            if write_atomic(document.path, output.export(document.feed)):
                written.append(document.path)
        state.close_page(page)
    return written


def write_current(
    config: Config, state: State, items: Sequence[NewsItem], *, last_page: int
) -> Written:
    """Write the current documents and the page, and record the publication."""
    feed = Feed(info=config.info, items=tuple(items))
    folder = config.output.archive
    paths: list[Path] = []
    urls: list[str] = []
    archive_links: list[tuple[Path, FeedFormat]] = []
    for output in outputs(config):
        document = replace(feed, info=replace(feed.info, feed_url=output.url))
        previous = (
            None if folder is None else previous_page(state, folder, last_page + 1, output.suffix)
        )
        if previous is not None:
            link = url_of(previous, output=output.path, output_url=output.url)
            document = replace(document, archive=ArchiveLinks(prev_archive=link))
            archive_links.append((previous, output.kind))
        if write_atomic(output.path, output.export(document)):
            paths.append(output.path)
            if output.url is not None:
                urls.append(output.url)
    html = config.output.html
    if html is not None:
        # Feed readers are pointed at the feeds' public URLs, or relative ones without.
        links = [
            Alternate(media_type=FORMATS[output.kind].media_type, href=output.url)
            if output.url is not None
            else alternates_for(html, [(output.path, output.kind)])[0]
            for output in outputs(config)
        ]
        older = alternates_for(html, archive_links)
        if write_atomic(html, to_html(feed, links, older)):
            paths.append(html)
    publication = Publication(
        fingerprint=fingerprint(config, state), items=len(items), files=_files(config)
    )
    state.keep(_PUBLICATION_SETTING, json.dumps(asdict(publication), sort_keys=True))
    return Written(paths=tuple(paths), changed_urls=tuple(urls))


def ping(config: Config, urls: Sequence[str]) -> tuple[HubPing, ...]:
    """Tell the hubs about the current documents that changed."""
    return publish(config.info.hubs, list(urls), timeout=config.fetch.timeout)
