"""The ``newsfeed`` command: a thin layer over the library, made for cron.

``build`` and ``check`` are silent on success; problems go to stderr as
``file:line: message``. ``aggregate`` reports on stderr each source that did
not plainly succeed, and a summary line (``-q``: errors only).

Exit codes:

* 0 -- success (``aggregate``: at least one source fetched, read or not modified)
* 1 -- bad input (a bulletin with problems, an unreadable file), a failed write,
  or (``aggregate``) every source failed
* 2 -- usage error (unknown option, missing argument) or a wrong configuration
* 3 -- another ``aggregate`` run is using the same state
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from newsfeed import __version__
from newsfeed._config import Config, FetchSettings, load_config
from newsfeed._errors import (
    BulletinError,
    ConfigError,
    InputError,
    NewsfeedError,
    StateLockedError,
)
from newsfeed._files import write_atomic
from newsfeed._formats import FORMATS, FeedFormat, format_of
from newsfeed._model import Feed, FeedInfo
from newsfeed._page import (
    Alternate,
    alternates_for,
    linked_to_page,
    page_url,
    to_html,
)
from newsfeed._state import read_states
from newsfeed.aggregate import Outcome, aggregate

EXIT_OK = 0
EXIT_BAD_INPUT = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3


class _UsageError(Exception):
    """Arguments that parse but do not make sense together."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfeed",
        description="Publish a plain-text news bulletin as RSS, Atom and JSON Feed.",
        epilog="Exit codes: 0 success, 1 bad input or failed write, 2 usage error,"
        " 3 state in use by another run.",
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
        choices=sorted(kind.value for kind in FeedFormat),
        help="feed format (default: from the output's suffix, .json and .atom, else rss)",
    )
    build.add_argument("--title", help="feed title (default: the bulletin's file name)")
    build.add_argument("--link", help="the site's URL (default: the folder of --feed-url)")
    build.add_argument("--feed-url", help="where the feed is served: self link and item ids")
    build.add_argument("--description", help="one line about the feed (default: the title)")
    build.add_argument("--language", help="language of the items, such as en or ru")
    build.add_argument("--author", help="the publisher's name")
    build.add_argument(
        "--hub",
        action="append",
        default=[],
        metavar="URL",
        help="a WebSub hub to name in the feed (repeatable); build does not ping it",
    )
    build.add_argument(
        "--timezone", default="UTC", help="time zone of the bulletin's dates (default: UTC)"
    )
    build.add_argument(
        "--html", metavar="FILE", help="also write the items as a web page that links the feed"
    )

    check = commands.add_parser("check", help="list every problem in a bulletin")
    check.add_argument("bulletin", metavar="BULLETIN", help="the bulletin file")
    for reads_bulletin in (build, check):
        reads_bulletin.add_argument(
            "--max-bytes",
            type=_positive_int,
            default=FetchSettings().max_bytes,
            metavar="N",
            help="the largest bulletin read, in bytes (default: %(default)s, as [fetch] max_bytes)",
        )
        reads_bulletin.add_argument(
            "--allow-unordered",
            action="store_true",
            help="accept dates out of newest-first order",
        )
        reads_bulletin.add_argument(
            "--allow-empty", action="store_true", help="accept a bulletin with no records"
        )

    run = commands.add_parser("aggregate", help="fetch every source and publish the combined feed")
    run.add_argument("config", metavar="CONFIG", help="the TOML configuration")
    run.add_argument("-q", "--quiet", action="store_true", help="report errors only (for cron)")

    sources = commands.add_parser("sources", help="list the sources and their state")
    sources.add_argument("config", metavar="CONFIG", help="the TOML configuration")

    opml = commands.add_parser("opml", help="export or import subscriptions as OPML")
    opml_commands = opml.add_subparsers(dest="opml_command", required=True, metavar="ACTION")
    export = opml_commands.add_parser("export", help="the config's sources as OPML 2.0")
    export.add_argument("config", metavar="CONFIG", help="the TOML configuration")
    export.add_argument("-o", "--output", metavar="FILE", default="-", help="default: stdout")
    load = opml_commands.add_parser("import", help="print [[source]] entries for the config")
    load.add_argument("file", metavar="FILE", help="an OPML file")

    serve = commands.add_parser("serve", help="preview an output folder over HTTP")
    serve.add_argument("directory", metavar="DIR", help="the folder to serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 picks one)")
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, not {text!r}")
    return value


def _format_for(output: str, chosen: str | None) -> FeedFormat:
    return FeedFormat(chosen) if chosen is not None else format_of(Path(output))


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
            hubs=tuple(dict.fromkeys(args.hub)),
        )
    except ValueError as exc:
        raise _UsageError(str(exc)) from exc


# A command imports what only it uses when it runs (noqa PLC0415): every cron run of
# `aggregate` pays the imports of the start (docs/performance.md).


