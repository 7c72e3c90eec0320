"""The public API: ``__all__``, the error hierarchy, and which module may import which library."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import pickle
from pathlib import Path

import pytest

import newsfeed
from newsfeed import (
    BulletinError,
    FeedParseError,
    InputError,
    NewsfeedError,
    OutputError,
    Problem,
    ValidationError,
)

PACKAGE = Path(newsfeed.__file__).parent


def _init_tree() -> ast.Module:
    return ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))


def lazy_imports() -> dict[str, str]:
    """The names imported only for the type checker, which ``__getattr__`` binds at first use,
    with the module each is imported from."""
    return {
        alias.asname or alias.name: str(statement.module)
        for node in _init_tree().body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "_TYPE_CHECKING"
        for statement in node.body
        if isinstance(statement, ast.ImportFrom)
        for alias in statement.names
    }


def lazy_names() -> set[str]:
    return set(lazy_imports())


def names_defined_in_init() -> set[str]:
    """Every name ``newsfeed/__init__.py`` binds at module level, at import or at first use."""
    names: set[str] = lazy_names()
    for node in _init_tree().body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def test_all_is_sorted() -> None:
    assert newsfeed.__all__ == sorted(newsfeed.__all__)
    assert len(set(newsfeed.__all__)) == len(newsfeed.__all__)


def test_all_lists_exactly_the_public_names() -> None:
    public = {
        name
        for name in names_defined_in_init()
        if not name.startswith("_") or name == "__version__"
    }
    assert set(newsfeed.__all__) == public


def test_every_name_in_all_resolves() -> None:
    for name in newsfeed.__all__:
        assert getattr(newsfeed, name) is not None, name


def test_the_lazy_names_are_the_readers_and_writers_and_resolve_to_them() -> None:
    # Each is bound from the module the type checker is told of, and no other name is lazy.
    assert lazy_names() == {
        "derive_title",
        "format_bulletin",
        "load_bulletin",
        "parse_bulletin",
        "parse_feed",
        "to_atom",
        "to_json_feed",
        "to_rss",
    }
    for name, module in lazy_imports().items():
        assert getattr(newsfeed, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="has no attribute 'to_html'"):
        _ = newsfeed.to_html  # type: ignore[attr-defined]


def test_star_import_gives_all() -> None:
    namespace: dict[str, object] = {}
    exec("from newsfeed import *", namespace)  # noqa: S102 - the statement under test
    assert set(namespace) - {"__builtins__"} == set(newsfeed.__all__)


def test_public_objects_do_not_leak_private_module_names_in_all() -> None:
    assert not [name for name in newsfeed.__all__ if name.startswith("_") and name != "__version__"]


def test_version_is_the_installed_distributions() -> None:
    assert newsfeed.__version__ == importlib.metadata.version("newsfeed")


def test_error_hierarchy() -> None:
    assert issubclass(BulletinError, NewsfeedError)
    assert issubclass(BulletinError, ValueError)
    assert issubclass(FeedParseError, NewsfeedError)
    assert issubclass(FeedParseError, ValueError)
    assert issubclass(OutputError, NewsfeedError)
    assert issubclass(OutputError, OSError)
    assert issubclass(InputError, NewsfeedError)
    assert issubclass(InputError, OSError)
    assert issubclass(ValidationError, NewsfeedError)
    assert issubclass(ValidationError, ValueError)
    assert issubclass(NewsfeedError, Exception)


def test_every_public_exception_is_a_newsfeed_error() -> None:
    exceptions = [
        value
        for value in (getattr(newsfeed, name) for name in newsfeed.__all__)
        if isinstance(value, type) and issubclass(value, BaseException)
    ]
    assert {BulletinError, FeedParseError, NewsfeedError, OutputError} <= set(exceptions)
    for exception in exceptions:
        assert issubclass(exception, NewsfeedError), exception


def test_errors_are_caught_as_builtins() -> None:
    problem = Problem(source="news.txt", line=3, message="impossible date")
    with pytest.raises(ValueError, match=r"news\.txt:3: impossible date"):
        raise BulletinError((problem,))
    with pytest.raises(ValueError, match=r"https://example\.org/feed: not a feed"):
        raise FeedParseError("not a feed", source="https://example.org/feed")
    with pytest.raises(OSError, match=r"public/feed\.xml: Permission denied"):
        raise OutputError("public/feed.xml", "Permission denied")


def sample_errors() -> list[NewsfeedError]:
    problems = (
        Problem(source="news.txt", line=3, message="impossible date"),
        Problem(source="news.txt", line=9, message="headline spans lines"),
    )
    errors: list[NewsfeedError] = [
        BulletinError(problems),
        FeedParseError("not a feed", source="https://example.org/feed"),
        FeedParseError("not a feed"),
        OutputError("public/feed.xml", "Permission denied", errno=13),
        InputError("news.txt", "No such file or directory", errno=2),
        ValidationError("NewsItem.link must be an absolute http or https URL"),
    ]
    # The aggregator's errors, where this version has them.
    config_error = getattr(newsfeed, "ConfigError", None)
    if config_error is not None:
        errors.append(config_error("cluster.toml", "source[2].url", "not a URL"))
        errors.append(
            config_error.of(
                [
                    config_error("cluster.toml", "feed.titel", "unknown key"),
                    config_error("cluster.toml", "source[2].url", "not a URL"),
                ]
            )
        )
    locked = getattr(newsfeed, "StateLockedError", None)
    if locked is not None:
        errors.append(locked(".newsfeed/state.sqlite"))
    state_error = getattr(newsfeed, "StateError", None)
    if state_error is not None:
        errors.append(state_error(".newsfeed/state.sqlite", "file is not a database"))
    return errors


@pytest.mark.parametrize("error", sample_errors())
def test_errors_survive_pickling(error: NewsfeedError) -> None:
    # Errors cross process boundaries (multiprocessing, concurrent.futures) by pickle.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)
    if isinstance(error, OSError):
        assert isinstance(copy, OSError)
        assert (copy.errno, copy.strerror, copy.filename) == (
            error.errno,
            error.strerror,
            error.filename,
        )


def test_bulletin_error_keeps_its_problems_through_pickling() -> None:
    (error,) = (e for e in sample_errors() if isinstance(e, BulletinError))
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert copy.problems == error.problems
    assert str(copy).splitlines() == [
        "news.txt:3: impossible date",
        "news.txt:9: headline spans lines",
    ]


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module a source file imports, wherever the import stands."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules.add(node.module.split(".")[0])
    return modules


@pytest.mark.parametrize(
    ("library", "owner"),
    [
        ("feedgen", "_export.py"),
        ("feedparser", "_ingest/_feedparser.py"),
        ("httpx", "_fetch.py"),
        ("nh3", "_sanitize.py"),
        ("sqlite3", "_store.py"),
    ],
)
def test_one_module_owns_each_feed_library(library: str, owner: str) -> None:
    importers = sorted(
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if library in imported_modules(path)
    )
    assert importers == [owner]


def test_the_command_line_reaches_the_state_through_its_protocol() -> None:
    tree = ast.parse((PACKAGE / "_cli.py").read_text(encoding="utf-8"))
    modules = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "newsfeed._state" in modules
    assert "newsfeed._store" not in modules
    assert "sqlite3" not in imported_modules(PACKAGE / "_cli.py")


def test_the_import_scan_sees_nested_imports(tmp_path: Path) -> None:
    # The architecture test is only as good as this scan.
    source = tmp_path / "sample.py"
    source.write_text(
        "import os.path\n"
        "from feedgen.feed import FeedGenerator\n"
        "def late():\n"
        "    import feedparser\n"
        "from . import sibling\n",
        encoding="utf-8",
    )
    assert imported_modules(source) == {"os", "feedgen", "feedparser"}


def test_format_facts_live_in_one_table() -> None:
    # Suffixes and media types of the feed formats are written once, in _formats.
    facts = ('"application/rss+xml"', '"application/atom+xml"', '"application/feed+json"')
    holders = sorted(
        path.name
        for path in PACKAGE.rglob("*.py")
        if any(fact in path.read_text(encoding="utf-8") for fact in facts)
    )
    assert holders == ["_formats.py"]
