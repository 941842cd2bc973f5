"""The bus between the processes of one desk: in-process, or Redis pub/sub.

Only hints travel on it ("events up to seq N are committed") plus ephemeral messages such
as presence. Events themselves are read from the database, so a hint lost while Redis
reconnects delays a delivery by one poll interval but loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger("tandem.bus")

Handler = Callable[[dict[str, Any]], Awaitable[None]]
CHANNEL = "tandem:bus"


class Bus(Protocol):
    async def start(self, on_message: Handler) -> None: ...
    async def publish(self, message: dict[str, Any]) -> None: ...
    async def ping(self) -> None: ...
    async def close(self) -> None: ...


class LocalBus:
    """One process: publishing is calling the handler."""

    def __init__(self) -> None:
        self._handler: Handler | None = None

    async def start(self, on_message: Handler) -> None:
        self._handler = on_message

    async def publish(self, message: dict[str, Any]) -> None:
        if self._handler is not None:
            await self._handler(message)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._handler = None


class RedisBus:
    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url, health_check_interval=15)
        self._task: asyncio.Task[None] | None = None

    @property
    def client(self) -> Any:
        return self._redis

    async def start(self, on_message: Handler) -> None:
        # A desk whose Redis is down still starts (and says so on /readyz); the listener
        # keeps trying, and the event stream's poll covers the hints missed meanwhile.
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._listen(on_message, ready))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 5)

    async def _listen(self, on_message: Handler, ready: asyncio.Event) -> None:
        while True:
            try:
                async with self._redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    ready.set()
                    async for raw in pubsub.listen():
                        try:
                            await on_message(json.loads(raw["data"]))
                        except Exception:
                            log.exception("bus message failed: %r", raw)
            except asyncio.CancelledError:
                raise
            except Exception:
                # What was published meanwhile is gone; the event stream's poll repairs it.
                log.warning("redis bus lost its subscription; reconnecting", exc_info=True)
                ready.set()
                await asyncio.sleep(1)

    async def publish(self, message: dict[str, Any]) -> None:
        try:
            await self._redis.publish(CHANNEL, json.dumps(message, separators=(",", ":")))
        except Exception:
            log.warning("redis publish failed; subscribers catch up by polling", exc_info=True)

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._redis.aclose()


def make_bus(redis_url: str | None) -> Bus:
    return RedisBus(redis_url) if redis_url else LocalBus()
