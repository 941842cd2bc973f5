"""The watch service on a real database: one reader per channel, resumes, retries and stops.

The network side is a scripted watcher (the edge of the internet); the leases, cursors,
ingest and states are the desk's own, on SQLite or PostgreSQL as the pass says.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from channels.base import (
    Capabilities,
    ChannelAccount,
    InboundItem,
    Intake,
    PermanentError,
    TemporaryError,
)
from realtime.bus import LocalBus
from server.actions import watches
from server.actions.channels import do_add_channel
from server.app import build_desk
from server.desk import Desk
from server.models import Channel, ChannelWatch, Message, utcnow
from server.permissions import Actor
from server.services.watching import WatchService
from server.settings import Settings
from tests.conftest import prepare
from tests.fakes.desk import eventually
from tests.support.backends import Backend, own_backend

Step = Callable[[ChannelAccount, Mapping[str, Any], Intake], Any]


class ScriptedNetwork:
    """A watcher that plays one step per call of `watch`, recording the cursor it got. While
    steps remain, a call ends as a dropped stream does; after the last it follows a quiet
    stream until cancelled."""

    network = "scripted"
    capabilities = Capabilities(public_reply=False, private_reply_to_public=False,
                                direct_messages=False)

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.cursors: list[dict[str, Any]] = []
        self.readers: Counter[int] = Counter()  # channel id -> watch calls running

    async def watch(self, account: ChannelAccount, cursor: Mapping[str, Any],
                    intake: Intake) -> None:
        self.cursors.append(dict(cursor))
        self.readers[account.channel_id] += 1
        try:
            if self.steps:
                await self.steps.pop(0)(account, cursor, intake)
            if self.steps:
                raise TemporaryError("the stream dropped")
            await asyncio.Event().wait()
        finally:
            self.readers[account.channel_id] -= 1


def post(n: int) -> InboundItem:
    return InboundItem(external_id=f"post-{n}", author_id="u1", author_name="Ulla",
                       text=f"scripted post {n}", visibility="public")


def deliver(*numbers: int) -> Step:
    async def step(_: ChannelAccount, __: Mapping[str, Any], intake: Intake) -> None:
        await intake.deliver([post(n) for n in numbers], {"last": max(numbers)})
    return step


def fail(error: Exception) -> Step:
    async def step(*_: Any) -> None:
        raise error
    return step


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with own_backend(tmp_path_factory.mktemp("watching")) as made:
        prepare(made)
        yield made


@pytest.fixture
async def desk(backend: Backend) -> AsyncIterator[Desk]:
    desk = build_desk(Settings(database_url=backend.database_url), LocalBus())
    yield desk
    await desk.db.dispose()


async def new_channel(desk: Desk, adapter: str = "scripted") -> int:
    async with desk.db.write() as tx:
        channel, _ = await do_add_channel(tx, desk.box, network="mastodon", adapter=adapter,
                                          name=f"{adapter} channel")
    assert channel.id is not None
    return channel.id


async def stored(desk: Desk, channel_id: int) -> int:
    async with desk.db.read() as session:
        found = await session.scalar(
            select(func.count()).select_from(Message).where(
                col(Message.channel_id) == channel_id, col(Message.direction) == "in"))
        return int(found or 0)


async def test_one_holder_at_a_time_and_a_lost_lease_writes_nothing(desk: Desk) -> None:
    channel_id = await new_channel(desk)
    takes = await asyncio.gather(*(
        watches.take_lease(desk.db, desk.box, channel_id, f"p{i}", 30) for i in range(5)))
    winners = [f"p{i}" for i, t in enumerate(takes) if t is not None]
    assert len(winners) == 1
    holder, other = winners[0], "someone else"
    assert await watches.save_cursor(desk.db, channel_id, holder, {"last": 1})
    assert not await watches.save_cursor(desk.db, channel_id, other, {"last": 99})
    # The holder dies: its lease runs out and another process resumes from its cursor.
    async with desk.db.write() as tx:
        await tx.session.execute(update(ChannelWatch).where(
            col(ChannelWatch.channel_id) == channel_id).values(
            lease_until=utcnow() - timedelta(seconds=1)))
    taken = await watches.take_lease(desk.db, desk.box, channel_id, other, 30)
    assert taken is not None and taken.cursor == {"last": 1}
    assert await watches.renew(desk.db, holder, [channel_id], 30) == set()
    assert not await watches.save_cursor(desk.db, channel_id, holder, {"last": 2})
    assert await watches.renew(desk.db, other, [channel_id], 30) == {channel_id}


async def test_a_deactivated_or_stopped_channel_is_not_taken(desk: Desk) -> None:
    stopped = await new_channel(desk)
    assert await watches.take_lease(desk.db, desk.box, stopped, "a", 30)
    assert await watches.mark(desk.db, stopped, "a", "stopped", "token revoked")
    await watches.release(desk.db, stopped, "a")
    assert await watches.take_lease(desk.db, desk.box, stopped, "b", 30) is None
    off = await new_channel(desk)
    async with desk.db.write() as tx:
        await tx.session.execute(update(Channel).where(col(Channel.id) == off).values(
            active=False))
    assert await watches.take_lease(desk.db, desk.box, off, "b", 30) is None
    assert off not in await watches.active_channels(desk.db, ["scripted"])


async def test_the_service_resumes_after_errors_and_stops_on_a_refusal(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.services.watching.TICK_SECONDS", 0.05)
    monkeypatch.setattr("server.services.watching.FIRST_BACKOFF", 0.05)
    network = ScriptedNetwork(
        deliver(1, 2),
        fail(TemporaryError("the stream dropped", retry_after=0.1)),
        deliver(2, 3),  # overlaps what was stored: stored once
        fail(PermanentError("the instance refused the token")),
    )
    service = WatchService(desk, {"scripted": network})
    channel_id = await new_channel(desk)
    await service.start()
    try:
        state = await eventually_async(lambda: watches.watch_state(desk.db, channel_id),
                                       lambda w: w is not None and w.state == "stopped")
    finally:
        await service.stop()
    assert state.error == "the instance refused the token"
    assert network.cursors[:4] == [{}, {"last": 2}, {"last": 2}, {"last": 3}]
    assert await stored(desk, channel_id) == 3
    # An admin fixes it and asks for another try: the desk reads again from the cursor.
    network.steps = [deliver(4)]
    admin = Actor(id=1, name="Admin", email="admin@example.test", role="admin",
                  permissions=frozenset({"admin.channels"}))
    async with desk.db.write() as tx:
        await watches.do_restart_watch(tx, admin, channel_id)
    await service.start()
    try:
        await eventually_async(lambda: stored(desk, channel_id), lambda n: n == 4)
    finally:
        await service.stop()
    assert network.cursors[-1] == {"last": 3}


async def test_two_services_read_a_channel_once_and_hand_over(desk: Desk) -> None:
    channel_id = await new_channel(desk)
    network = ScriptedNetwork()
    first, second = WatchService(desk, {"scripted": network}), \
        WatchService(desk, {"scripted": network})
    await first.start()
    await second.start()
    try:
        await eventually(lambda: network.readers[channel_id] == 1, what="one reader")
        # Both services keep ticking; the second never starts a second reader.
        await asyncio.sleep(0.5)
        assert network.readers[channel_id] == 1
        leader, other = (first, second) if channel_id in first._readers else (second, first)
        await leader.stop()  # releases its lease: the other takes over at its next tick
        await eventually(lambda: network.readers[channel_id] == 1 and channel_id in other._readers,
                         timeout=15, what="the hand-over")
    finally:
        await first.stop()
        await second.stop()


async def eventually_async(read: Callable[[], Any], check: Callable[[Any], bool],
                           timeout: float = 15.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await read()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out; last value {value!r}")
        await asyncio.sleep(0.05)
