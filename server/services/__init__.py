"""The desk's long-running services: the outbox sender, the watchers of polled and streamed
channels, claim upkeep and the simulator.

Each is a Service. create_app() lists them once; the app starts them in that order after the
realtime side and stops them in reverse before it. A service's loop stops between two rounds
of work, never inside a transaction (server/services/rounds.py).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger("tandem.services")


class Service(Protocol):
    async def start(self) -> None:
        """Begin the work in the background and return."""
        ...

    async def stop(self) -> None:
        """Finish or hand back the work under way (within a grace period), then return."""
        ...


class Services:
    """The services of one app, started and stopped together."""

    def __init__(self, services: Sequence[Service]) -> None:
        self.services = list(services)
        self.running: list[Service] = []

    async def start(self) -> None:
        for service in self.services:
            await service.start()
            self.running.append(service)

    async def stop(self) -> None:
        while self.running:
            service = self.running.pop()
            try:
                await service.stop()
            except Exception:
                log.exception("service %r did not stop cleanly", service)
