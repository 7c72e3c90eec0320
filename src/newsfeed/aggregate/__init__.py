"""The aggregator: fetch every source, keep what it gives in the state, publish what changed.

- :mod:`._schedule`: when a source is fetched next (pure: clock and randomness passed in);
- :mod:`._transitions`: what each fetch outcome does to a source's state;
- :mod:`._remote`: the fetch loop over the due URL sources;
- :mod:`._merge`: which stored items the documents show (deduplication, retention);
- :mod:`._archive` and :mod:`._publish`: the outputs, archive pages, page and WebSub pings;
- :mod:`._run`: :func:`aggregate`, one run.

Politeness lives in the state: after a fetch, a source is not fetched again
before its ``Cache-Control: max-age`` is over, before its ``Retry-After``, or,
after failures, before an exponential backoff; each wait gets a little jitter,
so that sources first added together do not stay in step.
"""

from newsfeed._state import Outcome
from newsfeed.aggregate._report import Report, SourceReport
from newsfeed.aggregate._run import aggregate

__all__ = ["Outcome", "Report", "SourceReport", "aggregate"]
