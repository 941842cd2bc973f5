"""Reading the audit trail: who did what, when, on which thread, newest first.

Paged by id (the rows' order of writing): a page ends at `before`, so a new row written while
someone pages through does not shift what they see next.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import col

from server.db import Database
from server.models.accounts import User
from server.models.log import AuditEntry
from server.models.time import iso


@dataclass(frozen=True)
class AuditFilter:
    """Which rows: each field left None does not filter. Dates are whole UTC days."""

    person_id: int | None = None
    action: str | None = None
    thread_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive

    def where(self, query: Select[Any]) -> Select[Any]:
        if self.person_id is not None:
            query = query.where(col(AuditEntry.actor_id) == self.person_id)
        if self.action:
            query = query.where(col(AuditEntry.action) == self.action)
        if self.thread_id is not None:
            query = query.where(col(AuditEntry.thread_id) == self.thread_id)
        if self.since is not None:
            query = query.where(col(AuditEntry.at) >= _day_start(self.since))
        if self.until is not None:
            query = query.where(col(AuditEntry.at) < _day_start(self.until + timedelta(days=1)))
        return query


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def entry_json(row: AuditEntry, actor_name: str | None) -> dict[str, Any]:
    return {"id": row.id, "at": iso(row.at), "actor_id": row.actor_id,
            "actor_name": actor_name, "action": row.action, "thread_id": row.thread_id,
            "detail": row.detail, "request_id": row.request_id}


async def audit_page(db: Database, where: AuditFilter, *, limit: int,
                     before: int | None = None) -> dict[str, Any]:
    """One page of the rows matching, and the `before` of the next page (None: the last)."""
    query = where.where(
        select(AuditEntry, User.name).outerjoin(User, col(User.id) == col(AuditEntry.actor_id)))
    if before is not None:
        query = query.where(col(AuditEntry.id) < before)
    query = query.order_by(col(AuditEntry.id).desc()).limit(limit + 1)
    async with db.read() as session:
        rows = (await session.execute(query)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return {"entries": [entry_json(entry, name) for entry, name in rows],
            "next_before": rows[-1][0].id if more and rows else None}


async def audit_choices(db: Database) -> dict[str, Any]:
    """What the filters offer: the actions written so far and the people who acted."""
    async with db.read() as session:
        actions = (await session.scalars(
            select(AuditEntry.action).distinct().order_by(col(AuditEntry.action)))).all()
        people = (await session.execute(
            select(User.id, User.name).order_by(col(User.name), col(User.id)))).all()
    return {"actions": list(actions), "people": [{"id": i, "name": n} for i, n in people]}
