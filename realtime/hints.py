"""Telling the other processes that the event log grew, without making anyone wait for it.

Every committed write hints "events up to seq N exist" on the bus. Awaiting that publish
inside the action would add a Redis round trip to every claim and every webhook, so the
action only notes its seq here and one task publishes the newest seq noted, as fast as the
bus takes them: a burst of commits becomes one hint. A hint that fails to go out costs the
other processes one poll interval of the event stream, never an event.
"""

from __future__ import annotations

import asyncio
import logging

from server.bus import Bus

log = logging.getLogger("tandem.hints")

RETRY_SECONDS = 1.0


class HintPublisher:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.newest = 0  # the highest seq noted
        self.published = 0  # the highest seq the bus has taken
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def note(self, seq: int) -> None:
        if seq > self.newest:
            self.newest = seq
            self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            seq = self.newest
            if seq <= self.published:
                continue
            try:
                await self.bus.publish({"kind": "events", "seq": seq})
            except Exception:
                log.warning("could not publish the event hint %s; retrying", seq, exc_info=True)
                self._wake.set()
                await asyncio.sleep(RETRY_SECONDS)
                continue
            self.published = seq
