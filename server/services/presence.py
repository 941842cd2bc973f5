"""Availability by presence: whom no process has seen with a live connection for
TANDEM_AWAY_AFTER_MINUTES goes from online to away, and is online again once seen
(server/actions/availability.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from server.actions.availability import mark_away, see_connected
from server.db import Database
from server.models import utcnow
from server.services.rounds import Rounds


class PresenceKeeper:
    def __init__(self, db: Database, away_after_minutes: float,
                 connected: Callable[[], Iterable[int]]) -> None:
        self.db = db
        self.away_after = timedelta(minutes=away_after_minutes)
        self.connected = connected
        # Seen often enough that a live person never looks gone to another process.
        every = min(15.0, self.away_after.total_seconds() / 4)
        self._rounds = Rounds("presence", every, self._round)

    async def start(self) -> None:
        self._rounds.start()

    async def stop(self) -> None:
        await self._rounds.stop()

    async def _round(self) -> None:
        now = utcnow()
        await see_connected(self.db, self.connected(), now)
        await mark_away(self.db, self.away_after, now)
