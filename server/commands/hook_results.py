"""What the outgoing-webhook commands answer."""

from __future__ import annotations

from typing import Any, Literal

from server.commands.results import Result


class HookView(Result):
    id: int
    url: str
    event_types: list[str]
    created_at: str


class HookMade(HookView):
    secret: str  # shown this once


class HookList(Result):
    hooks: list[HookView]
    event_types: list[str]  # what may be subscribed to


class HookAttemptView(Result):
    at: str
    status_code: int | None
    answer: str


class HookDeliveryView(Result):
    id: int
    event_seq: int
    event_type: str
    idempotency_key: str
    status: Literal["queued", "retry", "sending", "delivered", "failed"]
    attempts: list[HookAttemptView]
    next_attempt_at: str | None
    created_at: str
    delivered_at: str | None
    body: dict[str, Any]


class HookLog(Result):
    deliveries: list[HookDeliveryView]


class HookQueued(Result):
    id: int
    status: Literal["queued"]
