"""Who is looking at a thread and who is typing, across processes.

Presence is ephemeral: it lives in memory (one process) or in a Redis hash per thread
(several processes) with a time stamp, so a process that dies leaves nothing behind for
longer than STALE_SECONDS.

With Redis, each process also keeps its own viewers in memory: while Redis is down or
hung, `view` answers from them (this process's viewers only) without waiting on it, and
when the bus is back they are written again and announced, so a restarted Redis (which
forgot everyone) shows every viewer at once rather than at the next refresh.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Protocol

from realtime.bus import RedisBus, RedisUnavailable
from server.bus import Bus

log = logging.getLogger("tandem.presence")

STALE_SECONDS = 90.0
TYPING_SECONDS = 6.0


class PresenceStore(Protocol):
    async def put(self, thread_id: int, sid: str, entry: dict[str, Any]) -> None: ...
    async def remove(self, thread_id: int, sid: str) -> None: ...
    async def entries(self, thread_id: int) -> dict[str, dict[str, Any]]: ...


def _note(message: str, exc: Exception) -> None:
    # The first failure is worth a warning; the skipped calls after it are not.
    if not isinstance(exc, RedisUnavailable):
        log.warning(message, exc)


class MemoryPresence:
    def __init__(self) -> None:
        self._threads: dict[int, dict[str, dict[str, Any]]] = {}

    async def put(self, thread_id: int, sid: str, entry: dict[str, Any]) -> None:
        self._threads.setdefault(thread_id, {})[sid] = entry

    async def remove(self, thread_id: int, sid: str) -> None:
        viewers = self._threads.get(thread_id, {})
        viewers.pop(sid, None)
        if not viewers:
            self._threads.pop(thread_id, None)

    async def entries(self, thread_id: int) -> dict[str, dict[str, Any]]:
        return dict(self._threads.get(thread_id, {}))


class RedisPresence:
    def __init__(self, bus: RedisBus) -> None:
        self._bus = bus
        self._local = MemoryPresence()
        self._known_threads: set[int] = set()
        bus.on_reconnect(self.announce_again)

    @staticmethod
    def _key(thread_id: int) -> str:
        return f"tandem:presence:{thread_id}"

    async def _write(self, thread_id: int, sid: str, entry: dict[str, Any]) -> None:
        key = self._key(thread_id)

        async def write(redis: Any) -> None:
            async with redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, sid, json.dumps(entry))
                pipe.expire(key, int(STALE_SECONDS * 2))
                await pipe.execute()

        await self._bus.run(write)

    async def put(self, thread_id: int, sid: str, entry: dict[str, Any]) -> None:
        await self._local.put(thread_id, sid, entry)
        self._known_threads.add(thread_id)
        try:
            await self._write(thread_id, sid, entry)
        except Exception as exc:
            _note("presence kept locally, redis failed: %r", exc)

    async def remove(self, thread_id: int, sid: str) -> None:
        await self._local.remove(thread_id, sid)
        try:
            await self._bus.run(lambda redis: redis.hdel(self._key(thread_id), sid))
        except Exception as exc:
            # The entry goes stale in Redis after STALE_SECONDS anyway.
            _note("presence removal not written to redis: %r", exc)

    async def entries(self, thread_id: int) -> dict[str, dict[str, Any]]:
        try:
            raw = await self._bus.run(lambda redis: redis.hgetall(self._key(thread_id)))
        except Exception as exc:
            _note("presence from this process only, redis failed: %r", exc)
            return await self._local.entries(thread_id)
        # Ours first, then Redis's: a write that failed meanwhile still counts here.
        return {**await self._local.entries(thread_id),
                **{k.decode(): json.loads(v) for k, v in raw.items()}}

    async def announce_again(self) -> None:
        """Write this process's viewers back and tell every process who is looking."""
        for thread_id in sorted(self._known_threads):
            mine = await self._local.entries(thread_id)
            if not mine:
                self._known_threads.discard(thread_id)
                continue
            for sid, entry in mine.items():
                await self._write(thread_id, sid, {**entry, "seen": time.time()})
            summary = summarize(await self.entries(thread_id))
            await self._bus.publish(
                {"kind": "presence", "thread_id": thread_id, "presence": summary})


def make_presence(bus: Bus) -> PresenceStore:
    return RedisPresence(bus) if isinstance(bus, RedisBus) else MemoryPresence()


def summarize(entries: dict[str, dict[str, Any]], now: float | None = None) -> dict[str, Any]:
    """One entry per person: viewing if any of their tabs is fresh, typing if any types."""
    now = time.time() if now is None else now
    people: dict[int, dict[str, Any]] = {}
    for entry in entries.values():
        if now - entry["seen"] > STALE_SECONDS:
            continue
        person = people.setdefault(
            entry["user_id"], {"id": entry["user_id"], "name": entry["name"], "typing": False}
        )
        person["typing"] = person["typing"] or now - entry.get("typing_at", 0) < TYPING_SECONDS
    viewers = sorted(people.values(), key=lambda p: p["name"])
    return {"viewers": viewers, "typing": [p for p in viewers if p["typing"]]}
