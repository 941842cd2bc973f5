"""Events of bulk work on the board: how far a bulk action has come, for the person
who started it (each thread's own change is the usual thread event, with its card)."""

from __future__ import annotations

from typing import ClassVar

from server.events.base import DeskEvent


class BulkProgress(DeskEvent):
    type: ClassVar[str] = "bulk.progress"
    personal: ClassVar[bool] = True
    job: str  # the token the caller gave the bulk command
    done: int  # threads handled so far (changed or skipped)
    total: int
