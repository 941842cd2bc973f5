"""Events of data protection: a customer erased on request."""

from __future__ import annotations

from typing import ClassVar

from server.events.base import DeskEvent
from server.events.board import ThreadCard, UserRef


class ThreadRedacted(DeskEvent):
    """A thread's messages were redacted (its customer was erased): boards replace the card,
    whose excerpt and author no longer name the person."""

    type: ClassVar[str] = "thread.redacted"
    card: ThreadCard


class CustomerErased(DeskEvent):
    type: ClassVar[str] = "customer.erased"
    customer_id: int
    by: UserRef
