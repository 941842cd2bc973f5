"""The event stream of one process: read committed events in order, hand them to boards.

Every process reads the event log itself (woken by bus hints, and by a poll in case a hint
was lost) and keeps the newest events in memory for quick replay. Each connected board
knows how far it has been sent; a pump hands every board one frame with all it lacks, so
bursts are coalesced per client. A board whose connection is still writing earlier frames
is left out of a pump and gets one bigger frame later instead of a queue of small ones.
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

from engineio import packet as eio_packet
from sqlalchemy import func, select
from sqlmodel import col

from realtime.fanout import Sender, newest_cards
from server.db import Database, compact_json
from server.metrics import FANOUT_LAG
from server.models import Event
from server.models.time import aware, utcnow

log = logging.getLogger("tandem.stream")

POLL_SECONDS = 1.0
FETCH_LIMIT = 2000


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One committed event as this process keeps it: as the JSON a client receives.

    Text, not dicts: the buffer holds up to 10,000 events, and the garbage collector walks
    every dict on every full collection (strings it never walks); frames are then joined
    from these texts instead of encoding every event again for every group of boards.
    """

    seq: int
    user_id: int | None
    thread_id: int | None
    card_id: int | None  # the thread whose card the event carries, if it carries one
    text: str  # {"seq", "type", "thread_id", "payload"}
    bare: str | None  # the same without the card, for compact batches (if it has a card)

    @classmethod
    def of(cls, row: Event) -> StreamEvent:
        data = {"seq": row.seq, "type": row.type, "thread_id": row.thread_id,
                "payload": row.payload}
        card = row.payload.get("card")
        card_id = card.get("id") if isinstance(card, dict) else None
        bare = None
        if card_id is not None:
            rest = {k: v for k, v in row.payload.items() if k != "card"}
            bare = compact_json({**data, "payload": rest})
        return cls(seq=row.seq, user_id=row.user_id,  # type: ignore[arg-type]
                   thread_id=row.thread_id, card_id=card_id, text=compact_json(data), bare=bare)


@dataclass(slots=True)
class Board:
    user_id: int
    compact: bool  # each thread's card once per frame (realtime.fanout.newest_cards)
    sent: int  # every event up to here is queued for this board, or is not its to see


class Reload(Exception):
    """The client is too far behind to replay; it must load the board afresh."""


Span = tuple[list[StreamEvent], set[int]]  # events after some seq, and whose personal ones


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
        self.sender = Sender(sio)
        self.replay_limit = replay_limit
        self.coalesce = coalesce_ms / 1000
        self.head_interval = head_interval
        self.upto = 0  # every event up to here has been read (and is in the buffer)
        self.start_seq = 0  # where reading began: the buffer holds every event after it
        self.buffer: deque[StreamEvent] = deque(maxlen=buffer_size)
        self.ready: dict[str, Board] = {}  # sid -> boards receiving live events
        self.behind = False  # some board was left out of the last pump
        # Called with every batch this process reads (every process reads every event);
        # listeners must not block the pump: they schedule their own work.
        self.listeners: list[Callable[[list[StreamEvent]], None]] = []
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self.upto = self.start_seq = await self.latest_seq()
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
            # A pump that took longer than the window is followed at once: its frames
            # then carry everything committed meanwhile.
            pause = last + self.coalesce - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
            last = time.monotonic()
            try:
                await self._read_and_deliver()
            except Exception:
                log.exception("event stream pump failed; retrying")
                await asyncio.sleep(POLL_SECONDS)
            if self.behind:
                self._wake.set()  # what they lack goes out at the next pump, read or not

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
            batch = [StreamEvent.of(row) for row in rows]
            if batch:
                # Advance with no await before the boards' frames are planned: a board
                # resuming right now either sees these in its replay or is planned for.
                self.buffer.extend(batch)
                self.upto = batch[-1].seq
            await self._deliver()
            if rows:
                # One observation per read: the newest event's wait stands for the batch.
                FANOUT_LAG.observe(max(0.0, (utcnow() - aware(rows[-1].created_at))
                                       .total_seconds()))
            for listener in self.listeners if batch else ():
                try:
                    listener(batch)
                except Exception:
                    log.exception("event stream listener failed")
            if len(rows) < FETCH_LIMIT:
                return

    async def _deliver(self) -> None:
        """Queue one frame for every ready board with what it has not been sent yet.

        Boards that lack the same events (and no personal ones) share one encoded frame.
        """
        upto = self.upto
        spans: dict[int, Span] = {}  # by the seq the boards were sent up to
        groups: dict[tuple[int, int | None, bool], list[str]] = {}
        lost: list[str] = []
        self.behind = False
        # Planned with no await: every board is in exactly one group or left for later.
        for sid, board in list(self.ready.items()):
            if board.sent >= upto:
                continue
            if self.sender.busy(sid):
                self.behind = True
                continue
            span = spans.get(board.sent) or self._buffered_after(board.sent)
            if span is None:
                # Left out for so long that memory no longer reaches back: like any
                # client that lost events, it must resume (and may have to reload).
                del self.ready[sid]
                lost.append(sid)
                continue
            spans[board.sent] = span
            user = board.user_id if board.user_id in span[1] else None
            groups.setdefault((board.sent, user, board.compact), []).append(sid)
            board.sent = upto
        for (after, user, compact), sids in groups.items():
            events = [e for e in spans[after][0] if e.user_id in (None, user)]
            if events:
                await self.sender.send(sids, self._frame(events, upto, compact))
        await self.sender.emit(lost, "head", {"seq": upto})

    def _covered(self) -> int:
        """Every event after this seq is in the buffer."""
        if len(self.buffer) == self.buffer.maxlen:
            return self.buffer[0].seq - 1  # older ones were dropped
        return self.start_seq

    def _buffered_after(self, after: int) -> Span | None:
        """The events after `after` from memory, or None when memory no longer has them all."""
        if after < self._covered():
            return None
        picked: list[StreamEvent] = []
        for event in reversed(self.buffer):
            if event.seq <= after:
                break
            picked.append(event)
        picked.reverse()
        return picked, {e.user_id for e in picked if e.user_id is not None}

    async def _heads(self) -> None:
        while True:
            await asyncio.sleep(self.head_interval)
            # Each board hears how far it has been sent: a board left out of a pump for a
            # moment has lost nothing and should not resume.
            marks: dict[int, list[str]] = {}
            for sid, board in self.ready.items():
                marks.setdefault(board.sent, []).append(sid)
            for seq, sids in marks.items():
                await self.sender.emit(sids, "head", {"seq": seq})

    def _frame(self, events: list[StreamEvent], upto: int, compact: bool) -> eio_packet.Packet:
        texts = newest_cards(events) if compact else [e.text for e in events]
        return self.sender.frame(
            "events", '{"events":[' + ",".join(texts) + '],"upto":' + str(upto) + "}"
        )

    async def events_between(self, after: int, upto: int, user_id: int) -> list[StreamEvent]:
        """The events (after, upto] that this user may see, from memory or the database."""
        if after >= self._covered():
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
        return [e for e in picked if e.user_id in (None, user_id)]

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
        compact = self.sender.wants_compact(sid)
        target = since
        while target < self.upto:
            end = self.upto
            events = await self.events_between(target, end, user_id)
            if events:
                await self.sender.send([sid], self._frame(events, end, compact))
            target = end
        # No await since the loop's last check: from here on the pump delivers to this board.
        seq = max(target, since)
        self.ready[sid] = Board(user_id, compact, sent=seq)
        return seq

    def leave(self, sid: str) -> None:
        self.ready.pop(sid, None)
