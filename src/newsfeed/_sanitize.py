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


def sanitize_html(markup: str, *, base: str | None = None) -> str:
    """*markup* with only the allowlisted elements, attributes and absolute URLs left.

    Relative ``href``/``src`` are resolved against *base* first; without a base
    they are removed. The result is stripped of surrounding whitespace and uses
    ``\\n`` line breaks, and cleaning it again gives it back unchanged.
    """
    markup = markup.replace("\r\n", "\n").replace("\r", "\n")
    if base is not None:
        try:
            return nh3.clean(markup, **_ALLOWLIST, url_relative=("rewrite_with_base", base)).strip()
        except ValueError:
            # A base the WHATWG URL parser refuses (http://a.0.0/: "invalid IPv4 address")
            # resolves nothing: its relative URLs go, as without a base.
            pass
    return _WITHOUT_BASE.clean(markup).strip()
