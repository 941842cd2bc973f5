"""Watching a polled or streamed network without a desk: an Intake that keeps what it is
handed, and the watcher run as a task for the length of a `with` block."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from channels.base import ChannelAccount, ChannelWatcher, InboundItem


class RecordingIntake:
    """The Intake protocol, keeping every batch, cursor and report in the order given."""

    def __init__(self) -> None:
        self.batches: list[list[InboundItem]] = []
        self.cursors: list[dict[str, Any]] = []
        self.reports: list[dict[str, Any]] = []
        self._delivered = asyncio.Event()

    async def deliver(self, items: list[InboundItem], cursor: Mapping[str, Any]) -> None:
        self.batches.append(list(items))
        self.cursors.append(dict(cursor))
        self._delivered.set()

    async def report(self, status: Mapping[str, Any]) -> None:
        self.reports.append(dict(status))

    @property
    def items(self) -> list[InboundItem]:
        """Everything handed in, a repeat as often as it came."""
        return [item for batch in self.batches for item in batch]

    @property
    def delivered(self) -> list[str]:
        return [item.external_id for item in self.items]

    @property
    def stored(self) -> dict[str, InboundItem]:
        """What a desk would store: the first item of each external id."""
        kept: dict[str, InboundItem] = {}
        for item in self.items:
            kept.setdefault(item.external_id, item)
        return kept

    def has(self, *external_ids: str) -> bool:
        return all(external_id in self.stored for external_id in external_ids)

    async def until(self, count: int, timeout: float = 10.0) -> list[InboundItem]:
        """Wait until `count` items were handed in (repeats count too)."""
        async with asyncio.timeout(timeout):
            while len(self.items) < count:
                self._delivered.clear()
                await self._delivered.wait()
        return self.items


@contextlib.asynccontextmanager
async def watching(adapter: ChannelWatcher, account: ChannelAccount, intake: RecordingIntake,
                   cursor: Mapping[str, Any] | None = None) -> AsyncIterator[asyncio.Task[None]]:
    """The adapter watching `account` until the block ends (then cancelled)."""
    task = asyncio.create_task(adapter.watch(account, cursor or {}, intake))
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
