"""Publish the bundled bulletin from Python: the library API behind ``newsfeed build``.

Usage: python examples/publish.py OUTPUT_DIR
"""

import sys
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
    feed = newsfeed.Feed(info=info, items=tuple(items))
    newsfeed.write_atomic(output / "feed.xml", newsfeed.to_rss(feed))
    newsfeed.write_atomic(output / "atom.xml", newsfeed.to_atom(feed))
    newsfeed.write_atomic(output / "feed.json", newsfeed.to_json_feed(feed))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "public")))
