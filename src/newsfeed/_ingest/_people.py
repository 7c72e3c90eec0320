"""People (authors) from the forms feeds write them in.

feedparser 6.0 splits RSS author strings with a pattern that knows top-level domains
of at most four letters: ``press@volga-seats.example (Press Office)`` comes out as the
address ``press@volga-seats.exam`` and the name ``ple (Press Office``. The strings are
parsed here instead, from the raw elements (see :mod:`._raw`) and JSON Feed objects.

An entry's author string may name several people, ``Yulia Morozova, Andrei Zaitsev``:
news sites and arXiv write co-authors so, and readers (reader, for one) split it at
its commas. Commas inside quotes, parentheses or angle brackets are part of a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsfeed._errors import ValidationError
from newsfeed._model import Person, is_web_url

# An addr-spec as feeds write it: no spaces, angle brackets or parentheses, one "@".
_ADDRESS = r"[^\s<>()@\"]+@[^\s<>()@\"]+"
_FORMS = (
    # press@volga-seats.example (Press Office), RSS 2.0's own form; the name may hold
    # parentheses of its own
    re.compile(rf"(?:mailto:)?(?P<email>{_ADDRESS})\s*\((?P<name>.*)\)"),
    # Jane Doe <jane@x.example>, as in mail headers; "Doe, Jane" <...> too
    re.compile(rf"(?P<name>[^<>]*?)\s*<(?:mailto:)?(?P<email>{_ADDRESS})>"),
    # Jane Doe (jane@x.example)
    re.compile(rf"(?P<name>[^()]*?)\s*\((?:mailto:)?(?P<email>{_ADDRESS})\)"),
    # a bare address
    re.compile(rf"(?:mailto:)?(?P<email>{_ADDRESS})"),
)


# A comma between people: one outside quotes, parentheses and angle brackets.
_BETWEEN_PEOPLE = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)(?![^()]*\))(?![^<>]*>)')


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


def _made(name: str | None, email: str | None, url: str | None) -> Person | None:
    """The person, without what the model refuses of it (an odd address, a bad page)."""
    # Atom requires a name, and newsfeed names a person without one by address or page.
    if name is not None and name in {email, url}:
        name = None
    for fields in ((name, email, url), (name or email, None, url), (name or email, None, None)):
        if fields == (None, None, None):
            return None
        try:
            return Person(name=fields[0], email=fields[1], url=fields[2])
        except ValidationError:
            continue
    return None


def person_from_string(raw: str) -> Person | None:
    """A person from one author string, whichever of the usual forms it has."""
    text = _line(raw)
    if text is None:
        return None
    # Before the address forms: "http://user@host/" is a page, not an address.
    if is_web_url(text):
        return _made(None, None, text)
    for form in _FORMS:
        if match := form.fullmatch(text):
            fields = match.groupdict()
            return _made(_name(fields.get("name")), fields["email"], None)
    return _made(_name(text), None, None)


def people_from_string(raw: str) -> tuple[Person | None, ...]:
    """The people one entry's author string names, split at the commas between them."""
    parts = _BETWEEN_PEOPLE.split(raw)
    if len(parts) == 1 or is_web_url(raw.strip()):  # a page's URL may hold a comma
        return (person_from_string(raw),)
    return tuple(person_from_string(part) for part in parts)


def person(name: object = None, email: object = None, url: object = None) -> Person | None:
    """A person from separate fields (an Atom person construct, a JSON Feed author).

    Values of the wrong type, an address that is not one, and a URL that is not
    an absolute http(s) URL are left out; a person with nothing left is ``None``.
    """
    name = _line(name) if isinstance(name, str) else None
    email = _line(email.removeprefix("mailto:")) if isinstance(email, str) else None
    if email is not None and not re.fullmatch(_ADDRESS, email):
        email = None
    url = _line(url) if isinstance(url, str) else None
    if url is not None and not is_web_url(url):
        url = None
    # A name is a name, even one with an "@" in it: it is not parsed as an author string.
    return _made(name, email, url)


def unique(people: Iterable[Person | None]) -> tuple[Person, ...]:
    """The people found, each once, in order.

    ``dc:creator`` "Jane" and ``author`` "jane@x.example (Jane)" are one person: a
    person all of whose values another person found has is left out.
    """
    found = [one for one in dict.fromkeys(people) if one is not None]

    def values(one: Person) -> set[str]:
        return {value for value in (one.name, one.email, one.url) if value is not None}

    # Of two people with the same values (a name that is an address, and that address),
    # the first found stays: dropping both would lose the person.
    return tuple(
        one
        for index, one in enumerate(found)
        if not any(
            values(one) < values(other) or (values(one) == values(other) and place < index)
            for place, other in enumerate(found)
            if other != one
        )
    )
