"""The service-level timer: every quarter second it announces the clocks due (warnings and
breaches, server/actions/sla_alarms.py), so each comes within a second of its time on
whichever process takes it first."""

from __future__ import annotations

from server.actions.sla_alarms import fire_due
from server.db import Database
from server.models import utcnow
from server.services.rounds import Rounds

EVERY_SECONDS = 0.25


class SlaTimer:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._rounds = Rounds("sla timer", EVERY_SECONDS, self._round)

    async def start(self) -> None:
        self._rounds.start()

    async def stop(self) -> None:
        await self._rounds.stop()

    async def _round(self) -> None:
        await fire_due(self.db, utcnow())
