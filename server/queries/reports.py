"""Reports: figures the database aggregates (never a Python loop over rows), for a period
and the filters a manager picks, on PostgreSQL and SQLite alike.

Every report reads threads through `ReportFilter.threads()`, so a filter the desk gains later
(a team, a contact reason) is one more clause there. Times are UTC; a period is whole days,
its last day included; the previous period is as many days just before it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    cast,
    exists,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.db import Database
from server.models import Channel, Message, Thread

PERCENTILES = (0.5, 0.9)


@dataclass(frozen=True)
class ReportFilter:
    """Which threads a report counts: those created in the period, on the network, channel
    and with the tag given (None: any)."""

    since: date
    until: date  # inclusive
    network: str | None = None
    channel_id: int | None = None
    tag: str | None = None

    @property
    def start(self) -> datetime:
        return datetime(self.since.year, self.since.month, self.since.day, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        last = self.until + timedelta(days=1)
        return datetime(last.year, last.month, last.day, tzinfo=UTC)

    def previous(self) -> ReportFilter:
        """The same filters over as many days just before the period."""
        days = (self.until - self.since).days + 1
        return replace(self, since=self.since - timedelta(days=days),
                       until=self.since - timedelta(days=1))

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """What a thread (joined with its channel) must be to count, besides its time."""
        where: list[ColumnElement[bool]] = []
        if self.network:
            where.append(col(Channel.network) == self.network)
        if self.channel_id is not None:
            where.append(col(Thread.channel_id) == self.channel_id)
        if self.tag:
            where.append(_has_tag(dialect, self.tag))
        return where


def _has_tag(dialect: str, tag: str) -> ColumnElement[bool]:
    if dialect == "postgresql":
        return cast(col(Thread.tags), JSONB).op("?")(tag)
    each = func.json_each(col(Thread.tags)).table_valued("value").alias("tag")
    return exists(select(literal_column("1")).select_from(each).where(each.c.value == tag))


def seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def hour_of_day(dialect: str, moment: Any) -> ColumnElement[int]:
    if dialect == "postgresql":
        return cast(func.extract("hour", func.timezone("UTC", moment)), Integer)
    return cast(func.strftime("%H", moment), Integer)


def weekday(dialect: str, moment: Any) -> ColumnElement[int]:
    """0 Sunday .. 6 Saturday on both databases."""
    if dialect == "postgresql":
        return cast(func.extract("dow", func.timezone("UTC", moment)), Integer)
    return cast(func.strftime("%w", moment), Integer)


def _inbound(where: ReportFilter, dialect: str) -> Select[Any]:
    """Inbound messages of the period on the threads the filters keep."""
    return (select(Message.id).join(Thread, col(Thread.id) == col(Message.thread_id))
            .join(Channel, col(Channel.id) == col(Thread.channel_id))
            .where(col(Message.direction) == "in", col(Message.created_at) >= where.start,
                   col(Message.created_at) < where.end, *where.conditions(dialect)))


async def volume(db: Database, where: ReportFilter) -> dict[str, Any]:
    """Inbound messages by network and channel, and by weekday and hour (the heatmap)."""
    async with db.read() as session:
        dialect = session.bind.dialect.name
        return {**await _volume(session, dialect, where),
                "previous": await _volume(session, dialect, where.previous())}


async def _volume(session: AsyncSession, dialect: str, where: ReportFilter) -> dict[str, Any]:
    base = _inbound(where, dialect)
    by_channel = (await session.execute(
        base.with_only_columns(Channel.network, Channel.id, Channel.name, func.count())
        .group_by(col(Channel.network), col(Channel.id), col(Channel.name))
        .order_by(col(Channel.network), col(Channel.id)))).all()
    day = weekday(dialect, col(Message.created_at))
    hour = hour_of_day(dialect, col(Message.created_at))
    cells = (await session.execute(
        base.with_only_columns(day, hour, func.count()).group_by(day, hour)
        .order_by(day, hour))).all()
    networks: dict[str, int] = {}
    for network, _, _, count in by_channel:  # a handful of channels, not the rows
        networks[network] = networks.get(network, 0) + count
    return {
        "since": where.since.isoformat(), "until": where.until.isoformat(),
        "total": sum(networks.values()),
        "by_network": [{"network": n, "messages": c} for n, c in sorted(networks.items())],
        "by_channel": [{"network": n, "channel_id": i, "channel_name": name, "messages": c}
                       for n, i, name, c in by_channel],
        "heatmap": [{"weekday": d, "hour": h, "messages": c} for d, h, c in cells],
    }


def _first_inbound() -> Any:
    return (select(func.min(col(Message.created_at)))
            .where(col(Message.thread_id) == col(Thread.id), col(Message.direction) == "in")
            .correlate(Thread).scalar_subquery())


def _first_reply() -> Any:
    return (select(func.min(col(Message.created_at)))
            .where(col(Message.thread_id) == col(Thread.id), col(Message.direction) == "out")
            .correlate(Thread).scalar_subquery())


async def response_times(db: Database, where: ReportFilter) -> dict[str, Any]:
    """First-response time (the first inbound message to the first reply) and handling time
    (the thread's creation to its resolution), in seconds: count, mean, p50, p90, for the
    threads created in the period; threads not answered (or not resolved) yet are counted
    apart."""
    async with db.read() as session:
        dialect = session.bind.dialect.name
        return {**await _response_times(session, dialect, where),
                "previous": await _response_times(session, dialect, where.previous())}


async def _response_times(session: AsyncSession, dialect: str, where: ReportFilter
                          ) -> dict[str, Any]:
    threads = (select(Thread.id).join(Channel, col(Channel.id) == col(Thread.channel_id))
               .where(col(Thread.created_at) >= where.start, col(Thread.created_at) < where.end,
                      *where.conditions(dialect)))
    first_response = seconds_between(dialect, _first_reply(), _first_inbound())
    handling = seconds_between(dialect, col(Thread.resolved_at), col(Thread.created_at))
    return {
        "since": where.since.isoformat(), "until": where.until.isoformat(),
        "first_response": await _distribution(session, dialect, threads, first_response),
        "handling": await _distribution(session, dialect, threads, handling),
    }


async def _distribution(session: AsyncSession, dialect: str, threads: Select[Any],
                        value: ColumnElement[float]) -> dict[str, Any]:
    """count, waiting (no value yet), mean and the percentiles of `value` over `threads`."""
    values = threads.with_only_columns(cast(value, Float).label("v")).subquery()
    v = values.c.v
    counted = (await session.execute(
        select(func.count(v), func.count(), func.avg(v)).select_from(values))).one()
    answer: dict[str, Any] = {"count": counted[0], "waiting": counted[1] - counted[0],
                              "mean": _round(counted[2])}
    if dialect == "postgresql":
        found = (await session.execute(select(*(
            func.percentile_cont(p).within_group(v) for p in PERCENTILES))
            .select_from(values).where(v.is_not(None)))).one()
    else:
        found = [await _sqlite_percentile(session, values, p) for p in PERCENTILES]
    for p, figure in zip(PERCENTILES, found, strict=True):
        answer[f"p{round(p * 100)}"] = _round(figure)
    return answer


async def _sqlite_percentile(session: AsyncSession, values: Any, p: float) -> float | None:
    """percentile_cont on SQLite: the values ranked by a window function, the two around
    position p*(n-1) interpolated, in SQL."""
    ranked = (select(values.c.v.label("v"),
                     (func.row_number().over(order_by=values.c.v) - 1).label("i"),
                     func.count().over().label("n"))
              .where(values.c.v.is_not(None)).subquery())
    position = p * (ranked.c.n - 1)
    low = cast(position, Integer)  # floor: the position is never negative
    fraction = position - low
    weight = (func.iif(ranked.c.i == low, 1 - fraction, 0)
              + func.iif(ranked.c.i == low + 1, fraction, 0))
    return await session.scalar(
        select(func.sum(ranked.c.v * weight)).where(ranked.c.i.between(low, low + 1)))


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds), 1)

