"""``newsfeed serve``: a small preview server for an output folder.

For trying a subscription locally before deploying; production stays any static
web server. It serves feeds with their proper media types, answers conditional
requests with 304, and compresses with gzip when asked.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
from email.utils import formatdate, parsedate_to_datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsfeed._formats import FORMATS, FeedFormat

_UTF8 = "; charset=utf-8"
MEDIA_TYPES = {
    **{facts.suffix: facts.media_type + _UTF8 for facts in FORMATS.values()},
    ".rss": FORMATS[FeedFormat.RSS].media_type + _UTF8,
    ".html": "text/html" + _UTF8,
    ".opml": "text/x-opml" + _UTF8,
    ".txt": "text/plain" + _UTF8,
}


def media_type(path: Path, data: bytes) -> str:
    """The Content-Type a feed reader expects for an output file."""
    suffix = path.suffix.lower()
    # feed.xml and atom.xml share a suffix: the root element tells them apart.
    if suffix == ".xml" and b"<feed" in data[:2048]:
        return FORMATS[FeedFormat.ATOM].media_type + _UTF8
    return (
        MEDIA_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    )


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "newsfeed-serve"

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def _resolve(self) -> Path | None:
        root = Path(self.directory).resolve()
        relative = posixpath.normpath(unquote(urlsplit(self.path).path)).lstrip("/")
        candidate = (root / relative).resolve()
        if candidate != root and root not in candidate.parents:
            return None  # outside the served folder
        if candidate.is_dir():  # no listings: a folder serves its index.html or nothing
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None

    def _serve(self, *, send_body: bool) -> None:
        path = self._resolve()
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return
        data = path.read_bytes()
        content_type = media_type(path, data)
        stat = path.stat()
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        modified = formatdate(stat.st_mtime, usegmt=True)
        if self._not_modified(etag, stat.st_mtime):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            return
        gzipped = "gzip" in self.headers.get("Accept-Encoding", "").lower()
        if gzipped:
            # mtime=0 keeps the compressed bytes, like the ETag, the same on every request.
            data = gzip.compress(data, mtime=0)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag[:-1] + ('-gzip"' if gzipped else '"'))
        self.send_header("Last-Modified", modified)
        self.send_header("Vary", "Accept-Encoding")
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _not_modified(self, etag: str, mtime: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {tag.strip().removeprefix("W/").replace("-gzip", "") for tag in match.split(",")}
            return etag in tags or "*" in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            return int(mtime) <= parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """A server for *directory*, bound but not yet serving (call ``serve_forever``)."""
    handler = partial(_Handler, directory=str(directory))
    return ThreadingHTTPServer((host, port), handler)
