"""The ``newsfeed`` command: a thin layer over the library, made for cron.

Silent on success; problems go to stderr as ``file:line: message``.

Exit codes:

* 0 -- success
* 1 -- bad input (a bulletin with problems, an unreadable file) or a failed write
* 2 -- usage error (unknown option, missing argument)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from newsfeed import __version__
from newsfeed._bulletin import load_bulletin
from newsfeed._errors import BulletinError, NewsfeedError
from newsfeed._export import to_atom, to_json_feed, to_rss
from newsfeed._files import write_atomic
from newsfeed._model import Feed, FeedInfo

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2

EXPORTERS: dict[str, Callable[[Feed], bytes]] = {
    "rss": to_rss,
    "atom": to_atom,
    "json": to_json_feed,
}


class _UsageError(Exception):
    """Arguments that parse but do not make sense together."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfeed",
        description="Publish a plain-text news bulletin as RSS, Atom and JSON Feed.",
        epilog="Exit codes: 0 success, 1 bad input or failed write, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser("build", help="write a feed from a bulletin")
    build.add_argument("bulletin", metavar="BULLETIN", help="the bulletin file")
    build.add_argument(
        "-o", "--output", metavar="FILE", default="-", help="file to write (default: -, stdout)"
    )
    build.add_argument(
        "--format",
        choices=sorted(EXPORTERS),
        help="feed format (default: from the output's suffix, .json and .atom, else rss)",
    )
    build.add_argument("--title", help="feed title (default: the bulletin's file name)")
    build.add_argument("--link", help="the site's URL (default: the folder of --feed-url)")
    build.add_argument("--feed-url", help="where the feed is served: self link and item ids")
    build.add_argument("--description", help="one line about the feed (default: the title)")
    build.add_argument("--language", help="language of the items, such as en or ru")
    build.add_argument("--author", help="the publisher's name")
    build.add_argument(
        "--timezone", default="UTC", help="time zone of the bulletin's dates (default: UTC)"
    )

    check = commands.add_parser("check", help="list every problem in a bulletin")
    check.add_argument("bulletin", metavar="BULLETIN", help="the bulletin file")
    return parser


def _format_for(output: str, chosen: str | None) -> str:
    if chosen is not None:
        return chosen
    suffix = Path(output).suffix.lower()
    return {".json": "json", ".atom": "atom"}.get(suffix, "rss")


def _feed_info(args: argparse.Namespace) -> FeedInfo:
    link = args.link
    if link is None and args.feed_url is not None:
        parts = urlsplit(args.feed_url)
        link = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/"
    if link is None:
        raise _UsageError("build needs --link or --feed-url (the site the feed belongs to)")
    title = args.title or Path(args.bulletin).stem
    try:
        return FeedInfo(
            title=title,
            link=link,
            description=args.description or title,
            feed_url=args.feed_url,
            language=args.language,
            author=args.author,
        )
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc


def _build(args: argparse.Namespace) -> int:
    info = _feed_info(args)
    try:
        items = load_bulletin(args.bulletin, feed_url=info.feed_url, tz=args.timezone)
    except ValueError as exc:
        if isinstance(exc, BulletinError):
            raise
        raise _UsageError(str(exc)) from exc
    data = EXPORTERS[_format_for(args.output, args.format)](Feed(info=info, items=tuple(items)))
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(args.output, data)
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    load_bulletin(args.bulletin)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command = {"build": _build, "check": _check}[args.command]
    try:
        return command(args)
    except BulletinError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_BAD_INPUT
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (NewsfeedError, OSError) as exc:
        print(f"newsfeed: {_describe(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None and not isinstance(exc, NewsfeedError):
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)
