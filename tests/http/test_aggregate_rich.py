"""A member's news reaches the combined feed as written: bodies, pictures, podcasts, people.

The member serves its feed on 127.0.0.1 with what real feeds carry (relative links in an
HTML body, an ``email (Name)`` author, an mp3 enclosure, a thumbnail); the combined
feed is read back in every format.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aggregator_fixtures import RSS_TYPE, Aggregation, Answer, FeedServer
from newsfeed import Enclosure, Person

MEMBER = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Volga Components news</title>
  <link>https://components.example/news/</link>
  <description>Member news</description>
  <managingEditor>editor@components.example (Editorial team)</managingEditor>
  <dc:creator>Editorial team</dc:creator>
  <item>
    <title>Supplier Day, the recording</title>
    <link>https://components.example/news/supplier-day</link>
    <guid>https://components.example/news/supplier-day</guid>
    <pubDate>Thu, 18 Jun 2020 12:00:00 +0300</pubDate>
    <author>press@volga-seats.example (Press Office)</author>
    <description>&lt;p&gt;Our team met buyers.&lt;/p&gt;</description>
    <content:encoded><![CDATA[<p>Our team met <a href="/partners/mitsuba">Mitsuba</a> buyers.</p>
<ul><li>9 suppliers</li><li>3 contracts</li></ul>
<img src="images/day.jpg" alt="The meeting" onerror="alert(1)"><script>alert(2)</script>
<p>The <a href="files/report.pdf">report (PDF)</a>.</p>]]></content:encoded>
    <enclosure url="https://components.example/podcast/supplier-day.mp3" length="5120000"
               type="audio/mpeg"/>
    <media:thumbnail url="https://components.example/news/images/day-thumb.jpg"/>
  </item>
  <item>
    <title>Plant tour</title>
    <link>https://components.example/news/tour</link>
    <pubDate>Mon, 15 Jun 2020 09:00:00 +0300</pubDate>
    <description>Tour of the plant.</description>
  </item>
</channel>
</rss>
"""


@pytest.fixture
def member() -> Iterator[FeedServer]:
    server = FeedServer({})
    answer: Answer = (200, {"Content-Type": RSS_TYPE}, MEMBER.encode())
    server.routes["/news/rss.xml"] = lambda: answer
    yield server
    server.close()


@pytest.mark.parametrize("kind", ["rss", "atom", "json"])
def test_the_combined_feed_carries_the_members_news_as_written(
    setup: Aggregation, member: FeedServer, kind: str
) -> None:
    setup.configure([{"name": "Volga", "url": member.url("/news/rss.xml")}])
    setup.run()

    day, tour = setup.published(kind).items
    base = member.url("/news/")
    # The body is the member's HTML, sanitized, with every relative URL made absolute
    # against the document's URL.
    assert f'<a href="{member.url("/partners/mitsuba")}">Mitsuba</a>' in day.content_html
    assert "<li>9 suppliers</li>" in day.content_html
    assert f'<img src="{base}images/day.jpg" alt="The meeting">' in day.content_html
    assert f'<a href="{base}files/report.pdf">' in day.content_html
    assert "script" not in day.content_html
    assert "onerror" not in day.content_html
    assert day.summary == "Our team met buyers."
    assert day.enclosures == (
        Enclosure(
            url="https://components.example/podcast/supplier-day.mp3",
            media_type="audio/mpeg",
            length=5120000,
        ),
    )
    assert day.image == "https://components.example/news/images/day-thumb.jpg"
    assert day.authors == (Person(name="Press Office", email="press@volga-seats.example"),)
    # An item without an author of its own is by its feed's author, not by the combined
    # feed's publisher.
    assert tour.author == "Editorial team"
