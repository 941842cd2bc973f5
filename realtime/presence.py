"""Who is looking at a thread and who is typing, across processes.

Presence is ephemeral: it lives in memory (one process) or in a Redis hash per thread
(several processes) with a time stamp, so a process that dies leaves nothing behind for
longer than STALE_SECONDS.
"""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

STALE_SECONDS = 90.0
TYPING_SECONDS = 6.0


class PresenceStore(Protocol):
    async def put(self, thread_id: int, sid: str, entry: dict[str, Any]) -> None: ...
    async def remove(self, thread_id: int, sid: str) -> None: ...
    async def entries(self, thread_id: int) -> dict[str, dict[str, Any]]: ...


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
    def __init__(self, redis: Any) -> None:
        self._redis = redis

    @staticmethod
    def _key(thread_id: int) -> str:
        return f"tandem:presence:{thread_id}"

    async def put(self, thread_id: int, sid: str, entry: dict[str, Any]) -> None:
        key = self._key(thread_id)
        await self._redis.hset(key, sid, json.dumps(entry))
        await self._redis.expire(key, int(STALE_SECONDS * 2))

    async def remove(self, thread_id: int, sid: str) -> None:
        await self._redis.hdel(self._key(thread_id), sid)

    async def entries(self, thread_id: int) -> dict[str, dict[str, Any]]:
        raw = await self._redis.hgetall(self._key(thread_id))
        return {k.decode(): json.loads(v) for k, v in raw.items()}


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
