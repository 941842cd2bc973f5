"""Events of escalation: a public thread taken private, linked, and brought back to public.

Each carries the card of the thread it changed, so boards apply it like any other event;
the other thread's card travels in its own event (thread.opened, message.added, ...).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from server.events.base import DeskEvent
from server.events.board import ThreadCard, UserRef


class ThreadTakenPrivate(DeskEvent):
    """The desk answered a public item privately and linked the private thread."""

    type: ClassVar[str] = "escalation.taken_private"
    thread_id: int  # the public thread
    private_thread_id: int
    path: Literal["private_reply", "direct_message"]
    message_id: int  # the private message, on its way through the outbox
    holding_reply: Literal["none", "queued", "pending_approval"]
    by: UserRef
    card: ThreadCard  # the public thread's


class EscalationLinked(DeskEvent):
    """The network told the desk who the customer is in private (Meta's messaging id), so
    their private answers now land in the linked thread."""

    type: ClassVar[str] = "escalation.linked"
    thread_id: int
    public_thread_id: int | None
    card: ThreadCard


class ThreadBackToPublic(DeskEvent):
    """From the private thread, a public follow-up for the original public thread."""

    type: ClassVar[str] = "escalation.back_to_public"
    thread_id: int  # the private thread
    public_thread_id: int
    outcome: Literal["queued", "pending_approval"]
    message_id: int | None
    approval_id: int | None
    resolved: bool  # the private thread was resolved with it
    by: UserRef
    card: ThreadCard  # the private thread's
