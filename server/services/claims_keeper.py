"""Claim upkeep: renew the claims of people who are connected, expire the others.

A Service; create_app() gives it who is connected to this process (the realtime side) and
tells it when a holder's last connection here closed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from server.actions.claims import expire_claims, renew_claims
from server.db import Database
from server.services.rounds import Rounds


class ClaimKeeper:
    def __init__(self, db: Database, grace_seconds: float, connected: Callable[[], Iterable[int]]):
        self.db = db
        self.grace = grace_seconds
        self.connected = connected
        # Renew well before expiry; sweep often enough that expiry is seen within a second.
        self.renew_every = min(15.0, grace_seconds / 4)
        self.sweep_every = min(1.0, grace_seconds / 4)
        self._rounds = [
            Rounds("claim renewal", self.renew_every, self._renew),
            Rounds("claim expiry", self.sweep_every, self._sweep),
        ]

    async def start(self) -> None:
        for rounds in self._rounds:
            rounds.start()

    async def stop(self) -> None:
        await asyncio.gather(*(rounds.stop() for rounds in self._rounds))

    async def _renew(self) -> None:
        await renew_claims(self.db, set(self.connected()), self.grace)

    async def _sweep(self) -> None:
        await expire_claims(self.db)

    async def holder_left(self, user_id: int) -> None:
        """The holder's last connection here closed: the grace period starts now."""
        await renew_claims(self.db, [user_id], self.grace)
