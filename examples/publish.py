"""Publish the bundled bulletin from Python: the library API behind ``newsfeed build``.

Besides the bulletin's records, one item is built in code with what a bulletin
cannot hold: an HTML body, a picture, an enclosure (a podcast episode) and authors.

Usage: python examples/publish.py OUTPUT_DIR
"""

import sys
from datetime import UTC, datetime
from pathlib import Path

import newsfeed

HERE = Path(__file__).parent


def main(output: Path) -> int:
    info = newsfeed.FeedInfo(
        title="Automotive cluster news",
        link="https://example.org/news/",
        description="News of the automotive industry cluster",
        feed_url="https://example.org/news/feed.xml",
        language="en",
    )
    try:
        items = newsfeed.load_bulletin(HERE / "news.txt", feed_url=info.feed_url)
    except newsfeed.BulletinError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    episode = newsfeed.NewsItem(
        id="https://example.org/news/podcast/1",
        title="Cluster podcast, episode 1: localization",
        published=datetime(2020, 6, 19, 9, 0, tzinfo=UTC),
        link="https://example.org/news/podcast/1",
        summary="Three suppliers on what localization takes. Slides: https://example.org/s.pdf",
        content_html=(
            "<p>Three suppliers on what localization takes.</p>"
            '<ul><li><a href="https://example.org/s.pdf">Slides (PDF)</a></li></ul>'
            '<img src="https://example.org/news/podcast/1/studio.jpg" alt="In the studio">'
        ),
        image="https://example.org/news/podcast/1/cover.jpg",
        enclosures=(
            newsfeed.Enclosure(
                url="https://example.org/news/podcast/1.mp3",
                media_type="audio/mpeg",
                length=24_117_248,
            ),
        ),
        authors=(newsfeed.Person(name="Press office", email="press@example.org"),),
    )
    feed = newsfeed.Feed(info=info, items=(episode, *items))
    newsfeed.write_atomic(output / "feed.xml", newsfeed.to_rss(feed))
    newsfeed.write_atomic(output / "atom.xml", newsfeed.to_atom(feed))
    newsfeed.write_atomic(output / "feed.json", newsfeed.to_json_feed(feed))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "public")))
