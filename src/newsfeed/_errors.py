"""The exceptions newsfeed raises.

Every exception has one root, so ``except NewsfeedError`` catches all of them,
and each family also subclasses the builtin that fits, so code that does not
know newsfeed still catches them as ``ValueError`` or ``OSError``::

    NewsfeedError
    ├── ValidationError(ValueError)    a model value a feed cannot carry (NewsItem, FeedInfo, ...)
    ├── BulletinError(ValueError)      a bulletin that does not follow the format
    ├── FeedParseError(ValueError)     bytes that are not a feed newsfeed can read
    ├── ConfigError(ValueError)        an aggregator configuration that is wrong
    ├── InputError(OSError)            an input file that could not be read
    ├── OutputError(OSError)           an output file that could not be written
    ├── StateError(OSError)            the state database could not be read or written
    └── StateLockedError(RuntimeError) another run is using the same state database
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Self


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


class _FileError(NewsfeedError, OSError):
    """A file could not be read or written; carries the path and the reason."""

    def __init__(self, path: str, reason: str, *, errno: int | None = None) -> None:
        super().__init__(f"{path}: {reason}")
        #: The file at fault.
        self.path = path
        self.reason = reason
        # Filled in as the OSError the failure came from had them, for code that knows OSError.
        self.errno = errno
        self.strerror = reason
        self.filename = path

    @classmethod
    def from_os_error(cls, path: str, exc: OSError) -> Self:
        """The error for *path* that *exc* was raised for."""
        return cls(path, exc.strerror or str(exc), errno=exc.errno)

    def __str__(self) -> str:
        # OSError would show "[Errno 13] ..." once errno and filename are set.
        return f"{self.path}: {self.reason}"


class InputError(_FileError):
    """An input file (a bulletin, a configuration) could not be read: missing, a folder, denied."""


class OutputError(_FileError):
    """An output file could not be written; the previous file is untouched."""


class ConfigError(NewsfeedError, ValueError):
    """An aggregator configuration is wrong; names the file and the key."""

    def __init__(self, path: str, key: str, message: str) -> None:
        #: The configuration file.
        self.path = path
        #: The key at fault, such as ``source[2].url`` (empty for the file as a whole).
        self.key = key
        self.reason = message
        # The other problems as (path, key, message): plain values, so that a copy made by
        # pickle compares equal.
        self._more: tuple[tuple[str, str, str], ...] = ()
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")

    @classmethod
    def of(cls, problems: Sequence[ConfigError]) -> ConfigError:
        """One error for several problems: it names the first, and prints them all, a line each."""
        first, *more = problems
        if not more:
            return first
        error = cls(first.path, first.key, first.reason)
        error._more = tuple((problem.path, problem.key, problem.reason) for problem in more)
        error.args = ("\n".join(str(problem) for problem in error.problems),)
        return error

    @property
    def problems(self) -> tuple[ConfigError, ...]:
        """Every problem found in the configuration, each naming its key; this error first."""
        if not self._more:
            return (self,)
        return tuple(
            ConfigError(*problem) for problem in ((self.path, self.key, self.reason), *self._more)
        )


class StateLockedError(NewsfeedError, RuntimeError):
    """Another run holds the state database: two overlapping runs never both write."""

    def __init__(self, path: str) -> None:
        #: The state database that is in use.
        self.path = path
        super().__init__(f"{path}: another newsfeed run is using this state; not running twice")


class StateError(NewsfeedError, OSError):
    """The aggregator's state could not be opened, read or written (a damaged or foreign
    file, a read-only folder, a full disk); what it held before is untouched."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: the state database cannot be used: {reason}")
        #: The state database.
        self.path = path
        self.reason = reason
        # As an OSError has them, for code that knows OSError.
        self.errno = None
        self.strerror = reason
        self.filename = path

    def __str__(self) -> str:
        return f"{self.path}: the state database cannot be used: {self.reason}"
