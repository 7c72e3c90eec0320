"""The exceptions newsfeed raises.

Every exception has one root, so ``except NewsfeedError`` catches all of them,
and each family also subclasses the builtin that fits, so code that does not
know newsfeed still catches them as ``ValueError`` or ``OSError``::

    NewsfeedError
    ├── ValidationError(ValueError)    a model value a feed cannot carry (NewsItem, FeedInfo, ...)
    ├── BulletinError(ValueError)      a bulletin that does not follow the format
    ├── FeedParseError(ValueError)     bytes that are not a feed newsfeed can read
    ├── ConfigError(ValueError)        an aggregator configuration that is wrong
    ├── OutputError(OSError)           an output file that could not be written
    └── StateLockedError(RuntimeError) another run is using the same state database
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class NewsfeedError(Exception):
    """The root of every exception newsfeed raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle (multiprocessing, concurrent.futures) rebuilds an exception by calling its
        # class with its args, which here hold the message rather than what __init__ takes:
        # the state is put back without calling __init__.
        state = dict(self.__dict__)
        if isinstance(self, OSError):
            state.update(errno=self.errno, strerror=self.strerror, filename=self.filename)
        return (_restore, (type(self), self.args), state)


def _restore(cls: type[NewsfeedError], args: tuple[Any, ...]) -> NewsfeedError:
    error = cls.__new__(cls, *args)
    error.args = args
    return error


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One problem found in a bulletin, located by line."""

    #: The file the bulletin came from, or ``None`` for text given directly.
    source: str | None
    #: The 1-based line number of the problem.
    line: int
    #: What is wrong, worded like a compiler message.
    message: str

    def __str__(self) -> str:
        return f"{self.source or '<bulletin>'}:{self.line}: {self.message}"


class ValidationError(NewsfeedError, ValueError):
    """A value the model refuses: names the class and field, such as ``NewsItem.link``."""


class BulletinError(NewsfeedError, ValueError):
    """A bulletin has problems; :attr:`problems` lists every one found."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class FeedParseError(NewsfeedError, ValueError):
    """Bytes could not be read as RSS, Atom or JSON Feed."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        #: Where the bytes came from (a URL or a path), if known.
        self.source = source
        self.reason = message
        super().__init__(f"{source}: {message}" if source else message)


class OutputError(NewsfeedError, OSError):
    """An output file could not be written; the previous file is untouched."""

    def __init__(self, path: str, reason: str, *, errno: int | None = None) -> None:
        super().__init__(f"{path}: {reason}")
        #: The file that could not be written.
        self.path = path
        self.reason = reason
        # Filled in as the OSError the failure came from had them, for code that knows OSError.
        self.errno = errno
        self.strerror = reason
        self.filename = path

    def __str__(self) -> str:
        # OSError would show "[Errno 13] ..." once errno and filename are set.
        return f"{self.path}: {self.reason}"


class ConfigError(NewsfeedError, ValueError):
    """An aggregator configuration is wrong; names the file and the key."""

    def __init__(self, path: str, key: str, message: str) -> None:
        #: The configuration file.
        self.path = path
        #: The key at fault, such as ``source[2].url`` (empty for the file as a whole).
        self.key = key
        self.reason = message
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")


class StateLockedError(NewsfeedError, RuntimeError):
    """Another run holds the state database: two overlapping runs never both write."""

    def __init__(self, path: str) -> None:
        #: The state database that is in use.
        self.path = path
        super().__init__(f"{path}: another newsfeed run is using this state; not running twice")
