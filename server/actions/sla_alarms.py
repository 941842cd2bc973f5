"""The service-level timer's work: announce each clock's warning and breach once.

Due rows are taken with one conditional UPDATE ... RETURNING each (on PostgreSQL the
candidate rows are picked FOR UPDATE SKIP LOCKED, so two processes take different rows
and never wait on each other); a row whose warning or breach another process announced
no longer matches. A breach is also told to each supervisor of the thread's team.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from server.db import Database, Tx
from server.events import event_row
from server.events.service_levels import SlaBreached, SlaBreachedNotice, SlaWarning
from server.models import TeamMember, Thread
from server.models.service_levels import SlaClock
from server.models.time import iso
from server.queries.cards import cards_by_id

CLOCK = SlaClock.__table__  # type: ignore[attr-defined]
THREAD = Thread.__table__  # type: ignore[attr-defined]
MEMBER = TeamMember.__table__  # type: ignore[attr-defined]
BATCH = 500


def _take(moment: Any, done: Any, now: datetime) -> Any:
    due = (select(CLOCK.c.id)
           .where(moment <= now, done.is_(None), CLOCK.c.paused_at.is_(None))
           .order_by(moment).limit(BATCH)
           .with_for_update(skip_locked=True))
    return (update(CLOCK).where(CLOCK.c.id.in_(due.scalar_subquery()), done.is_(None))
            .values({done.name: now})
            .returning(CLOCK.c.thread_id, CLOCK.c.target, CLOCK.c.due_at))


def _first_due(moment: Any, done: Any, now: datetime) -> Any:
    return (select(CLOCK.c.id)
            .where(moment <= now, done.is_(None), CLOCK.c.paused_at.is_(None)).limit(1))


async def fire_due(db: Database, now: datetime) -> tuple[int, int]:
    """Announce the warnings and breaches due by `now`; returns how many of each."""
    # Most rounds find nothing: a read says so without taking the (SQLite: only) writer.
    async with db.read() as session:
        if (await session.scalar(_first_due(CLOCK.c.warn_at, CLOCK.c.warned_at, now)) is None
                and await session.scalar(_first_due(CLOCK.c.due_at, CLOCK.c.breached_at,
                                                    now)) is None):
            return 0, 0
    async with db.write() as tx:
        warned = (await tx.session.execute(_take(CLOCK.c.warn_at, CLOCK.c.warned_at,
                                                 now))).all()
        breached = (await tx.session.execute(_take(CLOCK.c.due_at, CLOCK.c.breached_at,
                                                   now))).all()
        if not warned and not breached:
            return 0, 0
        cards = await cards_by_id(tx.session, list({r.thread_id for r in [*warned, *breached]}))
        for row in warned:
            tx.emit(event_row(SlaWarning(thread_id=row.thread_id, target=row.target,
                                         due_at=iso(row.due_at) or "",
                                         card=cards[row.thread_id]), thread_id=row.thread_id))
        for row in breached:
            tx.audit("sla.breached", None, row.thread_id, target=row.target,
                     due_at=iso(row.due_at))
            tx.emit(event_row(SlaBreached(thread_id=row.thread_id, target=row.target,
                                          due_at=iso(row.due_at) or "",
                                          card=cards[row.thread_id]), thread_id=row.thread_id))
        await _tell_supervisors(tx, breached, cards)
    return len(warned), len(breached)


async def _tell_supervisors(tx: Tx, breached: list[Any], cards: dict[int, Any]) -> None:
    teams = {cards[r.thread_id].team_id for r in breached} - {None}
    if not teams:
        return
    supervisors: dict[int, list[int]] = {}
    for team_id, user_id in await tx.session.execute(
            select(MEMBER.c.team_id, MEMBER.c.user_id)
            .where(MEMBER.c.team_id.in_(teams), MEMBER.c.supervisor.is_(True))):
        supervisors.setdefault(team_id, []).append(user_id)
    for row in breached:
        team_id = cards[row.thread_id].team_id
        for user_id in supervisors.get(team_id, []):
            tx.emit(event_row(SlaBreachedNotice(thread_id=row.thread_id, target=row.target,
                                                due_at=iso(row.due_at) or "", team_id=team_id),
                              thread_id=row.thread_id, user_id=user_id))
