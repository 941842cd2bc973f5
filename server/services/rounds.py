"""Background work in rounds that stops between rounds, not in the middle of one.

Cancelling a task inside a database transaction leaves the pool to roll the connection
back and log an error at shutdown; a loop built on `Rounds` finishes the round it is in
(up to a grace period) and then ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("tandem.rounds")

STOP_GRACE_SECONDS = 5.0


class Rounds:
    """Call `work` every `every` seconds (or sooner after `wake()`) until `stop()`."""

    def __init__(self, name: str, every: float, work: Callable[[], Awaitable[object]]) -> None:
        self.name = name
        self.every = every
        self.work = work
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        await stop_within(self._task, grace)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.every)
            if self._stopping:
                return
            self._wake.clear()
            try:
                await self.work()
            except Exception:
                log.exception("%s failed; trying again in the next round", self.name)


async def stop_within(task: asyncio.Task[object], grace: float) -> None:
    """Let a task finish on its own for `grace` seconds, then cancel it."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
    await asyncio.gather(task, return_exceptions=True)
