"""The event stream of one process: read committed events in order, hand them to boards.

Every process reads the event log itself (woken by bus hints, and by a poll in case a hint
was lost), keeps the newest events in memory for quick replay, and delivers to each
connected board one batch per pump, so crisis bursts are coalesced per client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from server.db import Database
from server.models import Event

log = logging.getLogger("tandem.stream")

POLL_SECONDS = 1.0
FETCH_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class StreamEvent:
    seq: int
    user_id: int | None
    data: dict[str, Any]  # what a client receives

    @classmethod
    def of(cls, row: Event) -> StreamEvent:
        return cls(
            seq=row.seq,  # type: ignore[arg-type]
            user_id=row.user_id,
            data={
                "seq": row.seq,
                "type": row.type,
                "thread_id": row.thread_id,
                "payload": row.payload,
            },
        )


class Reload(Exception):
    """The client is too far behind to replay; it must load the board afresh."""


class EventStream:
    def __init__(
        self,
        db: Database,
        sio: Any,
        *,
        replay_limit: int,
        coalesce_ms: int,
        head_interval: float,
        buffer_size: int = 10000,
    ) -> None:
        self.db = db
        self.sio = sio
        self.replay_limit = replay_limit
        self.coalesce = coalesce_ms / 1000
        self.head_interval = head_interval
        self.upto = 0  # every event up to here has been read (and is in the buffer)
        self.buffer: deque[StreamEvent] = deque(maxlen=buffer_size)
        self.ready: dict[str, int] = {}  # sid -> user id of boards receiving live events
        # Called with every batch this process reads (every process reads every event);
        # listeners must not block the pump: they schedule their own work.
        self.listeners: list[Callable[[list[StreamEvent]], None]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.upto = await self.latest_seq()
        self._tasks = [asyncio.create_task(self._pump()), asyncio.create_task(self._heads())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def latest_seq(self) -> int:
        async with self.db.read() as session:
            return int(await session.scalar(select(func.max(Event.seq))) or 0)

    def hint(self, seq: int) -> None:
        if seq > self.upto:
            self._wake.set()

    async def _pump(self) -> None:
        last = 0.0
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
            self._wake.clear()
            pause = last + self.coalesce - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            last = time.monotonic()
            try:
                await self._read_and_deliver()
            except Exception:
                log.exception("event stream pump failed; retrying")
                await asyncio.sleep(POLL_SECONDS)

    async def _read_and_deliver(self) -> None:
        while True:
            async with self.db.read() as session:
                rows = (
                    await session.scalars(
                        select(Event)
                        .where(col(Event.seq) > self.upto)
                        .order_by(col(Event.seq))
                        .limit(FETCH_LIMIT)
                    )
                ).all()
            if not rows:
                return
            batch = [StreamEvent.of(row) for row in rows]
            # Advance and pick the recipients with no await in between: a board that is
            # resuming right now either sees these in its replay or is among the recipients.
            self.buffer.extend(batch)
            self.upto = batch[-1].seq
            await self._deliver(batch, dict(self.ready))
            for listener in self.listeners:
                try:
                    listener(batch)
                except Exception:
                    log.exception("event stream listener failed")
            if len(rows) < FETCH_LIMIT:
                return

    async def _deliver(self, batch: list[StreamEvent], ready: dict[str, int]) -> None:
        upto = batch[-1].seq
        personal = {e.user_id for e in batch if e.user_id is not None}
        shared = [e.data for e in batch if e.user_id is None]
        sends = []
        shared_sids = [sid for sid, user in ready.items() if user not in personal]
        if shared and shared_sids:
            sends.append(self._send(shared_sids, shared, upto))
        for user_id in personal:
            sids = [sid for sid, user in ready.items() if user == user_id]
            if sids:
                events = [e.data for e in batch if e.user_id in (None, user_id)]
                sends.append(self._send(sids, events, upto))
        await asyncio.gather(*sends)

    async def _send(self, sids: list[str], events: list[dict[str, Any]], upto: int) -> None:
        await self.sio.emit("events", {"events": events, "upto": upto}, to=sids)

    async def _heads(self) -> None:
        while True:
            await asyncio.sleep(self.head_interval)
            if self.ready:
                await self.sio.emit("head", {"seq": self.upto}, to=list(self.ready))

    async def events_between(self, after: int, upto: int, user_id: int) -> list[dict[str, Any]]:
        """The events (after, upto] that this user may see, from memory or the database."""
        if self.buffer and self.buffer[0].seq <= after + 1:
            picked = [e for e in self.buffer if after < e.seq <= upto]
        else:
            async with self.db.read() as session:
                rows = (
                    await session.scalars(
                        select(Event)
                        .where(col(Event.seq) > after, col(Event.seq) <= upto)
                        .order_by(col(Event.seq))
                    )
                ).all()
            picked = [StreamEvent.of(row) for row in rows]
        return [e.data for e in picked if e.user_id in (None, user_id)]

    async def resume(self, sid: str, user_id: int, since: int) -> int:
        """Replay (since, now] to one board, then keep it live; returns the board's seq."""
        if since > self.upto:
            # The client saw newer events through another process; read up to them first.
            self._wake.set()
            for _ in range(40):
                if self.upto >= since:
                    break
                await asyncio.sleep(0.05)
            else:
                # Numbers this desk never issued (a restored database): start afresh.
                raise Reload()
        if self.upto - since > self.replay_limit:
            raise Reload()
        target = since
        while target < self.upto:
            end = self.upto
            events = await self.events_between(target, end, user_id)
            if events:
                await self._send([sid], events, end)
            target = end
        # No await since the loop's last check: from here on the pump delivers to this board.
        self.ready[sid] = user_id
        return max(target, since)

    def leave(self, sid: str) -> None:
        self.ready.pop(sid, None)