def _build(args: argparse.Namespace) -> int:
    from newsfeed._bulletin import load_bulletin  # noqa: PLC0415

    info = _feed_info(args)
    try:
        items = load_bulletin(
            args.bulletin,
            feed_url=info.feed_url,
            tz=args.timezone,
            max_bytes=args.max_bytes,
            allow_unordered=args.allow_unordered,
            allow_empty=args.allow_empty,
        )
    except ValueError as exc:
        if isinstance(exc, BulletinError):
            raise
        raise _UsageError(str(exc)) from exc
    kind = _format_for(args.output, args.format)
    if args.html is None:
        _write_output(args.output, FORMATS[kind].export(Feed(info=info, items=tuple(items))))
        return EXIT_OK
    page = Path(args.html)
    # The feed lies beside the page when it goes to stdout; --link stands for the folder
    # the feed is served from when there is no --feed-url.
    feed_file = page if args.output == "-" else Path(args.output)
    page_at = page_url(page, feed=feed_file, feed_url=info.feed_url or info.link)
    feed = Feed(info=info, items=tuple(linked_to_page(items, page_at)))
    _write_output(args.output, FORMATS[kind].export(feed))
    # Feed readers are pointed at the feed's public URL; a relative link only without one.
    if info.feed_url is not None:
        links = [Alternate(media_type=FORMATS[kind].media_type, href=info.feed_url)]
    elif args.output != "-":
        links = alternates_for(page, [(feed_file, kind)])
    else:
        links = []
    write_atomic(page, to_html(feed, links))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from newsfeed._bulletin import load_bulletin  # noqa: PLC0415

    load_bulletin(
        args.bulletin,
        max_bytes=args.max_bytes,
        allow_unordered=args.allow_unordered,
        allow_empty=args.allow_empty,
    )
    return EXIT_OK


def _write_output(output: str, data: bytes) -> None:
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        write_atomic(output, data)


def _load_config(path: str) -> Config:
    try:
        return load_config(path)
    except InputError as exc:
        # A configuration that cannot be read is a wrong argument, as a wrong one is: exit 2.
        raise ConfigError(exc.path, "", exc.reason) from exc


def _aggregate(args: argparse.Namespace) -> int:
    config = _load_config(args.config)
    show_progress = sys.stderr.isatty() and not args.quiet

    def progress(finished: int, total: int) -> None:
        end = "\n" if finished == total else ""
        print(f"\rfetching {finished}/{total}", end=end, file=sys.stderr, flush=True)

    # A state that cannot be used is a StateError, reported as every NewsfeedError is.
    report = aggregate(config, progress=progress if show_progress else None)
    for source in report.sources:
        plain = (
            source.outcome in {Outcome.OK, Outcome.NOT_MODIFIED}
            and not source.warnings
            and not source.skipped_entries
        )
        if source.failed or (not args.quiet and not plain):
            print(source, file=sys.stderr)
    failed_pings = [ping for ping in report.pings if not ping.ok]
    for ping in failed_pings:
        print(ping, file=sys.stderr)
    if not args.quiet:
        counts = Counter(source.outcome.value for source in report.sources)
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        new = sum(source.new_items for source in report.sources)
        # Without hubs there is nothing to count, and the line stays as scripts know it.
        pings = (
            f"; {len(report.pings)} hub pings, {len(failed_pings)} failed"
            if config.info.hubs
            else ""
        )
        print(
            f"{len(report.sources)} sources: {summary}; {new} new items; "
            f"{report.items} in the feed; {len(report.written)} files rewritten{pings}",
            file=sys.stderr,
        )
    return EXIT_BAD_INPUT if report.all_failed else EXIT_OK


def _sources(args: argparse.Namespace) -> int:
    config = _load_config(args.config)
    states = read_states(config.output.state)
    now = datetime.now(UTC)
    rows = [("NAME", "URL", "LAST FETCH", "STATUS", "ITEMS", "NEXT TRY", "LAST ERROR")]
    for source in config.sources:
        state = states.get(source.key)
        fetched = state.last_fetched if state else None
        # A source waiting (backoff, Retry-After, Cache-Control) shows when it is next fetched.
        waits_until = state.next_fetch if state else None
        rows.append(
            (
                source.name,
                (state.url if state and state.url else source.location),
                fetched.strftime("%Y-%m-%d %H:%M") if fetched else "never",
                state.status.value if state and state.status else "-",
                str(state.items) if state else "0",
                waits_until.strftime("%Y-%m-%d %H:%M:%S")
                if waits_until and waits_until > now
                else "-",
                (state.error or "") if state else "",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip())
    return EXIT_OK


def _opml(args: argparse.Namespace) -> int:
    from newsfeed._opml import read_opml, to_opml, to_toml_sources  # noqa: PLC0415

    if args.opml_command == "export":
        _write_output(args.output, to_opml(_load_config(args.config)))
        return EXIT_OK
    found, skipped = read_opml(Path(args.file).read_bytes(), source=args.file)
    for reason in skipped:
        print(f"newsfeed: skipped {reason}", file=sys.stderr)
    print(to_toml_sources(found), end="")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    directory = Path(args.directory)
    if not directory.is_dir():
        raise _UsageError(f"{directory}: not a folder")
    from newsfeed._serve import make_server  # noqa: PLC0415

    server = make_server(directory, args.host, args.port)
    url = f"http://{args.host}:{server.server_port}/"
    print(f"serving {directory} at {url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def run() -> NoReturn:
    """The ``newsfeed`` program: :func:`main` on the process's arguments; exits with its code."""
    code = main()
    # What the process still holds needs no finalizing: outputs are written and closed and
    # the state committed. Frozen objects are skipped by the collector's passes at
    # interpreter exit, which cost a no-op cron run a sixth of its time (docs/performance.md).
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command = {
        "build": _build,
        "check": _check,
        "aggregate": _aggregate,
        "sources": _sources,
        "opml": _opml,
        "serve": _serve,
    }[args.command]
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
    except ConfigError as exc:
        for mistake in exc.problems:
            print(f"newsfeed: {mistake}", file=sys.stderr)
        return EXIT_USAGE
    except (NewsfeedError, OSError) as exc:
        print(f"newsfeed: {_describe(exc)}", file=sys.stderr)
        return EXIT_LOCKED if isinstance(exc, StateLockedError) else EXIT_BAD_INPUT


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None and not isinstance(exc, NewsfeedError):
        return f"{exc.filename}: {exc.strerror}"
    return str(exc)
