"""Reading incidents: the list, and one incident with its timeline and sample posts."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.errors import N_, NotFound
from server.events.incidents import IncidentView, view_of
from server.incidents.step import INCIDENT, INCIDENT_POST
from server.models import Message
from server.models.time import iso

SAMPLES = 5
TIMELINE_POINTS = 2000  # posts read for the timeline: its newest part, at most


async def list_incidents(session: AsyncSession, status: str | None, limit: int
                         ) -> list[IncidentView]:
    query = select(INCIDENT)
    query = query.where(INCIDENT.c.status == status) if status else query.where(
        INCIDENT.c.status != "merged")
    rows = (await session.execute(
        query.order_by(INCIDENT.c.last_at.desc(), INCIDENT.c.id.desc()).limit(limit))).all()
    return [view_of(row) for row in rows]


def _minute(moment: datetime) -> str:
    return iso(moment.replace(second=0, microsecond=0)) or ""


async def incident_detail(session: AsyncSession, incident_id: int) -> dict[str, Any]:
    row = (await session.execute(select(INCIDENT).where(INCIDENT.c.id == incident_id))).first()
    if row is None:
        raise NotFound(N_("There is no incident %(id)s."), id=incident_id)
    moments = (await session.execute(
        select(INCIDENT_POST.c.at, INCIDENT_POST.c.negative)
        .where(INCIDENT_POST.c.incident_id == incident_id)
        .order_by(INCIDENT_POST.c.at.desc()).limit(TIMELINE_POINTS))).all()
    per_minute = Counter(_minute(at) for at, _ in moments)
    negative = (await session.scalar(select(func.count()).where(
        INCIDENT_POST.c.incident_id == incident_id, INCIDENT_POST.c.negative.is_(True)))) or 0
    samples = (await session.execute(
        select(INCIDENT_POST.c.message_id, INCIDENT_POST.c.thread_id, INCIDENT_POST.c.network,
               INCIDENT_POST.c.at, col(Message.text))
        .join(Message, col(Message.id) == INCIDENT_POST.c.message_id)
        .where(INCIDENT_POST.c.incident_id == incident_id)
        .order_by(INCIDENT_POST.c.at.desc(), INCIDENT_POST.c.message_id.desc())
        .limit(SAMPLES))).all()
    return {
        "incident": view_of(row),
        "negative": int(negative),
        "timeline": [{"minute": minute, "posts": count}
                     for minute, count in sorted(per_minute.items())],
        "samples": [{"message_id": s.message_id, "thread_id": s.thread_id,
                     "network": s.network, "at": iso(s.at) or "", "text": s.text}
                    for s in samples],
    }
