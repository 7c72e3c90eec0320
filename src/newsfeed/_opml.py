"""OPML 2.0, the format feed readers trade subscriptions in: from a config, and into sources."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

from newsfeed._config import Config, SourceKind
from newsfeed._errors import FeedParseError


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """One feed found in an OPML file."""

    name: str
    url: str


def to_opml(config: Config) -> bytes:
    """The configuration's fetched sources as an OPML 2.0 subscription list.

    Local bulletins and files are left out: nobody else can subscribe to them.
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"Sources of {config.info.title}"
    body = ET.SubElement(root, "body")
    for source in config.sources:
        if source.kind is SourceKind.URL:
            ET.SubElement(
                body,
                "outline",
                type="rss",
                text=source.name,
                title=source.name,
                xmlUrl=source.location,
            )
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data + b"\n"


def read_opml(data: bytes, *, source: str) -> tuple[list[Subscription], list[str]]:
    """Every http(s) feed an OPML file lists, in order, and what was left out and why."""
    try:
        root = ET.fromstring(data)  # noqa: S314 - expat expands no external entities
    except ET.ParseError as exc:
        raise FeedParseError(f"not valid XML: {exc}", source=source) from exc
    if root.tag != "opml":
        raise FeedParseError(f"not OPML: the root element is <{root.tag}>", source=source)
    found: dict[str, Subscription] = {}
    skipped: list[str] = []
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or "").strip()
        if not url:
            continue
        name = (outline.get("title") or outline.get("text") or url).strip()
        parts = urlsplit(url)
        # The configuration takes only these: anything else would fail to load there.
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            skipped.append(f"{source}: {name}: not an http or https URL: {url}")
        elif url in found:
            # A feed filed in two folders: twice in a configuration would be a ConfigError.
            skipped.append(f"{source}: {name}: the same feed as {found[url].name}: {url}")
        else:
            found[url] = Subscription(name=" ".join(name.split()), url=url)
    return list(found.values()), skipped


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string (same quotes, same escapes), except that
    # TOML also forbids a raw DEL, which JSON leaves as it is.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def to_toml_sources(subscriptions: list[Subscription]) -> str:
    """``[[source]]`` tables for a configuration file."""
    return "\n".join(
        f"[[source]]\nname = {_toml_string(sub.name)}\nurl = {_toml_string(sub.url)}\n"
        for sub in subscriptions
    )
