"""The outbox sender: takes due outbox items and hands them to their channel's adapter.

Every process runs one (a Service); the conditional take in `start_sending` makes sure only
one of them sends a given attempt. The network call runs outside any transaction, and its
outcome is written back in a transaction of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from channels.base import PermanentError, ReplySender, SendError, TemporaryError
from server.actions.outbox import (
    SendJob,
    due_items,
    record_failure,
    record_sent,
    start_sending,
)
from server.desk import Desk
from server.models import NewEvent
from server.services.rounds import STOP_GRACE_SECONDS, Rounds, stop_within

log = logging.getLogger("tandem.sender")

POLL_SECONDS = 0.5
CONCURRENCY = 8


class OutboxSender:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.senders: Mapping[str, ReplySender] = desk.adapters.senders
        self._rounds = Rounds("outbox sender", POLL_SECONDS, self._pick_up)
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._sending: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._rounds.start()

    async def stop(self) -> None:
        """Take nothing new; let the sends under way finish and record their outcome (an
        unfinished one is sent again later under the same idempotency key)."""
        await self._rounds.stop()
        await asyncio.gather(*(stop_within(task, STOP_GRACE_SECONDS) for task in list(self._tasks)))

    async def committed(self, events: Sequence[NewEvent]) -> None:
        """The after-commit subscriber (create_app's table)."""
        # New work in this process: look now instead of at the next poll. Customers'
        # messages are most of what commits and never need sending: they do not wake it.
        if any(_outgoing(e) for e in events):
            self._rounds.wake()

    async def _pick_up(self) -> None:
        for item_id in await due_items(self.desk.db):
            if item_id in self._sending:
                continue
            await self._slots.acquire()
            try:
                job = await start_sending(self.desk.db, self.desk.box, item_id)
            except BaseException:
                self._slots.release()
                raise
            if job is None:
                self._slots.release()
                continue
            self._sending.add(item_id)
            task = asyncio.create_task(self._send(job))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, job: SendJob) -> None:
        try:
            try:
                result = await self._call(job)
            except SendError as error:
                await record_failure(self.desk.db, job, error)
            except Exception as error:
                log.exception("sending outbox item %s failed", job.item_id)
                await record_failure(
                    self.desk.db, job, TemporaryError(f"internal error: {error.__class__.__name__}")
                )
            else:
                await record_sent(self.desk.db, job, result)
        except Exception:
            # The outcome could not be stored; the lease runs out and the item is sent
            # again with the same idempotency key, which the network publishes once.
            log.exception("could not record the outcome of outbox item %s", job.item_id)
        finally:
            self._sending.discard(job.item_id)
            self._slots.release()
            self._rounds.wake()

    async def _call(self, job: SendJob) -> Any:
        sender = self.senders.get(job.adapter)
        if sender is None:
            raise PermanentError("this channel cannot send replies")
        send = (sender.send_public_reply if job.ref.visibility == "public"
                else sender.send_private_message)
        return await send(job.account, job.ref, job.text, job.idempotency_key)


def _outgoing(event: NewEvent) -> bool:
    if event.type == "message.delivery":
        return True
    message = event.payload.get("message") if event.type == "message.added" else None
    return isinstance(message, dict) and message.get("direction") == "out"
