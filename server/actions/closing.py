"""Closing the threads resolved long enough ago (TANDEM_CLOSE_AFTER_DAYS).

A closed thread leaves the reopen window for good: the customer's next message starts a
new thread linked to it (server/actions/ingest.py). Each thread closes in one conditional
UPDATE ... RETURNING, so with several processes sweeping at once each thread is closed,
audited and announced exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select, update

from server.db import Database
from server.events import ThreadStatusChanged, event_row
from server.models import Thread, utcnow
from server.queries.cards import card

BATCH = 200  # threads closed per transaction


async def close_resolved(db: Database, after_days: float, now: datetime | None = None) -> int:
    """Close every thread resolved more than `after_days` ago; returns how many."""
    cutoff = (now or utcnow()) - timedelta(days=after_days)
    closed = 0
    while True:
        async with db.write() as tx:
            due = (
                select(col(Thread.id))
                .where(col(Thread.status) == "resolved", col(Thread.resolved_at) < cutoff)
                .order_by(col(Thread.id)).limit(BATCH).scalar_subquery()
            )
            ids = list((await tx.session.execute(
                update(Thread)
                .where(col(Thread.id).in_(due), col(Thread.status) == "resolved")
                .values(status="closed", updated_at=utcnow())
                .returning(col(Thread.id))
            )).scalars())
            for thread_id in ids:
                tx.audit("thread.closed", None, thread_id, after_days=after_days)
                tx.emit(event_row(
                    ThreadStatusChanged(thread_id=thread_id, status="closed", by=None,
                                        card=await card(tx.session, thread_id)),
                    thread_id=thread_id,
                ))
        closed += len(ids)
        if len(ids) < BATCH:
            return closed
