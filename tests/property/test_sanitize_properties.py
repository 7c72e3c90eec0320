"""The sanitizer's output is a fixed point: what the model keeps, it keeps on every rebuild."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from newsfeed import NewsItem
from newsfeed._sanitize import sanitize_html
from strategies import aware_datetimes

# Tag soup as hostile and careless feeds write it: unclosed, misnested, forms inside
# paragraphs, tables around text, character references to line breaks.
_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<button>", "</button>", "<table>", "</table>", "<tr>", "<td>",
        "<ul>", "<li>", "</ul>", "<b>", "</b>", "<i>", '<a href="y.html">', "</a>",
        '<img src="z.png">', "<form>", "<select>", "<option>", "<h1>", "<blockquote>",
        "<pre>", "<svg>", "<math>", "<noscript>", "<template>", "&#13;", "&#10;", "\r",
        " ", "x", "<!--", "-->", "<br>", "<figure>", "<figcaption>",
    ]
)  # fmt: skip
MARKUP = st.lists(_PIECES, max_size=25).map("".join)


@given(markup=MARKUP, base=st.none() | st.just("https://example.org/posts/"))
def test_sanitizing_again_changes_nothing(markup: str, base: str | None) -> None:
    cleaned = sanitize_html(markup, base=base)
    assert sanitize_html(cleaned) == cleaned


@given(markup=MARKUP, published=aware_datetimes())
def test_an_item_built_from_its_own_values_keeps_its_body(markup: str, published) -> None:
    item = NewsItem(id="urn:x:1", title="t", published=published, content_html=markup)
    again = NewsItem(
        id=item.id, title=item.title, published=item.published, content_html=item.content_html
    )
    assert again.content_html == item.content_html
