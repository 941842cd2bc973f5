"""Claim upkeep: renew the claims of people who are connected, expire the others."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

from server.actions.claims import expire_claims, renew_claims
from server.db import Database

log = logging.getLogger("tandem.claims")


class ClaimKeeper:
    def __init__(self, db: Database, grace_seconds: float, connected: Callable[[], Iterable[int]]):
        self.db = db
        self.grace = grace_seconds
        self.connected = connected
        # Renew well before expiry; sweep often enough that expiry is seen within a second.
        self.renew_every = min(15.0, grace_seconds / 4)
        self.sweep_every = min(1.0, grace_seconds / 4)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(self.renew_every, self._renew)),
            asyncio.create_task(self._loop(self.sweep_every, self._sweep)),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _loop(self, every: float, work: Callable[[], object]) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await work()  # type: ignore[misc]
            except Exception:
                log.exception("claim upkeep failed")

    async def _renew(self) -> None:
        await renew_claims(self.db, set(self.connected()), self.grace)

    async def _sweep(self) -> None:
        await expire_claims(self.db)

    async def holder_left(self, user_id: int) -> None:
        """The holder's last connection here closed: the grace period starts now."""
        await renew_claims(self.db, [user_id], self.grace)
