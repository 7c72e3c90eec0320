"""Plain text: to HTML and back, normal form, and titles derived from text.

``html_to_text(text_to_html(text)) == text`` for every summary the model
accepts, so plain text survives formats that carry HTML (RSS ``description``).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from html.parser import HTMLParser

from newsfeed._model import is_web_url, reads_as_mojibake
from newsfeed._sanitize import sanitize_html

# Elements that start a new paragraph, as a browser shows them.
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5",
        "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary",
        "table", "tr", "ul",
    }
)  # fmt: skip
# Elements whose content is never shown as text.
_HIDDEN = frozenset(
    {"head", "iframe", "noscript", "object", "script", "style", "svg", "template", "title"}
)
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                   "source", "track", "wbr"})  # fmt: skip
# In HTML source, a line break is formatting: with the whitespace around it, it is one space.
_SOURCE_BREAK = re.compile(r"[ \t]*[\r\n][\s]*")
_PARAGRAPH = "\x00"  # stands for a paragraph boundary until the text is assembled


# A web address written in text: up to a space or a character that cannot stand in one.
_WRITTEN_URL = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
# Punctuation that ends the sentence a URL stands in, not the URL.
_TRAILING = ".,;:!?'’”»"


def _linked_url(url: str) -> tuple[str, str]:
    """The URL a written one stands for, and what follows it in the sentence."""
    end = len(url)
    while end and (
        url[end - 1] in _TRAILING
        # "(see https://x.org/a)": the ")" closes the sentence's parenthesis.
        or (url[end - 1] == ")" and url.count("(", 0, end) < url.count(")", 0, end))
    ):
        end -= 1
    return url[:end], url[end:]


def _line_to_html(line: str) -> str:
    """One line as HTML, with each web address in it made a link to itself."""
    if "://" not in line:  # as most lines: no address to look for
        return html.escape(line, quote=False)
    parts: list[str] = []
    position = 0
    for match in _WRITTEN_URL.finditer(line):
        url, rest = _linked_url(match.group())
        parts.append(html.escape(line[position : match.start()], quote=False))
        # Only what the model takes for a link becomes one: never "http://" alone.
        if is_web_url(url):
            parts.append(f'<a href="{html.escape(url)}">{html.escape(url, quote=False)}</a>')
        else:
            parts.append(html.escape(url, quote=False))
        parts.append(html.escape(rest, quote=False))
        position = match.end()
    parts.append(html.escape(line[position:], quote=False))
    return "".join(parts)


def text_to_html(text: str) -> str:
    """Render model text as HTML: a ``<p>`` per paragraph, ``<br />`` between lines.

    Web addresses (``http://`` and ``https://``) in the text become links to
    themselves; the text a reader sees is unchanged, so
    ``html_to_text(text_to_html(text)) == text``.
    """
    return "".join(
        "<p>" + "<br />".join(_line_to_html(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in text.split("\n\n")
        if paragraph
    )


@lru_cache(maxsize=64)
def rendered_body(text: str) -> str:
    """*text* rendered as HTML and sanitized: the HTML body that says no more than *text*.

    Reading an entry compares its body with this, and so does the item made of it,
    right after: the second comparison finds it cached.
    """
    return sanitize_html(text_to_html(text))


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.pre_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002 - HTMLParser's signature
        if tag in _HIDDEN and tag not in _VOID:
            self.hidden_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)
            if tag == "pre":
                self.pre_depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <div/> and <script/> open nothing: only their boundary counts.
        if tag not in _HIDDEN:
            self.handle_starttag(tag, attrs)
            if tag == "pre":
                self.pre_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN and tag not in _VOID:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append(_PARAGRAPH)
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)

    def handle_data(self, data: str) -> None:
        if self.hidden_depth:
            return
        if self.pre_depth:
            self.parts.append(data.replace("\r\n", "\n").replace("\r", "\n"))
        else:
            self.parts.append(_SOURCE_BREAK.sub(" ", data))


def html_to_text(markup: str) -> str:
    """Convert HTML to the model's plain text, as a reader would see it.

    Block elements become paragraphs, ``<br>`` a line break, character
    references their characters; scripts, styles and other hidden content are
    dropped. Line breaks in the source are formatting and become one space;
    spaces within a line are kept as written.
    """
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return normalise_text("".join(extractor.parts).replace(_PARAGRAPH, "\n\n"))


def normalise_text(text: str) -> str:
    """Bring text into the model's form: stripped lines, paragraphs split by one blank line."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip() for line in block.split("\n")]
        paragraph = "\n".join(line for line in lines if line)
        if paragraph:
            paragraphs.append(paragraph)
    return "\n\n".join(paragraphs)


#: Derived titles are cut at a word boundary to at most this many characters.
TITLE_LENGTH = 80
_ELLIPSIS = "…"
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")
_WORD = re.compile(r"[^\W\d_]+")
# A full stop after one of these (any case) abbreviates; it does not end the sentence.
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "st", "mt", "jr", "sr", "inc", "ltd", "co", "corp",
        "no", "vs", "etc", "approx", "dept", "fig", "gen", "gov", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "гг", "ул", "им", "см", "стр", "руб", "тыс", "млн", "млрд", "проф", "акад", "др", "пр",
    }
)  # fmt: skip
# One character more than the longest abbreviation: a last word this long is none of them.
_TAIL = max(map(len, _ABBREVIATIONS)) + 1


