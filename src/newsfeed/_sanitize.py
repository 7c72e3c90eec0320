"""HTML bodies made safe to republish: nh3 (the Ammonia sanitizer) with a fixed allowlist.

The only module that touches nh3. What is kept is what a news item's body
needs to read as its author wrote it, and nothing that can run, load or
restyle anything in a reader or on a page:

- structure: ``p br hr div span h1``–``h6 blockquote pre figure figcaption``,
  lists (``ul ol li dl dt dd``), tables (``table caption thead tbody tfoot tr th td col
  colgroup``);
- text: ``a em strong b i u s del ins mark small sub sup q cite abbr code kbd samp var time``;
- images: ``img`` with ``src``, ``alt``, ``width``, ``height`` and ``title``;
- links: ``a`` with ``href`` and ``title``; ``ol start``; ``td``/``th`` ``colspan``/``rowspan``.

URLs must be ``http``, ``https`` or ``mailto``; a relative URL is resolved against
the base given, and dropped when there is none. No script, style, event handler,
iframe, object, form or ``style`` attribute survives; the content of ``script``,
``style`` and ``template`` is dropped with them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import nh3

_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s",
        "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th",
        "thead", "time", "tr", "u", "ul", "var",
    }
)  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height", "title"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
    "time": {"datetime"},
}
_SCHEMES = frozenset({"http", "https", "mailto"})
_DROPPED_WITH_CONTENT = frozenset({"script", "style", "template"})

# Everything but the handling of relative URLs, which depends on the document.
_ALLOWLIST: dict[str, Any] = {
    "tags": set(_TAGS),
    "clean_content_tags": set(_DROPPED_WITH_CONTENT),
    "attributes": _ATTRIBUTES,
    "url_schemes": set(_SCHEMES),
    "link_rel": None,
    "strip_comments": True,
}
_WITHOUT_BASE = nh3.Cleaner(**_ALLOWLIST, url_relative="deny")
# Passes after the first before markup counts as never settling (two have always been enough).
_MAX_REPAIRS = 4


@lru_cache(maxsize=32)
def _with_base(base: str) -> nh3.Cleaner:
    # Building a cleaner costs about as much as cleaning a body with it, and a feed's
    # bodies mostly share one base (its URL): one cleaner per base, for a few bases.
    return nh3.Cleaner(**_ALLOWLIST, url_relative=("rewrite_with_base", base))


def _cleaner(base: str | None) -> nh3.Cleaner:
    if base is not None:
        try:
            return _with_base(base)
        except ValueError:
            # A base the WHATWG URL parser refuses (http://a.0.0/: "invalid IPv4 address")
            # resolves nothing: its relative URLs go, as without a base.
            pass
    return _WITHOUT_BASE


def _clean(markup: str, cleaner: nh3.Cleaner) -> str:
    return cleaner.clean(markup.replace("\r\n", "\n").replace("\r", "\n")).strip()


def sanitize_html(markup: str, *, base: str | None = None) -> str:
    """*markup* with only the allowlisted elements, attributes and absolute URLs left.

    Relative ``href``/``src`` are resolved against *base* first; without a base
    they are removed. The result is stripped of surrounding whitespace and uses
    ``\\n`` line breaks, and cleaning it again gives it back unchanged.
    """
    cleaned = _clean(markup, _cleaner(base))
    # One pass is not always the end: ammonia repairs malformed markup into markup it then
    # repairs again ("<p><button><p>x" gives "<p><p>x</p></p>", then "<p></p><p>x</p><p></p>"),
    # and "&#13;" becomes a CR only the next pass turns into a line break. The model keeps
    # the fixed point, so that building an item again from its own values keeps its body.
    # (Every URL is absolute after the first pass: the later ones need no base.)
    for _ in range(_MAX_REPAIRS):
        again = _clean(cleaned, _WITHOUT_BASE)
        if again == cleaned:
            return cleaned
        cleaned = again
    # Markup that never settles is made to be hostile, not written by hand: no body.
    return ""
