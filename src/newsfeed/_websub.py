"""Telling WebSub hubs that a published feed changed (W3C WebSub, the publisher's ping).

WebSub leaves the publish request to each hub; the de facto form, which the
common public hubs accept, is a form POST of ``hub.mode=publish`` and
``hub.url`` (the topic: the feed's public URL). A hub that is down or refuses
is reported, never fatal: the feed is written, and readers still poll it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from newsfeed._fetch import user_agent


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


def _ping(client: httpx.Client, hub: str, topic: str) -> HubPing:
    try:
        response = client.post(hub, data={"hub.mode": "publish", "hub.url": topic})
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return HubPing(hub=hub, topic=topic, ok=False, detail=reason)
    detail = f"HTTP {response.status_code}"
    return HubPing(hub=hub, topic=topic, ok=response.is_success, detail=detail)


def publish(hubs: Sequence[str], topics: Sequence[str], *, timeout: float) -> tuple[HubPing, ...]:
    """Notify each hub of each changed topic, one POST per pair, in the order given."""
    if not hubs or not topics:
        return ()
    # Redirects are not followed: a 3xx would turn the POST into a GET that publishes nothing.
    with httpx.Client(
        timeout=timeout, headers={"User-Agent": user_agent()}, follow_redirects=False
    ) as client:
        return tuple(_ping(client, hub, topic) for hub in hubs for topic in topics)
