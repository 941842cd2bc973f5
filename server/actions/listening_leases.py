"""Which process listens on a channel: a lease in listening_watch, taken and renewed with
conditional UPDATEs as the watch leases are (server/actions/watches.py), so across any
number of processes one listener reads a channel's public search, and another takes over
within a lease after it died. The cursor moves with the matches (actions/listening.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from server.db import Database
from server.models import ListeningWatch, utcnow


async def take(db: Database, channel_id: int, holder: str, seconds: float
               ) -> dict[str, Any] | None:
    """Take the channel's listening lease: its cursor, or None if another holds it."""
    now = utcnow()
    try:
        async with db.write() as tx:
            if await tx.session.get(ListeningWatch, channel_id) is None:
                tx.session.add(ListeningWatch(channel_id=channel_id))
                await tx.session.flush()
    except IntegrityError:
        return None
    async with db.write() as tx:
        taken = await tx.session.execute(
            update(ListeningWatch)
            .where(col(ListeningWatch.channel_id) == channel_id,
                   or_(col(ListeningWatch.retry_at).is_(None),
                       col(ListeningWatch.retry_at) < now),
                   or_(col(ListeningWatch.holder).is_(None),
                       col(ListeningWatch.holder) == holder,
                       col(ListeningWatch.lease_until) < now))
            .values(holder=holder, lease_until=now + timedelta(seconds=seconds),
                    updated_at=now)
            .returning(col(ListeningWatch.cursor)))
        cursor = taken.scalar()
    return None if cursor is None else dict(cursor)


async def renew(db: Database, holder: str, channel_ids: Collection[int],
                seconds: float) -> set[int]:
    if not channel_ids:
        return set()
    async with db.write() as tx:
        kept = await tx.session.execute(
            update(ListeningWatch)
            .where(col(ListeningWatch.channel_id).in_(list(channel_ids)),
                   col(ListeningWatch.holder) == holder)
            .values(lease_until=utcnow() + timedelta(seconds=seconds))
            .returning(col(ListeningWatch.channel_id)))
        return set(kept.scalars().all())


async def held(db: Database, channel_id: int, owner: str, **values: Any) -> bool:
    """Change the row only while `owner` has the lease."""
    async with db.write() as tx:
        done = await tx.session.execute(
            update(ListeningWatch)
            .where(col(ListeningWatch.channel_id) == channel_id,
                   col(ListeningWatch.holder) == owner)
            .values(updated_at=utcnow(), **values)
            .returning(col(ListeningWatch.channel_id)))
        return done.scalar() is not None


async def report(db: Database, channel_id: int, holder: str,
                 status: Mapping[str, Any]) -> bool:
    async with db.write() as tx:
        row = await tx.session.get(ListeningWatch, channel_id)
        if row is None or row.holder != holder:
            return False
        row.report = {**row.report, **status}
        row.updated_at = utcnow()
        tx.session.add(row)
    return True


async def mark(db: Database, channel_id: int, holder: str, state: str,
               error: str | None = None, retry_at: datetime | None = None) -> bool:
    return await held(db, channel_id, holder, state=state,
                      error=error[:500] if error else None, retry_at=retry_at)


async def release(db: Database, channel_id: int, holder: str) -> None:
    await held(db, channel_id, holder, holder=None, lease_until=None)
