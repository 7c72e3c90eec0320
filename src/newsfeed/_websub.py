"""Telling WebSub hubs that a published feed changed (W3C WebSub, the publisher's ping).

WebSub leaves the publish request to each hub; the de facto form, which the
common public hubs accept, is a form POST of ``hub.mode=publish`` and
``hub.url`` (the topic: the feed's public URL). A hub that is down or refuses
is reported, never fatal: the feed is written, and readers still poll it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsfeed._fetch import post_forms


@dataclass(frozen=True, slots=True, kw_only=True)
class HubPing:
    """One publish notification sent to one hub."""

    #: The hub's URL.
    hub: str
    #: The changed feed's public URL (``hub.url``).
    topic: str
    #: Whether the hub accepted it (a 2xx answer).
    ok: bool
    #: The HTTP status, or why the hub could not be reached.
    detail: str

    def __str__(self) -> str:
        state = "ok" if self.ok else "failed"
        return f"hub {self.hub}: ping for {self.topic} {state}: {self.detail}"


def publish(hubs: Sequence[str], topics: Sequence[str], *, timeout: float) -> tuple[HubPing, ...]:
    """Notify each hub of each changed topic, one POST per pair, in the order given."""
    pairs = [(hub, topic) for hub in hubs for topic in topics]
    if not pairs:
        return ()
    answers = post_forms(
        [(hub, {"hub.mode": "publish", "hub.url": topic}) for hub, topic in pairs],
        timeout=timeout,
    )
    return tuple(
        HubPing(hub=hub, topic=topic, ok=answer.ok, detail=answer.error or f"HTTP {answer.status}")
        for (hub, topic), answer in zip(pairs, answers, strict=True)
    )
