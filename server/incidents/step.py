"""The ingest step that groups each batch's new messages into incidents.

Each process decides with its own Grouper (grouping.py) and shares the result through the
incident rows: before deciding, the step reads the incidents any process changed since its
last batch (one indexed SELECT), and after deciding it adds the batch's posts and term
counts to the rows it locked. A supervisor's rename, merge, split or close reaches every
process the same way.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Table, insert, select, update

from server.actions.arrivals import Arrival, ArrivingThread
from server.db import Tx
from server.events.base import event_row
from server.events.incidents import IncidentChanged, view_of
from server.incidents.grouping import Grouper, Post, Profile
from server.incidents.terms import terms_of
from server.models import Incident, IncidentPost, Thread

INCIDENT: Table = Incident.__table__  # type: ignore[attr-defined]
INCIDENT_POST: Table = IncidentPost.__table__  # type: ignore[attr-defined]
THREAD: Table = Thread.__table__  # type: ignore[attr-defined]
# Incidents another process changed are read again from a little before the last read, as
# a transaction that began earlier may commit after it.
OVERLAP = timedelta(seconds=30)
TITLE = 80


@dataclass
class _Batch:
    posts: dict[int, list[Post]] = field(default_factory=lambda: defaultdict(list))
    created: set[int] = field(default_factory=set)
    merged: dict[int, int] = field(default_factory=dict)  # gone -> into

    def final(self, incident_id: int) -> int:
        while incident_id in self.merged:
            incident_id = self.merged[incident_id]
        return incident_id


class IncidentGrouping:
    def __init__(self) -> None:
        self.grouper = Grouper()
        self.read_until: datetime | None = None

    async def arrived(self, tx: Tx, arrivals: Sequence[Arrival], now: datetime) -> None:
        await self._catch_up(tx, now)
        batch = _Batch()
        threads: dict[int, ArrivingThread] = {}
        for arrival in arrivals:
            thread = arrival.thread
            threads[thread.id] = thread
            post = Post(arrival.message_id, terms_of(arrival.item.text),
                        arrival.item.created_at or now, thread.id, arrival.channel.network,
                        arrival.reading.label == "negative", _title(arrival.item.text))
            await self._place(tx, batch, post, thread.row.get("incident_id"), now)
        if not batch.posts and not batch.merged:
            return
        await self._write(tx, batch, threads, now)

    async def _catch_up(self, tx: Tx, now: datetime) -> None:
        query = select(INCIDENT.c.id, INCIDENT.c.status, INCIDENT.c.size, INCIDENT.c.terms)
        if self.read_until is not None:
            query = query.where(INCIDENT.c.updated_at >= self.read_until - OVERLAP)
        else:
            query = query.where(INCIDENT.c.status == "open")
        for incident_id, status, size, terms in (await tx.session.execute(query)).all():
            if status == "open":
                self.grouper.know(incident_id, Profile(size, Counter(terms)))
            else:
                self.grouper.forget(incident_id)
        self.read_until = now

    async def _place(self, tx: Tx, batch: _Batch, post: Post, current: int | None,
                     now: datetime) -> None:
        placement = self.grouper.place(post, current)
        if placement is None:
            return
        batch.merged.update(placement.merged)
        if placement.incident_id is None:
            incident_id = await self._open(tx, batch, placement.posts, now)
            batch.posts[incident_id].extend(self.grouper.adopt(incident_id, placement.posts))
        else:
            batch.posts[placement.incident_id].extend(placement.posts)

    async def _open(self, tx: Tx, batch: _Batch, seeded: list[Post], now: datetime) -> int:
        first = min(seeded, key=lambda p: p.key)
        incident_id = (await tx.session.execute(insert(INCIDENT).values(
            title=first.text, status="open", size=0, networks=[], terms={},
            first_at=first.at, last_at=first.at, created_at=now, updated_at=now,
        ).returning(INCIDENT.c.id))).scalar_one()
        batch.created.add(incident_id)
        return incident_id

    async def _write(self, tx: Tx, batch: _Batch, threads: dict[int, ArrivingThread],
                     now: datetime) -> None:
        posts: dict[int, list[Post]] = defaultdict(list)
        for incident_id, added in batch.posts.items():
            posts[batch.final(incident_id)].extend(added)
        joined: dict[int, list[int]] = defaultdict(list)
        for gone, into in batch.merged.items():
            into = batch.final(into)
            joined[into].extend(await move_incident(tx, gone, into, now))
        # Locked in id order, so two processes adding to the same incidents queue up.
        rows = {row.id: row for row in (await tx.session.execute(
            select(INCIDENT).where(INCIDENT.c.id.in_(sorted(posts))).order_by(INCIDENT.c.id)
            .with_for_update())).all()}
        for thread in threads.values():
            current = thread.row.get("incident_id")
            if current is not None and batch.final(current) != current:
                thread.set("incident_id", batch.final(current))
        members = []
        for incident_id, added in posts.items():
            row = rows[incident_id]
            terms: Counter[str] = Counter(row.terms)
            networks = set(row.networks)
            for post in added:
                terms.update(post.terms)
                networks.add(post.network)
                members.append({"message_id": post.key, "incident_id": incident_id,
                                "thread_id": post.thread_id, "network": post.network,
                                "at": post.at, "negative": post.negative})
                thread = threads.get(post.thread_id)
                if thread is not None:
                    if thread.row.get("incident_id") is None:
                        thread.set("incident_id", incident_id)
                        joined[incident_id].append(post.thread_id)
                elif post.thread_id not in joined[incident_id]:
                    joined[incident_id].append(post.thread_id)
            profile = Profile(row.size + len(added), terms)
            values = {"size": profile.size, "terms": profile.trimmed(),
                      "networks": sorted(networks), "updated_at": now,
                      "first_at": min(row.first_at, *(p.at for p in added)),
                      "last_at": max(row.last_at, *(p.at for p in added))}
            await tx.session.execute(
                update(INCIDENT).where(INCIDENT.c.id == incident_id).values(**values))
            self.grouper.know(incident_id, Profile(profile.size, Counter(values["terms"])))
        if members:
            await tx.session.execute(insert(INCIDENT_POST), members)
        # Earlier posts a new incident took in: their threads name it from now on.
        elsewhere = [(i, t) for i, ts in joined.items() for t in ts if t not in threads]
        for incident_id in {i for i, _ in elsewhere}:
            await tx.session.execute(
                update(THREAD).where(THREAD.c.id.in_([t for i, t in elsewhere
                                                       if i == incident_id]),
                                     THREAD.c.incident_id.is_(None))
                .values(incident_id=incident_id))
        changed = sorted({*posts, *batch.merged})
        fresh = {row.id: row for row in (await tx.session.execute(
            select(INCIDENT).where(INCIDENT.c.id.in_(changed)))).all()}
        for incident_id in changed:
            tx.emit(event_row(IncidentChanged(
                incident=view_of(fresh[incident_id]),
                joined=sorted(set(joined.get(incident_id, []))))))


async def move_incident(tx: Tx, gone: int, into: int, now: datetime) -> list[int]:
    """Everything of `gone` now belongs to `into`; the thread ids that moved."""
    moved = list((await tx.session.execute(
        select(THREAD.c.id).where(THREAD.c.incident_id == gone))).scalars())
    await tx.session.execute(update(INCIDENT_POST).where(INCIDENT_POST.c.incident_id == gone)
                             .values(incident_id=into))
    await tx.session.execute(update(THREAD).where(THREAD.c.incident_id == gone)
                             .values(incident_id=into))
    source = (await tx.session.execute(select(INCIDENT).where(INCIDENT.c.id == gone))).one()
    target = (await tx.session.execute(select(INCIDENT).where(INCIDENT.c.id == into))).one()
    terms: Counter[str] = Counter(target.terms)
    terms.update(source.terms)
    await tx.session.execute(update(INCIDENT).where(INCIDENT.c.id == into).values(
        size=target.size + source.size, terms=Profile(0, terms).trimmed(),
        networks=sorted({*target.networks, *source.networks}),
        first_at=min(target.first_at, source.first_at),
        last_at=max(target.last_at, source.last_at), updated_at=now))
    await tx.session.execute(update(INCIDENT).where(INCIDENT.c.id == gone).values(
        status="merged", merged_into_id=into, size=0, updated_at=now, closed_at=now))
    return moved


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE else text[:TITLE - 1].rstrip() + "…"
