"""Loading the reading's models beside the event loop while the desk starts, so the first
post is not held up by it."""

from __future__ import annotations

import asyncio

from server.reading import warm_up


class ReadingWarmUp:
    """A service that runs once: the models load in a thread; stop waits for it."""

    def __init__(self) -> None:
        self._task: asyncio.Future[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.ensure_future(asyncio.to_thread(warm_up))

    async def stop(self) -> None:
        if self._task is not None:
            await self._task
