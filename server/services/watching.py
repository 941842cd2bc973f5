"""The watch service: reads the channels that are polled or streamed (Mastodon, YouTube, e-mail).

Every process runs one (a Service). Each tick it looks for active channels whose adapter is a
ChannelWatcher,
takes the lease of those nobody reads (server/actions/watches.py) and runs the adapter's
`watch` for them; it renews its leases and stops a reader whose lease it lost or whose
channel was deactivated. A reader hands batches to an Intake that ingests them and then
saves the cursor, so after any crash the next reader resumes after the last stored batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from channels.base import ChannelWatcher, InboundItem, PermanentError, TemporaryError
from server.actions import watches
from server.actions.ingest import IngestBusy, do_ingest
from server.desk import Desk
from server.models import ChannelWatch, utcnow
from server.services.rounds import Rounds

log = logging.getLogger("tandem.watching")

TICK_SECONDS = 2.0
LEASE_SECONDS = 30.0
FIRST_BACKOFF = 2.0
MAX_BACKOFF = 300.0


class LeaseLost(Exception):
    """Another process reads this channel now; this reader must stop."""


class DeskIntake:
    """What a watcher delivers to: the desk's ingest, then the channel's cursor."""

    def __init__(self, desk: Desk, channel_id: int, holder: str) -> None:
        self.desk = desk
        self.channel_id = channel_id
        self.holder = holder
        self.delivered = 0

    async def deliver(self, items: list[InboundItem], cursor: Mapping[str, Any]) -> None:
        if items:
            try:
                await do_ingest(self.desk.ingest, self.channel_id, items)
            except IngestBusy as busy:
                raise TemporaryError("the desk is storing a burst; reading on shortly",
                                     busy.retry_after) from None
            self.delivered += len(items)
        if not await watches.save_cursor(self.desk.db, self.channel_id, self.holder, cursor):
            raise LeaseLost()

    async def report(self, status: Mapping[str, Any]) -> None:
        if not await watches.save_report(self.desk.db, self.channel_id, self.holder, status):
            raise LeaseLost()


class WatchService:
    def __init__(self, desk: Desk, watchers: Mapping[str, ChannelWatcher] | None = None) -> None:
        self.desk = desk
        self.watchers = dict(desk.adapters.watchers() if watchers is None else watchers)
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._readers: dict[int, asyncio.Task[None]] = {}
        self._rounds = Rounds("watch service", TICK_SECONDS, self._tick)

    async def start(self) -> None:
        if self.watchers:
            self._rounds.start()
            self._rounds.wake()

    async def stop(self) -> None:
        await self._rounds.stop()
        # Readers mostly wait on the network; one cancelled while storing a batch has not
        # saved its cursor, so the next reader reads that batch again (stored once).
        tasks = list(self._readers.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel_id in list(self._readers):
            with contextlib.suppress(Exception):
                # Let another process take over at once instead of after the lease.
                await watches.release(self.desk.db, channel_id, self.holder)

    async def _tick(self) -> None:
        db = self.desk.db
        held = await watches.renew(db, self.holder, list(self._readers), LEASE_SECONDS)
        channels = await watches.active_channels(db, self.watchers)
        for channel_id, task in list(self._readers.items()):
            if task.done() or channel_id not in held or channel_id not in channels:
                task.cancel()
                del self._readers[channel_id]
                if channel_id in held:  # deactivated: free the lease for a later reconnect
                    await watches.release(db, channel_id, self.holder)
        now = utcnow()
        for channel_id, watch in channels.items():
            if channel_id in self._readers or not watches.may_take(watch, self.holder, now):
                continue
            start = await watches.take_lease(db, self.desk.box, channel_id, self.holder,
                                             LEASE_SECONDS)
            if start is not None and start.adapter in self.watchers:
                self._readers[channel_id] = asyncio.create_task(self._read(start))

    async def _read(self, start: watches.WatchStart) -> None:
        """Run one channel's watcher until cancelled, the lease is lost, or it is refused."""
        db, channel_id = self.desk.db, start.account.channel_id
        watcher = self.watchers[start.adapter]
        cursor = start.cursor
        backoff = FIRST_BACKOFF
        while True:
            intake = DeskIntake(self.desk, channel_id, self.holder)
            try:
                await watches.mark(db, channel_id, self.holder, "running")
                await watcher.watch(start.account, cursor, intake)
                wait = FIRST_BACKOFF  # a watcher is not meant to return; start it again
            except LeaseLost:
                return
            except PermanentError as refused:
                log.warning("channel %s stopped: %s", channel_id, refused.message)
                await watches.mark(db, channel_id, self.holder, "stopped", refused.message)
                await watches.release(db, channel_id, self.holder)
                return
            except TemporaryError as error:
                wait = error.retry_after if error.retry_after is not None else backoff
                await self._retry_later(channel_id, error.message, wait)
            except Exception as error:
                log.exception("watching channel %s failed", channel_id)
                wait = backoff
                await self._retry_later(
                    channel_id, f"internal error: {error.__class__.__name__}: {error}", wait)
            backoff = FIRST_BACKOFF if intake.delivered else min(backoff * 2, MAX_BACKOFF)
            row = await self._pause(channel_id, wait)
            if row is None:
                return
            cursor = dict(row.cursor)

    async def _retry_later(self, channel_id: int, why: str, seconds: float) -> None:
        await watches.mark(self.desk.db, channel_id, self.holder, "retrying", why,
                           utcnow() + timedelta(seconds=seconds))

    async def _pause(self, channel_id: int, seconds: float) -> ChannelWatch | None:
        """Wait before reading again, or less if an admin restarts the channel; None if
        the lease went elsewhere meanwhile."""
        clock = asyncio.get_running_loop().time
        deadline = clock() + seconds
        while True:
            await asyncio.sleep(min(TICK_SECONDS, max(0.0, deadline - clock())))
            row = await watches.watch_state(self.desk.db, channel_id)
            if row is None or row.holder != self.holder:
                return None
            if row.state == "starting" or clock() >= deadline:
                return row
