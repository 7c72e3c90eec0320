"""Real feeds keep what matters through newsfeed: an independent reader finds it in every output.

The corpus and the measure are in tests/fidelity.py; ``python tests/fidelity.py``
prints the same table this test shows when it fails (``--misses`` lists each loss).
"""

from __future__ import annotations

import pytest

import fidelity


@pytest.fixture(scope="module")
def report() -> fidelity.Report:
    return fidelity.measure(fidelity.corpus())


def test_the_corpus_gives_the_referee_enough_of_everything_to_measure(report):
    # A measure over a handful of links or enclosures would let one loss hide as noise.
    totals = report.tallies["rss"].total
    assert report.files >= 25
    assert totals["entries"] >= 100
    assert totals["titles"] >= 100
    assert totals["dates"] >= 100
    assert totals["first authors"] >= 50
    assert totals["enclosure URLs"] >= 25
    assert totals["link targets in bodies"] >= 150
    assert totals["images in bodies"] >= 50


def test_newsfeed_reads_every_feed_of_the_corpus_and_writes_what_the_referee_reads(report):
    assert not report.crashes, report.table()


# Open in issue #10, and out of reach with this referee: of an entry with several authors,
# reader shows one of an Atom entry's (feedparser's last), but splits an RSS author string and
# shows a JSON Feed item's first. newsfeed's Atom writes the first author as the author and
# the others as contributors, so reader shows the first: the two arXiv-like Atom entries of
# the corpus, whose originals reader shows by their last author, miss (86/88). Writing every
# author as an author instead misses the RSS and JSON Feed co-authored items the same way.
# Strict: the mark fails the suite as soon as Atom meets the target.
_FIRST_AUTHORS_OPEN = pytest.mark.xfail(
    reason="issue #10: first authors 97.7% in Atom (reader shows the last of an Atom original)",
    strict=True,
)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=_FIRST_AUTHORS_OPEN) if name == "atom" else name
        for name in fidelity.FORMATS
    ],
)
def test_the_referee_finds_in_each_output_what_it_found_in_the_originals(report, name):
    short = report.short_of(name)
    # A few of the losses, to start from; `python tests/fidelity.py --misses` lists all.
    misses = [miss for miss in report.tallies[name].misses if miss.split(": ")[2] in short]
    assert not short, (
        f"{name}: below {fidelity.TARGET:.0%}: {', '.join(short)}\n{report.table()}\n"
        + "\n".join(misses[:15])
    )
