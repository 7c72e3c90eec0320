"""Merging the sources: which stored items the documents show, and which the state still needs.

Deduplication is the state's (:meth:`State.publish`): an item gets an entry unless an
item with its id or link already has one; among items new in the same run, and over an
entry still in the current document, the source listed first in the configuration wins.
"""

from __future__ import annotations

from datetime import datetime

from newsfeed._config import Config
from newsfeed._model import NewsItem
from newsfeed._state import State
from newsfeed.aggregate._transitions import oldest_shown


def merge(config: Config, state: State, now: datetime) -> None:
    """Give the items new since the last run their entries; without archives, prune the
    items past ``max_age_days`` (retention)."""
    state.publish([source.key for source in config.sources])
    oldest = oldest_shown(config, now)
    if config.output.archive is None and oldest is not None:
        state.prune(oldest=oldest)


def current_items(config: Config, state: State, now: datetime) -> list[NewsItem]:
    """The current document's items, newest first (ties by id).

    With archives: every entry not archived yet (from ``max_items`` to twice that less
    one). Without: the newest ``max_items``, none older than ``max_age_days``.
    """
    keys = [source.key for source in config.sources]
    if config.output.archive is not None:
        return state.current(keys, limit=None, oldest=None)
    return state.current(keys, limit=config.max_items, oldest=oldest_shown(config, now))
