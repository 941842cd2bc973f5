"""Events of the service-level timer: a target about to be missed, and missed."""

from __future__ import annotations

from typing import ClassVar, Literal

from server.events.base import DeskEvent
from server.events.board import ThreadCard

Target = Literal["first_response", "next_response", "resolution"]


class SlaWarning(DeskEvent):
    type: ClassVar[str] = "sla.warning"
    thread_id: int
    target: Target
    due_at: str
    card: ThreadCard


class SlaBreached(DeskEvent):
    type: ClassVar[str] = "sla.breached"
    thread_id: int
    target: Target
    due_at: str
    card: ThreadCard


class SlaBreachedNotice(DeskEvent):
    """Told to each supervisor of the thread's team."""

    type: ClassVar[str] = "notification.sla_breached"
    personal: ClassVar[bool] = True
    thread_id: int
    target: Target
    due_at: str
    team_id: int
