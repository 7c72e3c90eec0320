"""People (authors) from the forms feeds write them in.

feedparser 6.0 splits RSS author strings with a pattern that knows top-level domains
of at most four letters: ``press@volga-seats.example (Press Office)`` comes out as the
address ``press@volga-seats.exam`` and the name ``ple (Press Office``. The strings are
parsed here instead, from the raw elements (see :mod:`._xml`) and JSON Feed objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from newsfeed._model import is_web_url

# An addr-spec as feeds write it: no spaces, angle brackets or parentheses, one "@".
_ADDRESS = r"[^\s<>()@\"]+@[^\s<>()@\"]+"
_FORMS = (
    # press@volga-seats.example (Press Office), RSS 2.0's own form
    re.compile(rf"(?:mailto:)?(?P<email>{_ADDRESS})\s*\((?P<name>[^()]*)\)"),
    # Jane Doe <jane@x.example>, as in mail headers; "Doe, Jane" <...> too
    re.compile(rf"(?P<name>[^<>]*?)\s*<(?:mailto:)?(?P<email>{_ADDRESS})>"),
    # Jane Doe (jane@x.example)
    re.compile(rf"(?P<name>[^()]*?)\s*\((?:mailto:)?(?P<email>{_ADDRESS})\)"),
    # a bare address
    re.compile(rf"(?:mailto:)?(?P<email>{_ADDRESS})"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """An author as read: at least one of the three is set."""

    name: str | None = None
    email: str | None = None
    #: An absolute http(s) URL.
    url: str | None = None

    @property
    def label(self) -> str:
        """What to call the person where only a name fits: the name, else the address or URL."""
        return self.name or self.email or self.url or ""


def _line(value: str | None) -> str | None:
    # Spaces inside are the name's own (the model keeps them); line breaks are the
    # readers' to join (Cleaner.line).
    if value is None:
        return None
    return value.strip() or None


def _name(value: str | None) -> str | None:
    name = _line(value)
    if name and len(name) > 1 and name[0] == name[-1] == '"':
        name = _line(name[1:-1])
    return name


def person_from_string(raw: str) -> Person | None:
    """A person from one author string, whichever of the usual forms it has."""
    text = _line(raw)
    if text is None:
        return None
    for form in _FORMS:
        if match := form.fullmatch(text):
            fields = match.groupdict()
            return Person(name=_name(fields.get("name")), email=fields["email"])
    return Person(name=_name(text))


def person(name: object = None, email: object = None, url: object = None) -> Person | None:
    """A person from separate fields (an Atom person construct, a JSON Feed author).

    Values of the wrong type, an address that is not one, and a URL that is not
    an absolute http(s) URL are left out; a person with nothing left is ``None``.
    """
    found = Person(
        name=_name(name) if isinstance(name, str) else None,
        email=_line(email.removeprefix("mailto:"))
        if isinstance(email, str) and re.fullmatch(_ADDRESS, email.removeprefix("mailto:").strip())
        else None,
        url=_line(url) if isinstance(url, str) and is_web_url(url.strip()) else None,
    )
    if found.email is None and found.url is None:
        # A name alone may still be a whole author string: <name>Jane <jane@x.example></name>.
        return person_from_string(found.name) if found.name else None
    return found


def unique(people: Iterable[Person | None]) -> tuple[Person, ...]:
    """The people found, each once, in order.

    ``dc:creator`` "Jane" and ``author`` "jane@x.example (Jane)" are one person: a
    name alone is left out where a fuller person has that name.
    """
    found = [one for one in dict.fromkeys(people) if one is not None]
    return tuple(
        one
        for one in found
        if one.email
        or one.url
        or not any(other.name == one.name for other in found if other != one)
    )
