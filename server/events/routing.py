"""Events about who takes work: an agent's availability changed."""

from __future__ import annotations

from typing import ClassVar, Literal

from server.events.base import DeskEvent
from server.events.board import UserRef


class AvailabilityChanged(DeskEvent):
    type: ClassVar[str] = "availability.changed"
    user: UserRef
    state: Literal["online", "away", "busy", "offline"]
    by_hand: bool  # false: presence set it (no live connection for a while)
