"""Events about reply drafts: who the claim holder invited to write along.

The keystrokes themselves are not events: they travel as CRDT updates between the editors
(realtime/drafts.py) and land in the draft row, never in the event log.
"""

from __future__ import annotations

from typing import ClassVar

from server.events.base import DeskEvent
from server.events.board import UserRef


class DraftInvited(DeskEvent):
    type: ClassVar[str] = "draft.invited"
    thread_id: int
    user: UserRef
    by: UserRef
    invited: list[UserRef]  # everyone invited now, so a client replaces its list


class DraftUninvited(DeskEvent):
    type: ClassVar[str] = "draft.uninvited"
    thread_id: int
    user: UserRef
    by: UserRef
    invited: list[UserRef]
