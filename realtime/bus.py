"""The bus between the processes of one desk (server.bus.Bus): in-process, or Redis pub/sub.

Only hints travel on it ("events up to seq N are committed") plus ephemeral messages such
as presence. Events themselves are read from the database, so a hint lost while Redis
reconnects delays a delivery by one poll interval but loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from server.bus import Bus, BusHandler

log = logging.getLogger("tandem.bus")

Reconnected = Callable[[], Awaitable[None]]
CHANNEL = "tandem:bus"
# Every Redis command gives up after this long: a hung Redis must not hang a request,
# a board command or /readyz (redis-py would otherwise retry ten times with backoff).
COMMAND_TIMEOUT = 1.0
# After a failed command, others skip Redis this long (answering from local state at once)
# instead of each waiting out its own timeout; /readyz's ping and the subscriber probe it.
BACKOFF_SECONDS = 3.0
T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis failed a moment ago; the caller falls back without waiting."""


class LocalBus:
    """One process: publishing is calling the handler."""

    def __init__(self) -> None:
        self._handler: BusHandler | None = None

    async def start(self, on_message: BusHandler) -> None:
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
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        # Commands: short timeouts, one retry (a pooled connection may be stale after a
        # restart). The subscription has a client of its own: it waits for messages
        # without a read timeout, and notices a dead Redis by its health checks.
        self._redis = redis.from_url(
            url, socket_timeout=COMMAND_TIMEOUT / 2, socket_connect_timeout=COMMAND_TIMEOUT / 2,
            retry=Retry(NoBackoff(), 1),
        )
        self._subscriber = redis.from_url(
            url, health_check_interval=5, socket_connect_timeout=COMMAND_TIMEOUT,
            socket_keepalive=True,
        )
        self._task: asyncio.Task[None] | None = None
        self._reconnected: list[Reconnected] = []
        self._skip_until = 0.0

    @property
    def client(self) -> Any:
        return self._redis

    async def run(self, command: Callable[[Any], Awaitable[T]]) -> T:
        """One Redis command within COMMAND_TIMEOUT; refused at once while Redis is failing."""
        if time.monotonic() < self._skip_until:
            raise RedisUnavailable()
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT):
                result = await command(self._redis)
        except Exception:
            self._skip_until = time.monotonic() + BACKOFF_SECONDS
            raise
        return result

    def on_reconnect(self, hook: Reconnected) -> None:
        """Call `hook` each time the subscription is back after Redis was lost, to put
        back what lives only in Redis (presence: a restarted Redis forgot everyone)."""
        self._reconnected.append(hook)

    async def start(self, on_message: BusHandler) -> None:
        # A desk whose Redis is down still starts (and says so on /readyz); the listener
        # keeps trying, and the event stream's poll covers the hints missed meanwhile.
        ready = asyncio.Event()
        self._task = asyncio.create_task(self._listen(on_message, ready))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ready.wait(), 5)

    async def _listen(self, on_message: BusHandler, ready: asyncio.Event) -> None:
        lost = False
        while True:
            try:
                async with self._subscriber.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    ready.set()
                    if lost:
                        lost = False
                        self._skip_until = 0.0
                        log.info("redis bus subscribed again")
                        await self._announce_reconnect()
                    async for raw in pubsub.listen():
                        try:
                            await on_message(json.loads(raw["data"]))
                        except Exception:
                            log.exception("bus message failed: %r", raw)
            except asyncio.CancelledError:
                raise
            except Exception:
                # What was published meanwhile is gone; the event stream's poll repairs it.
                if not lost:
                    log.warning("redis bus lost its subscription; reconnecting", exc_info=True)
                lost = True
                ready.set()
                await asyncio.sleep(0.5)

    async def _announce_reconnect(self) -> None:
        for hook in self._reconnected:
            try:
                await hook()
            except Exception:
                log.exception("after the redis bus came back, %r failed", hook)

    async def publish(self, message: dict[str, Any]) -> None:
        data = json.dumps(message, separators=(",", ":"))
        try:
            await self.run(lambda redis: redis.publish(CHANNEL, data))
        except RedisUnavailable:
            pass  # logged when it failed; subscribers catch up by polling
        except Exception:
            log.warning("redis publish failed; subscribers catch up by polling", exc_info=True)

    async def ping(self) -> None:
        """The readiness probe: always asks Redis (within the timeout), and clears the
        back-off when it answers."""
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT):
                await self._redis.ping()
        except Exception:
            self._skip_until = time.monotonic() + BACKOFF_SECONDS
            raise
        self._skip_until = 0.0

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._redis.aclose()
        await self._subscriber.aclose()


def make_bus(redis_url: str | None) -> Bus:
    return RedisBus(redis_url) if redis_url else LocalBus()