def _abbreviates(before: str) -> bool:
    """Whether a full stop after *before* marks an abbreviation or an initial."""
    # The last word is looked for in the few characters that can hold an abbreviation (or
    # show that the word is longer than any), reversed and matched from their start: a
    # search for a word at the end would try every position before it.
    reversed_word = _WORD.match(before[: -_TAIL - 1 : -1])
    if reversed_word is None:
        return False
    # One letter is an initial or part of one: "J. Smith", "U.S.", "2019 г.".
    word = reversed_word.group()[::-1]
    return len(word) == 1 or word.casefold() in _ABBREVIATIONS


def derive_title(summary: str) -> str:
    """A title for text that has none: its first sentence, cut to fit.

    The first sentence of the first paragraph (up to ``.``, ``!``, ``?`` or ``…``
    followed by a space; a full stop after a single letter or a common
    abbreviation such as ``St.`` or ``Inc.`` does not end it), without a
    final full stop; if longer than :data:`TITLE_LENGTH` characters it is cut at
    the last word boundary that fits and ``…`` is appended.
    """
    first_paragraph = summary.partition("\n\n")[0].replace("\n", " ")
    sentence = first_paragraph
    # A sentence that ends past TITLE_LENGTH + 1 characters is cut at a word boundary
    # before, as the paragraph is: its end is looked for no further (the stop's next
    # character is the last one looked at). Leading white space, stripped, would move that.
    ends = len(first_paragraph) if first_paragraph[:1].isspace() else TITLE_LENGTH + 2
    # One search at a time: finditer's scanner costs more than the search most titles need.
    end = _SENTENCE_END.search(first_paragraph, 0, ends)
    while end is not None:
        before = first_paragraph[: end.start()]
        # A stop before any word ends no sentence: the title of ". x" is not "" but ". x".
        if before.strip() and (end.group() != "." or not _abbreviates(before)):
            sentence = first_paragraph[: end.end()]
            break
        end = _SENTENCE_END.search(first_paragraph, end.end(), ends)
    sentence = sentence.strip()
    if len(sentence) > TITLE_LENGTH:
        # Cut, it ends in "…", which Latin-1 cannot encode: it never reads as mojibake.
        return _fit(sentence)
    if sentence.endswith(".") and not sentence.endswith("..") and sentence[:-1].strip():
        sentence = sentence[:-1].rstrip()
    if reads_as_mojibake(sentence):
        # Cut out of "Ã© x. Привет", "Ã© x" reads as UTF-8 misread as Latin-1, which the
        # model refuses; the paragraph, whose lines the model took, never does.
        return _fit(first_paragraph)
    return sentence


def _fit(text: str) -> str:
    """*text* if it fits in a title, else cut at the last word boundary that fits, with ``…``."""
    if len(text) <= TITLE_LENGTH:
        return text
    cut = text[: TITLE_LENGTH - len(_ELLIPSIS) + 1]
    head, space, _ = cut.rpartition(" ")
    return (head if space and head else cut[:-1]).rstrip(" ,;:-–—") + _ELLIPSIS
