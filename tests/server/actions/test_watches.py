"""server/actions/watches.py: one process reads a watched channel, by lease."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col

from server.actions import watches
from server.models import Channel, ChannelWatch, utcnow
from tests.support.inprocess import InProcessDesk


async def test_one_holder_at_a_time_and_a_lost_lease_writes_nothing(
    desk: InProcessDesk
) -> None:
    box, channel = desk.desk.box, desk.channel_id
    first = await watches.take_lease(desk.db, box, channel, "one", 30)
    assert first is not None and first.cursor == {} and first.account.channel_id == channel
    assert await watches.take_lease(desk.db, box, channel, "two", 30) is None
    assert await watches.renew(desk.db, "one", [channel], 30) == {channel}
    assert await watches.save_cursor(desk.db, channel, "one", {"since": "a"})

    # The lease runs out: another process takes over and resumes at the cursor.
    async with desk.db.write() as tx:
        await tx.session.execute(update(ChannelWatch).values(
            lease_until=utcnow() - timedelta(seconds=1)))
    second = await watches.take_lease(desk.db, box, channel, "two", 30)
    assert second is not None and second.cursor == {"since": "a"}
    assert not await watches.save_cursor(desk.db, channel, "one", {"since": "stale"})
    assert not await watches.mark(desk.db, channel, "one", "stopped", "not mine")
    assert (await watches.watch_state(desk.db, channel)).cursor == {"since": "a"}  # type: ignore[union-attr]


async def test_a_stopped_channel_waits_for_an_admin_and_an_inactive_one_is_let_go(
    desk: InProcessDesk
) -> None:
    box, channel = desk.desk.box, desk.channel_id
    assert await watches.take_lease(desk.db, box, channel, "one", 30)
    assert await watches.mark(desk.db, channel, "one", "stopped", "the token was revoked")
    await watches.release(desk.db, channel, "one")
    assert await watches.take_lease(desk.db, box, channel, "two", 30) is None

    async with desk.db.write() as tx:
        await watches.do_restart_watch(tx, await desk.actor(desk.admin), channel)
    state = await watches.watch_state(desk.db, channel)
    assert state is not None and (state.state, state.error) == ("starting", None)
    assert [a.detail["channel_id"] for a in await desk.audits("channel.watch.restart")] == [
        channel]

    async with desk.db.write() as tx:
        await tx.session.execute(update(Channel).where(col(Channel.id) == channel)
                                 .values(active=False))
    assert await watches.take_lease(desk.db, box, channel, "two", 30) is None
    assert (await watches.watch_state(desk.db, channel)).holder is None  # type: ignore[union-attr]


def test_may_take_reads_the_lease_as_take_lease_would() -> None:
    now = utcnow()
    later, earlier = now + timedelta(seconds=5), now - timedelta(seconds=5)
    assert watches.may_take(None, "me", now)
    assert not watches.may_take(ChannelWatch(channel_id=1, state="stopped"), "me", now)
    assert not watches.may_take(ChannelWatch(channel_id=1, retry_at=later), "me", now)
    assert not watches.may_take(ChannelWatch(channel_id=1, holder="you", lease_until=later),
                                "me", now)
    assert watches.may_take(ChannelWatch(channel_id=1, holder="you", lease_until=earlier),
                            "me", now)
