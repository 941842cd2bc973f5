"""The KPIs, read once per tick and pushed to every board connected to this process.

Each process reads the figures itself (they are aggregates over indexed time windows,
server/warroom/kpis.py) and sends them only to its own connections, past the Redis bus
(`ignore_queue`): with several processes every board hears its own process once per tick,
never each process's copy.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from server.db import Database
from server.models import utcnow
from server.services.rounds import Rounds
from server.settings import Settings
from server.warroom.kpis import Kpis, read_kpis

TICK_SECONDS = 5.0


def targets(settings: Settings) -> dict[str, timedelta]:
    """The first-response target per visibility: the desk's SLA settings."""
    return {"public": timedelta(minutes=settings.sla_public_minutes),
            "private": timedelta(minutes=settings.sla_private_minutes)}


async def current_kpis(db: Database, settings: Settings, online: int) -> Kpis:
    async with db.read() as session:
        return await read_kpis(session, utcnow(), targets(settings), online)


class KpiService:
    def __init__(self, db: Database, settings: Settings, sio: Any,
                 here: Callable[[], object], online: Callable[[], Awaitable[set[int]]]) -> None:
        self.db, self.settings, self.sio = db, settings, sio
        self.here, self.online = here, online  # connected to this process; to the desk
        self.latest: Kpis | None = None
        self._rounds = Rounds("war-room figures", TICK_SECONDS, self._tick)

    async def start(self) -> None:
        self._rounds.start()

    async def stop(self) -> None:
        await self._rounds.stop()

    async def _tick(self) -> None:
        if not self.here():
            return  # nobody watches here
        online = len(await self.online())
        self.latest = await current_kpis(self.db, self.settings, online)
        await self.sio.emit("kpis", self.latest.as_json(), ignore_queue=True)
