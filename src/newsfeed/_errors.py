"""The exceptions newsfeed raises.

Every exception has one root, so ``except NewsfeedError`` catches all of them,
and each family also subclasses the builtin that fits, so code that does not
know newsfeed still catches them as ``ValueError`` or ``OSError``::

    NewsfeedError
    ├── BulletinError(ValueError)      a bulletin that does not follow the format
    ├── FeedParseError(ValueError)     bytes that are not a feed newsfeed can read
    └── OutputError(OSError)           an output file that could not be written
"""

from __future__ import annotations

from dataclasses import dataclass


class NewsfeedError(Exception):
    """The root of every exception newsfeed raises."""


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

    def __init__(self, path: str, reason: str) -> None:
        #: The file that could not be written.
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
