"""What every network adapter speaks: normalized inbound items and a small Protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

Visibility = Literal["public", "private"]


@dataclass(frozen=True)
class InboundItem:
    """One post, comment or message from a network, in the desk's words."""

    external_id: str
    author_id: str
    author_name: str
    text: str
    visibility: Visibility
    # Items with the same key form one thread; without one, a public item opens its own
    # thread and a private item joins the author's conversation on that channel.
    thread_key: str | None = None
    author_handle: str | None = None
    created_at: datetime | None = None
    reply_to: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def key(self) -> str:
        if self.thread_key:
            return self.thread_key
        return f"dm:{self.author_id}" if self.visibility == "private" else self.external_id


class WebhookRejected(Exception):
    """A webhook request that must not be stored; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Capabilities:
    public_reply: bool
    private_reply_to_public: bool
    direct_messages: bool
    # How long after the customer's last message a private message may still be sent.
    message_window_hours: int | None = None
    # How long after a public comment a private reply to it may be sent.
    private_reply_window_days: int | None = None


class ChannelAdapter(Protocol):
    """One network. Adapters never touch the database."""

    network: str
    capabilities: Capabilities

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        """Verify the request's signature, then normalize its payload (or raise WebhookRejected)."""
        ...
