"""What supervisors do with incidents: rename, merge, split, close.

Grouping (server/incidents/step.py) opens and grows incidents as posts arrive; these are
the people's corrections. Each is one transaction with an audit row and `incident.changed`
events; the processes' groupers read the change before their next batch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from server.db import Database, Tx
from server.errors import N_, Conflict, Invalid, NotFound
from server.events.base import event_row
from server.events.incidents import IncidentChanged, IncidentView, view_of
from server.incidents.grouping import Profile
from server.incidents.step import INCIDENT, INCIDENT_POST, THREAD, move_incident
from server.incidents.terms import terms_of
from server.models import Message, utcnow
from server.permissions import Actor

MAX_TITLE = 200
MAX_SPLIT = 5000


async def _open_incident(tx: Tx, incident_id: int) -> object:
    row = (await tx.session.execute(
        select(INCIDENT).where(INCIDENT.c.id == incident_id).with_for_update())).first()
    if row is None:
        raise NotFound(N_("There is no incident %(id)s."), id=incident_id)
    if row.status != "open":
        raise Conflict(N_("Incident %(id)s is %(status)s already."), id=incident_id,
                       status=row.status)
    return row


async def _changed(tx: Tx, incident_id: int, joined: Sequence[int] = ()) -> IncidentView:
    row = (await tx.session.execute(select(INCIDENT).where(INCIDENT.c.id == incident_id))).one()
    view = view_of(row)
    tx.emit(event_row(IncidentChanged(incident=view, joined=sorted(set(joined)))))
    return view


async def do_rename_incident(db: Database, actor: Actor, incident_id: int, title: str
                             ) -> IncidentView:
    title = " ".join(title.split())
    if not title:
        raise Invalid(N_("An incident needs a title."))
    async with db.write() as tx:
        await _open_incident(tx, incident_id)
        await tx.session.execute(update(INCIDENT).where(INCIDENT.c.id == incident_id).values(
            title=title[:MAX_TITLE], named_by_id=actor.id, updated_at=utcnow()))
        tx.audit("incident.rename", actor.id, incident_id=incident_id, title=title)
        return await _changed(tx, incident_id)


async def do_merge_incidents(db: Database, actor: Actor, incident_id: int, into_id: int
                             ) -> IncidentView:
    """`incident_id`'s posts and threads join `into_id`; it stays as `merged`."""
    if incident_id == into_id:
        raise Invalid(N_("An incident cannot be merged into itself."))
    async with db.write() as tx:
        for one in sorted((incident_id, into_id)):  # locked in id order, as ingest does
            await _open_incident(tx, one)
        moved = await move_incident(tx, incident_id, into_id, utcnow())
        tx.audit("incident.merge", actor.id, incident_id=incident_id, into_id=into_id,
                 threads=len(moved))
        await _changed(tx, incident_id)
        return await _changed(tx, into_id, moved)


async def do_split_incident(db: Database, actor: Actor, incident_id: int,
                            thread_ids: Sequence[int], title: str) -> IncidentView:
    """The given threads of an incident, with their posts, become a new incident."""
    title = " ".join(title.split())
    if not title:
        raise Invalid(N_("An incident needs a title."))
    wanted = sorted(set(thread_ids))
    if not wanted:
        raise Invalid(N_("Name the threads to split off."))
    now = utcnow()
    async with db.write() as tx:
        source = await _open_incident(tx, incident_id)
        mine = set((await tx.session.scalars(select(THREAD.c.id).where(
            THREAD.c.id.in_(wanted), THREAD.c.incident_id == incident_id))).all())
        if strangers := [t for t in wanted if t not in mine]:
            raise Invalid(N_("Thread %(id)s is not in incident %(incident)s."),
                          id=strangers[0], incident=incident_id)
        posts = (await tx.session.execute(
            select(INCIDENT_POST.c.message_id, INCIDENT_POST.c.network, INCIDENT_POST.c.at,
                   col(Message.text))
            .join(Message, col(Message.id) == INCIDENT_POST.c.message_id)
            .where(INCIDENT_POST.c.incident_id == incident_id,
                   INCIDENT_POST.c.thread_id.in_(wanted)))).all()
        if len(posts) >= source.size:  # type: ignore[attr-defined]
            raise Invalid(N_("A split must leave posts in the incident."))
        terms: Counter[str] = Counter()
        for post in posts:
            terms.update(terms_of(post.text))
        moments = [p.at for p in posts] or [now]
        new_id = (await tx.session.execute(insert(INCIDENT).values(
            title=title[:MAX_TITLE], status="open", size=len(posts),
            networks=sorted({p.network for p in posts}), terms=Profile(0, terms).trimmed(),
            first_at=min(moments), last_at=max(moments), created_at=now, updated_at=now,
            named_by_id=actor.id,
        ).returning(INCIDENT.c.id))).scalar_one()
        await tx.session.execute(update(INCIDENT_POST).where(
            INCIDENT_POST.c.incident_id == incident_id, INCIDENT_POST.c.thread_id.in_(wanted)
        ).values(incident_id=new_id))
        await tx.session.execute(update(THREAD).where(THREAD.c.id.in_(wanted))
                                 .values(incident_id=new_id))
        await _recount(tx, incident_id, now)
        tx.audit("incident.split", actor.id, incident_id=incident_id, new_id=new_id,
                 threads=len(wanted))
        await _changed(tx, incident_id)
        return await _changed(tx, new_id, wanted)


async def _recount(tx: Tx, incident_id: int, now: object) -> None:
    """An incident's size, networks and times from its posts, after some left."""
    size, first, last = (await tx.session.execute(
        select(func.count(), func.min(INCIDENT_POST.c.at), func.max(INCIDENT_POST.c.at))
        .where(INCIDENT_POST.c.incident_id == incident_id))).one()
    networks = (await tx.session.scalars(select(INCIDENT_POST.c.network).distinct().where(
        INCIDENT_POST.c.incident_id == incident_id))).all()
    await tx.session.execute(update(INCIDENT).where(INCIDENT.c.id == incident_id).values(
        size=size, networks=sorted(networks), first_at=first, last_at=last, updated_at=now))


async def do_close_incident(db: Database, actor: Actor, incident_id: int) -> IncidentView:
    """No new post joins it; its threads keep naming it, for follow-up and the report."""
    now = utcnow()
    async with db.write() as tx:
        await _open_incident(tx, incident_id)
        await tx.session.execute(update(INCIDENT).where(INCIDENT.c.id == incident_id).values(
            status="closed", closed_at=now, updated_at=now))
        tx.audit("incident.close", actor.id, incident_id=incident_id)
        return await _changed(tx, incident_id)
