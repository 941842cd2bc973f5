"""Closes resolved threads once TANDEM_CLOSE_AFTER_DAYS passed (server/actions/closing.py)."""

from __future__ import annotations

from server.actions.closing import close_resolved
from server.db import Database
from server.services.rounds import Rounds

EVERY_SECONDS = 60.0  # days-long windows: a minute late is on time


class ThreadCloser:
    def __init__(self, db: Database, after_days: float) -> None:
        self.db = db
        self.after_days = after_days
        self._rounds = Rounds("closing resolved threads", EVERY_SECONDS, self._close)

    async def start(self) -> None:
        self._rounds.start()

    async def stop(self) -> None:
        await self._rounds.stop()

    async def _close(self) -> None:
        await close_resolved(self.db, self.after_days)
