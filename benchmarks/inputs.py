"""Deterministic inputs for the benchmarks: bulletins, the items a feedgen user would hold, feeds.

Everything comes from a seeded generator, so two runs (or two machines) measure the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

SEED = 20200618
BODY_WORDS = 40
#: One record in this many has no headline.
HEADLINE_LESS_EVERY = 10
# Pseudo-words from syllables: ASCII prose with a realistic spread of word lengths, and no
# word list to ship.
_SYLLABLES = (
    "ka", "lo", "mi", "ten", "var", "so", "ri", "dus", "pel", "an", "tor", "be", "gri", "um",
    "sta", "ne", "vol", "ex", "po", "lin", "ar", "cu", "mes", "ta", "dor", "fi", "ol", "res",
)  # fmt: skip
_MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)  # fmt: skip
FEED_TITLE = "Benchmark bulletin"
FEED_LINK = "https://bench.example/news/"
FEED_URL = "https://bench.example/news/feed.xml"


@dataclass(frozen=True, slots=True)
class Record:
    """One bulletin record as generated."""

    headline: str | None
    body: str
    first_sentence: str
    day: date


VOCABULARY = tuple(
    "".join(random.Random(SEED + index).choices(_SYLLABLES, k=1 + index % 4))
    for index in range(4000)
)


def _words(rng: random.Random, count: int) -> list[str]:
    return rng.choices(VOCABULARY, k=count)


def _sentence(rng: random.Random, count: int) -> str:
    words = _words(rng, count)
    return " ".join([words[0].capitalize(), *words[1:]]) + "."


def records(count: int, seed: int = SEED) -> Iterator[Record]:
    """*count* records, newest first, as the sample bulletin holds them."""
    rng = random.Random(seed)
    day = date(2025, 12, 31)
    for index in range(count):
        # One to three sentences, about BODY_WORDS words in all.
        sentences = rng.randint(1, 3)
        sizes = [BODY_WORDS // sentences + rng.randint(-3, 3) for _ in range(sentences)]
        body = [_sentence(rng, size) for size in sizes]
        # Some records have no headline, as in the sample bulletin.
        last = HEADLINE_LESS_EVERY - 1
        headline = (
            None if index % HEADLINE_LESS_EVERY == last else _sentence(rng, rng.randint(5, 12))[:-1]
        )
        yield Record(headline=headline, body=" ".join(body), first_sentence=body[0], day=day)
        # About two records a day, so some days hold several and ids count occurrences.
        day -= timedelta(days=rng.randint(0, 1))


def date_line(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def bulletin_text(count: int, seed: int = SEED) -> str:
    """A bulletin in the sample's layout: headline, blank, body, blank, date line."""
    lines: list[str] = []
    for record in records(count, seed):
        if record.headline is None:
            # A record without a headline starts with a blank line after the previous date.
            lines.extend(["", record.body, "", date_line(record.day)])
        else:
            lines.extend([record.headline, "", record.body, "", date_line(record.day)])
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a program using feedgen directly would hold before writing a feed."""

    id: str
    title: str
    text: str
    html: str
    published: datetime


def prepared_items(count: int, seed: int = SEED) -> list[Prepared]:
    """The same records, already shaped for feedgen: the baseline's input."""
    items = []
    for record in records(count, seed):
        title = record.headline or record.first_sentence[:-1]
        digest = hashlib.sha256(title.casefold().encode()).hexdigest()[:20]
        items.append(
            Prepared(
                id=f"tag:bench.example,{record.day.isoformat()}:{digest}",
                title=title,
                text=record.body,
                html=f"<p>{html.escape(record.body, quote=False)}</p>",
                published=datetime(record.day.year, record.day.month, record.day.day, tzinfo=UTC),
            )
        )
    return items


def rss_feed(host: str, entries: int, seed: int = SEED) -> bytes:
    """A publisher's RSS 2.0 feed of *entries* items, different for every host."""
    rng = random.Random(f"{seed}:{host}")
    start = datetime(2025, 12, 31, 12, tzinfo=UTC)
    items = []
    for index in range(entries):
        title = _sentence(rng, rng.randint(5, 12))[:-1]
        body = " ".join(_sentence(rng, BODY_WORDS // 2) for _ in range(2))
        when = (start - timedelta(hours=7 * index)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        items.append(
            f"<item><title>{title}</title><link>http://{host}/news/{index}</link>"
            f'<guid isPermaLink="false">urn:bench:{host}:{index}</guid>'
            f"<pubDate>{when}</pubDate><description>&lt;p&gt;{body}&lt;/p&gt;</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Publisher {host}</title><link>http://{host}/</link>"
        f"<description>News of {host}</description>{''.join(items)}</channel></rss>\n"
    ).encode()
