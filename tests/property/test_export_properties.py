"""Properties of the exporters' own formatting."""

from __future__ import annotations

from email.utils import format_datetime

from hypothesis import given, settings

from newsfeed._export import _rfc822, _stamp
from strategies import aware_datetimes


@settings(max_examples=500, deadline=None)
@given(moment=aware_datetimes(min_year=2, max_year=9998))
def test_rss_dates_are_written_as_the_standard_library_writes_them(moment):
    # The exporter formats RFC 822 dates itself, for speed: the standard's text, every time
    # (offsets east and west, years before 1000, every weekday).
    stamped = _stamp(moment)
    assert _rfc822(stamped) == format_datetime(stamped)
