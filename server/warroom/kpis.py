"""The seven early-warning KPIs, from what the desk stored in the last hour (and day).

Each figure is one aggregate over a time window, read through an index on the messages'
time (`ix_message_created`, `ix_message_contact_created`): the cost follows the window's
traffic, not the table's size, and the desk reads them once per tick (server/warroom/
service.py), not once per post. `figures()` is the arithmetic, apart from the reading, so a
hand-computed fixture can check it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from server.models import Approval, AuditEntry, Message, Thread
from server.models.replies import OPEN_APPROVAL
from server.models.time import iso

BUCKET = timedelta(minutes=5)
BASELINE_BUCKETS = 12  # the hour before the current five minutes
HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Response:
    """A first response: the desk's first reply after a customer started waiting."""

    waited: timedelta
    visibility: str


@dataclass(frozen=True)
class Kpis:
    at: str
    volume: int  # inbound posts in the current five minutes
    volume_baseline: float  # the mean per five minutes over the hour before
    volume_series: list[int]  # the last 13 five-minute buckets, oldest first
    backlog: int  # threads waiting for an answer
    oldest_wait_seconds: int | None
    first_response_p50_seconds: int | None  # over first responses in the last hour
    first_response_p90_seconds: int | None
    sla_compliance: float | None  # share of those within the target
    negative_share: float | None  # of inbound posts in the last hour
    escalation_rate: float | None  # public threads taken private / public threads written to
    repeat_contacts: float | None  # customers of the last hour who wrote in the day before
    agents_online: int
    approvals_waiting: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile: the smallest value with `share` of all at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def first_responses(messages: Iterable[tuple[int, str, datetime, str]], since: datetime
                    ) -> list[Response]:
    """From (thread, direction, at, visibility) in time order: each reply that answered a
    waiting customer at or after `since`, with how long the customer had waited."""
    waiting: dict[int, datetime] = {}
    found: list[Response] = []
    for thread_id, direction, at, visibility in messages:
        if direction == "in":
            waiting.setdefault(thread_id, at)
        elif thread_id in waiting:
            started = waiting.pop(thread_id)
            if at >= since:
                found.append(Response(at - started, visibility))
    return found


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def figures(*, now: datetime, buckets: Sequence[int], backlog: int,
            oldest_wait: datetime | None, responses: Sequence[Response],
            targets: dict[str, timedelta], inbound: int, negative: int, public_threads: int,
            escalated: int, writers: int, repeat_writers: int, agents_online: int,
            approvals_waiting: int) -> Kpis:
    """`buckets`: inbound posts per five minutes, oldest first, the current one last."""
    waits = [r.waited.total_seconds() for r in responses]
    p50, p90 = percentile(waits, 0.5), percentile(waits, 0.9)
    within = sum(1 for r in responses if r.waited <= targets[r.visibility])
    earlier = buckets[:-1]
    return Kpis(
        at=iso(now) or "",
        volume=buckets[-1],
        volume_baseline=round(sum(earlier) / len(earlier), 2) if earlier else 0.0,
        volume_series=list(buckets),
        backlog=backlog,
        oldest_wait_seconds=None if oldest_wait is None else int(
            (now - oldest_wait).total_seconds()),
        first_response_p50_seconds=None if p50 is None else int(p50),
        first_response_p90_seconds=None if p90 is None else int(p90),
        sla_compliance=_share(within, len(responses)),
        negative_share=_share(negative, inbound),
        escalation_rate=_share(escalated, public_threads),
        repeat_contacts=_share(repeat_writers, writers),
        agents_online=agents_online,
        approvals_waiting=approvals_waiting,
    )


async def read_kpis(session: AsyncSession, now: datetime, targets: dict[str, timedelta],
                    agents_online: int) -> Kpis:
    """The figures as the database has them at `now`."""
    hour_ago = now - HOUR
    start = now - BUCKET * (BASELINE_BUCKETS + 1)
    inbound = and_(col(Message.direction) == "in", col(Message.created_at) > start,
                   col(Message.created_at) <= now)
    times = (await session.scalars(select(col(Message.created_at)).where(inbound))).all()
    buckets = [0] * (BASELINE_BUCKETS + 1)
    for at in times:
        index = BASELINE_BUCKETS - int((now - at) / BUCKET)
        buckets[max(0, min(BASELINE_BUCKETS, index))] += 1

    in_hour = and_(col(Message.direction) == "in", col(Message.created_at) > hour_ago,
                   col(Message.created_at) <= now)
    total, negative = (await session.execute(select(
        func.count(), func.count().filter(col(Message.sentiment_label) == "negative"),
    ).where(in_hour))).one()

    backlog, oldest = (await session.execute(select(
        func.count(), func.min(col(Thread.waiting_since)),
    ).where(col(Thread.status) != "resolved", col(Thread.waiting_since).is_not(None)))).one()

    # The threads answered in the last hour, with their messages of the day before.
    answered = select(col(Message.thread_id)).where(
        col(Message.direction) == "out", col(Message.created_at) > hour_ago,
        col(Message.created_at) <= now).distinct()
    rows = (await session.execute(
        select(col(Message.thread_id), col(Message.direction), col(Message.created_at),
               col(Thread.visibility))
        .join(Thread, col(Thread.id) == col(Message.thread_id))
        .where(col(Message.thread_id).in_(answered), col(Message.created_at) > now - DAY,
               col(Message.created_at) <= now)
        .order_by(col(Message.created_at), col(Message.id)))).all()
    responses = first_responses(((r[0], r[1], r[2], r[3]) for r in rows), hour_ago)

    public_threads = await session.scalar(
        select(func.count(func.distinct(col(Message.thread_id))))
        .join(Thread, col(Thread.id) == col(Message.thread_id))
        .where(in_hour, col(Thread.visibility) == "public")) or 0
    escalated = await session.scalar(select(func.count()).select_from(AuditEntry).where(
        col(AuditEntry.action) == "thread.escalate", col(AuditEntry.at) > hour_ago,
        col(AuditEntry.at) <= now)) or 0

    # Customers (contacts) who wrote in the last hour, and those of them who had written
    # in another thread before, within the last 24 hours.
    earlier = aliased(Message)
    writers, repeat = (await session.execute(select(
        func.count(func.distinct(col(Message.contact_id))),
        func.count(func.distinct(col(Message.contact_id))).filter(
            select(earlier.id).where(
                earlier.contact_id == Message.contact_id, earlier.direction == "in",
                earlier.thread_id != Message.thread_id,
                earlier.created_at > now - DAY,
                earlier.created_at < col(Message.created_at)).exists()),
    ).where(in_hour))).one()

    approvals = await session.scalar(select(func.count()).select_from(Approval).where(
        col(Approval.status).in_(OPEN_APPROVAL))) or 0
    return figures(now=now, buckets=buckets, backlog=backlog, oldest_wait=oldest,
                   responses=responses, targets=targets, inbound=total, negative=negative,
                   public_threads=public_threads, escalated=escalated, writers=writers,
                   repeat_writers=repeat, agents_online=agents_online,
                   approvals_waiting=approvals)
