"""The watch lease and state of polled or streamed channels (see server/services/watching.py).

One row per watched channel says which process reads it: a process takes the lease with a
conditional UPDATE (free, its own, or run out) and renews it while it reads, so across any
number of processes exactly one reads a channel, and another takes over within a lease
after the holder dies. Every write but the admin's restart is conditional on still holding
the lease, so a process that lost it can never move another's cursor.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from channels.base import ChannelAccount
from server.crypto import SecretBox
from server.db import Database, Tx
from server.errors import NotFound
from server.models import Channel, ChannelWatch, utcnow
from server.permissions import Actor

STATES = ("starting", "running", "retrying", "stopped")


@dataclass(frozen=True)
class WatchStart:
    """What a process needs to read a channel whose lease it just took."""

    account: ChannelAccount
    adapter: str
    cursor: dict[str, Any]


def account_of(channel: Channel, box: SecretBox) -> ChannelAccount:
    return ChannelAccount(
        channel_id=channel.id, network=channel.network, name=channel.name,  # type: ignore[arg-type]
        external_account_id=channel.external_account_id, config=dict(channel.config),
        secret=box.open(channel.secret_encrypted) if channel.secret_encrypted else "",
    )


async def active_channels(db: Database, adapters: Collection[str]
                          ) -> dict[int, ChannelWatch | None]:
    """The active channels of the given adapters, with their watch state if they have one."""
    async with db.read() as session:
        rows = await session.execute(
            select(col(Channel.id), ChannelWatch)
            .outerjoin(ChannelWatch, col(ChannelWatch.channel_id) == col(Channel.id))
            .where(col(Channel.active), col(Channel.adapter).in_(list(adapters)))
            .order_by(col(Channel.id))
        )
        return {channel_id: watch for channel_id, watch in rows.all()
                if channel_id is not None}


def may_take(watch: ChannelWatch | None, holder: str, now: datetime) -> bool:
    """Whether a lease looks free to `holder` (take_lease decides for certain)."""
    if watch is None:
        return True
    if watch.state == "stopped" or (watch.retry_at is not None and watch.retry_at > now):
        return False
    return watch.holder in (None, holder) or watch.lease_until is None or \
        watch.lease_until < now


async def take_lease(db: Database, box: SecretBox, channel_id: int, holder: str,
                     seconds: float) -> WatchStart | None:
    """Take the channel's lease for `holder`, or None if another process holds it."""
    now = utcnow()
    try:
        async with db.write() as tx:
            if await tx.session.get(ChannelWatch, channel_id) is None:
                tx.session.add(ChannelWatch(channel_id=channel_id))
                await tx.session.flush()
    except IntegrityError:
        return None  # another process made the row at the same moment; it may take it
    async with db.write() as tx:
        taken = await tx.session.execute(
            update(ChannelWatch)
            .where(col(ChannelWatch.channel_id) == channel_id,
                   col(ChannelWatch.state) != "stopped",
                   or_(col(ChannelWatch.holder).is_(None), col(ChannelWatch.holder) == holder,
                       col(ChannelWatch.lease_until) < now))
            .values(holder=holder, lease_until=now + timedelta(seconds=seconds), updated_at=now)
            .returning(col(ChannelWatch.cursor))
        )
        cursor = taken.scalar()
        if cursor is None:
            return None
        channel = await tx.session.get(Channel, channel_id)
    if channel is None or not channel.active:
        await release(db, channel_id, holder)
        return None
    return WatchStart(account_of(channel, box), channel.adapter, dict(cursor))


async def renew(db: Database, holder: str, channel_ids: Collection[int],
                seconds: float) -> set[int]:
    """Extend the leases `holder` still has among `channel_ids`; returns those."""
    if not channel_ids:
        return set()
    now = utcnow()
    async with db.write() as tx:
        kept = await tx.session.execute(
            update(ChannelWatch)
            .where(col(ChannelWatch.channel_id).in_(list(channel_ids)),
                   col(ChannelWatch.holder) == holder)
            .values(lease_until=now + timedelta(seconds=seconds))
            .returning(col(ChannelWatch.channel_id))
        )
        return set(kept.scalars().all())


async def _held(tx: Tx, channel_id: int, owner: str, **values: Any) -> bool:
    """Update the row only while `owner` holds its lease."""
    done = await tx.session.execute(
        update(ChannelWatch)
        .where(col(ChannelWatch.channel_id) == channel_id, col(ChannelWatch.holder) == owner)
        .values(updated_at=utcnow(), **values)
        .returning(col(ChannelWatch.channel_id))
    )
    return done.scalar() is not None


async def save_cursor(db: Database, channel_id: int, holder: str,
                      cursor: Mapping[str, Any]) -> bool:
    """Store where reading resumes; False if the lease was lost (the caller must stop)."""
    async with db.write() as tx:
        return await _held(tx, channel_id, holder, cursor=dict(cursor), state="running",
                           error=None, retry_at=None)


async def save_report(db: Database, channel_id: int, holder: str,
                      report: Mapping[str, Any]) -> bool:
    async with db.write() as tx:
        row = await tx.session.get(ChannelWatch, channel_id)
        if row is None or row.holder != holder:
            return False
        return await _held(tx, channel_id, holder, report={**row.report, **report})


async def mark(db: Database, channel_id: int, holder: str, state: str,
               error: str | None = None, retry_at: datetime | None = None) -> bool:
    """Record how reading goes: running, retrying (until `retry_at`) or stopped (with why)."""
    assert state in STATES
    async with db.write() as tx:
        return await _held(tx, channel_id, holder, state=state,
                           error=error[:500] if error else None, retry_at=retry_at)


async def release(db: Database, channel_id: int, holder: str) -> None:
    async with db.write() as tx:
        await _held(tx, channel_id, holder, holder=None, lease_until=None)


async def do_restart_watch(tx: Tx, actor: Actor, channel_id: int) -> None:
    """An admin asks the desk to read a stopped or waiting channel again, now."""
    actor.require("admin.channels")
    channel = await tx.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("There is no channel %(id)s.", id=channel_id)
    await tx.session.execute(
        update(ChannelWatch).where(col(ChannelWatch.channel_id) == channel_id)
        .values(state="starting", error=None, retry_at=None, updated_at=utcnow())
    )
    tx.audit("channel.watch.restart", actor.id, channel_id=channel_id)


async def watch_state(db: Database, channel_id: int) -> ChannelWatch | None:
    async with db.read() as session:
        return await session.get(ChannelWatch, channel_id)


async def watch_states(db: Database) -> dict[int, ChannelWatch]:
    """Every watched channel's state, for the admin's channels page."""
    async with db.read() as session:
        rows = await session.scalars(select(ChannelWatch))
        return {row.channel_id: row for row in rows.all()}
