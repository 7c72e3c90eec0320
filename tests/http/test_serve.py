"""`newsfeed serve`: the preview server, started as a user would, asked over real HTTP."""

import gzip
from pathlib import Path

import httpx
import pytest

import newsfeed
import processes
from serving import newsfeed_serve

EXAMPLE = Path(__file__).parents[2] / "examples" / "news.txt"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("public")
    info = newsfeed.FeedInfo(
        title="News",
        link="https://example.org/",
        description="d",
        feed_url="https://example.org/feed.xml",
    )
    feed = newsfeed.Feed(info=info, items=tuple(newsfeed.load_bulletin(EXAMPLE)))
    (folder / "feed.xml").write_bytes(newsfeed.to_rss(feed))
    (folder / "atom.xml").write_bytes(newsfeed.to_atom(feed))
    (folder / "feed.json").write_bytes(newsfeed.to_json_feed(feed))
    (folder / "index.html").write_text("<!DOCTYPE html><title>News</title>")
    (folder.parent / "secret.txt").write_text("not to be served")
    with newsfeed_serve(folder) as url:
        yield url


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("feed.xml", "application/rss+xml; charset=utf-8"),
        ("atom.xml", "application/atom+xml; charset=utf-8"),
        ("feed.json", "application/feed+json; charset=utf-8"),
        ("", "text/html; charset=utf-8"),
    ],
)
def test_each_output_has_its_media_type(site, path, media_type) -> None:
    response = httpx.get(site + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type


def test_an_etag_or_a_date_gets_304(site) -> None:
    first = httpx.get(site + "feed.xml", headers={"Accept-Encoding": "identity"})
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    by_etag = httpx.get(site + "feed.xml", headers={"If-None-Match": etag})
    by_date = httpx.get(site + "feed.xml", headers={"If-Modified-Since": modified})
    changed = httpx.get(site + "feed.xml", headers={"If-None-Match": '"something-else"'})
    assert (by_etag.status_code, by_date.status_code, changed.status_code) == (304, 304, 200)
    assert by_etag.content == b""


def test_gzip_when_asked(site) -> None:
    plain = httpx.get(site + "atom.xml", headers={"Accept-Encoding": "identity"})
    with httpx.stream("GET", site + "atom.xml", headers={"Accept-Encoding": "gzip"}) as response:
        raw = b"".join(response.iter_raw())
        encoding = response.headers.get("content-encoding")
    assert encoding == "gzip"
    assert gzip.decompress(raw) == plain.content
    assert "content-encoding" not in plain.headers


def test_nothing_outside_the_folder_is_served(site) -> None:
    with httpx.Client() as client:
        request = client.build_request("GET", site + "../secret.txt")
        request.url = request.url.copy_with(raw_path=b"/../secret.txt")
        assert client.send(request).status_code == 404
    assert httpx.get(site + "%2e%2e/secret.txt").status_code == 404
    assert httpx.get(site + "missing.xml").status_code == 404


def test_a_missing_folder_is_a_usage_error(tmp_path) -> None:
    result = processes.newsfeed("serve", tmp_path / "none")
    assert result.returncode == 2
    assert "not a folder" in result.stderr
