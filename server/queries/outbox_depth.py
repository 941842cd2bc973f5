"""How much waits in the outbox, for /metrics: the desk-wide figures, read at scrape time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from server.db import Database
from server.models import Message, OutboxItem
from server.models.time import aware, utcnow

WAITING = ("queued", "retry", "sending")


@dataclass(frozen=True)
class OutboxDepth:
    items: int
    oldest_age_seconds: float  # 0 when nothing waits


async def outbox_depth(db: Database, now: datetime | None = None) -> OutboxDepth:
    async with db.read() as session:
        count, oldest = (await session.execute(
            select(func.count(col(OutboxItem.id)), func.min(col(Message.received_at)))
            .join(Message, col(Message.id) == col(OutboxItem.message_id))
            .where(col(OutboxItem.status).in_(WAITING))
        )).one()
    if not count or oldest is None:
        return OutboxDepth(0, 0.0)
    age = ((now or utcnow()) - aware(oldest)).total_seconds()
    return OutboxDepth(int(count), max(0.0, age))
