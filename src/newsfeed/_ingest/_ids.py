"""Item ids: every id the model holds is an absolute URI, stable across reads."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from newsfeed._model import is_item_id

# Ids that are not URIs (RSS allows any guid) become URNs in this namespace, per scope.
# Release 0.1.0's aggregator gave stored ids this namespace and formula: they must not change.
_ID_NAMESPACE = uuid.UUID("5c0f8f0e-2b1a-5d55-8b7e-6e65777366ee")


def uri_id(scope: str, entry_id: str) -> str:
    """*entry_id* if the model takes it (a URI with a host, or a ``urn:``/``tag:`` URI); else a URN.

    This is release 0.1.0's rule, kept so that the ids it stored do not change (a
    YouTube ``yt:video:...`` id was stored as a URN), and so that an id such as
    ``javascript:alert(1)`` is never republished. The scope keeps the same guid of two
    feeds apart: the aggregator passes its source key, a reader of one document its URL.
    """
    if is_item_id(entry_id):
        return entry_id
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, scope + chr(10) + entry_id)}"


def fallback_id(text: str | None, published: datetime | None) -> str:
    """The id of an entry without id or link, from its title (or text) and date.

    Stable across runs: an undated entry's id must not depend on when it was read.
    """
    key = f"{text}\n{published.isoformat() if published else ''}"
    return "urn:sha256:" + hashlib.sha256(key.encode()).hexdigest()
