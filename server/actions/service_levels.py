"""Service-level clocks: started by ingest, stopped by a reply or the resolution, paused
while the desk waits on the customer.

A new thread starts its first-response clock (and, under a policy with one, its resolution
clock); the customer's message on a thread with no response clock running starts the
next-response clock. Due times are the policy's minutes of the thread's team's working time
(server/business_hours.py). Without a matching policy the response clocks run
TANDEM_SLA_PUBLIC_MINUTES / TANDEM_SLA_PRIVATE_MINUTES around the clock, as before.
The ingest step's statements run once per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from server.actions.arrivals import Arrival
from server.business_hours import BusinessHours, parse_week
from server.db import Tx
from server.models import Customer, Team
from server.models.service_levels import SlaClock, SlaPolicy
from server.settings import Settings

POLICY = SlaPolicy.__table__  # type: ignore[attr-defined]
CLOCK = SlaClock.__table__  # type: ignore[attr-defined]
TEAM = Team.__table__  # type: ignore[attr-defined]
CUSTOMER = Customer.__table__  # type: ignore[attr-defined]
RESPONSES = ("first_response", "next_response")
_POLICIES = (select(POLICY).where(POLICY.c.active.is_(True))
             .order_by(POLICY.c.position, POLICY.c.id))
ALWAYS = BusinessHours()


@dataclass(frozen=True, slots=True)
class Policy:
    id: int
    team_id: int | None
    network: str | None
    priority: str | None
    vip: bool | None
    minutes: Mapping[str, int | None]

    def fits(self, team_id: int | None, network: str, priority: str, vip: bool) -> bool:
        return ((self.team_id is None or self.team_id == team_id)
                and (self.network is None or self.network == network)
                and (self.priority is None or self.priority == priority)
                and (self.vip is None or self.vip == vip))


def hours_of(row: Mapping[str, Any]) -> BusinessHours:
    return BusinessHours(row["time_zone"], parse_week(row["hours"] or {}),
                         row["holiday_country"], row["holiday_subdivision"])


async def team_hours(tx: Tx, team_ids: Iterable[int | None]) -> dict[int, BusinessHours]:
    ids = {t for t in team_ids if t is not None}
    if not ids:
        return {}
    rows = await tx.session.execute(select(TEAM).where(TEAM.c.id.in_(ids)))
    return {row.id: hours_of(row._mapping) for row in rows}


class ServiceLevels:
    """The ingest step (after routing, which gives the thread its team and priority)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def arrived(self, tx: Tx, arrivals: Sequence[Arrival], now: datetime) -> None:
        first: dict[int, Arrival] = {}
        for arrival in arrivals:
            first.setdefault(arrival.thread.id, arrival)
        policies = [Policy(r.id, r.team_id, r.network, r.priority, r.vip, {
            "first_response": r.first_response_minutes,
            "next_response": r.next_response_minutes, "resolution": r.resolution_minutes})
            for r in await tx.session.execute(_POLICIES)]
        hours = await team_hours(tx, (a.thread.row["team_id"] for a in first.values()))
        vips = await _vips(tx, policies, first.values())
        waiting = [a.thread.id for a in first.values() if a.thread.row["status"] == "waiting"]
        if waiting:
            await resume(tx, waiting, hours_by_thread={
                a.thread.id: hours.get(a.thread.row["team_id"], ALWAYS)
                for a in first.values()}, now=now)
        clocks = []
        for arrival in first.values():
            row = arrival.thread.row
            if arrival.thread.opened:
                targets: tuple[str, ...] = ("first_response", "resolution")
            elif row["waiting_since"] is None:
                targets = ("next_response",)
            else:
                continue  # its response clock runs already
            policy = next((p for p in policies if p.fits(
                row["team_id"], arrival.channel.network, row["priority"],
                vips.get(arrival.customer_id, False))), None)
            clock_hours = hours.get(row["team_id"], ALWAYS) if policy else ALWAYS
            for target in targets:
                minutes = policy.minutes[target] if policy else self._default(target, row)
                if minutes is None:
                    continue
                due = clock_hours.add(now, minutes)
                clocks.append({
                    "thread_id": row["id"], "target": target,
                    "policy_id": policy.id if policy else None, "started_at": now,
                    "due_at": due, "warn_at": clock_hours.add(
                        now, minutes * self.settings.sla_warn_share),
                    "paused_at": None, "warned_at": None, "breached_at": None,
                })
                if target in RESPONSES:
                    arrival.thread.set("waiting_since", now)
                    arrival.thread.set("sla_due_at", due)
        if clocks:
            statement = (postgresql.insert(CLOCK) if tx.dialect == "postgresql"
                         else sqlite.insert(CLOCK))
            await tx.session.execute(statement.on_conflict_do_update(
                index_elements=[CLOCK.c.thread_id, CLOCK.c.target],
                set_={name: statement.excluded[name] for name in (
                    "policy_id", "started_at", "due_at", "warn_at", "paused_at", "warned_at",
                    "breached_at")}), clocks)

    def _default(self, target: str, row: Mapping[str, Any]) -> int | None:
        if target not in RESPONSES:
            return None
        return (self.settings.sla_public_minutes if row["visibility"] == "public"
                else self.settings.sla_private_minutes)


async def _vips(tx: Tx, policies: Sequence[Policy], arrivals: Iterable[Arrival]
                ) -> dict[int | None, bool]:
    if not any(p.vip is not None for p in policies):
        return {}
    ids = {a.customer_id for a in arrivals if a.customer_id is not None}
    if not ids:
        return {}
    rows = await tx.session.execute(
        select(CUSTOMER.c.id, CUSTOMER.c.vip).where(CUSTOMER.c.id.in_(ids)))
    return {row.id: bool(row.vip) for row in rows}


async def stop(tx: Tx, thread_id: int, targets: Sequence[str] | None = None) -> None:
    """A reply stops the response clocks; resolving stops them all."""
    statement = delete(CLOCK).where(CLOCK.c.thread_id == thread_id)
    if targets is not None:
        statement = statement.where(CLOCK.c.target.in_(targets))
    await tx.session.execute(statement)


async def pause(tx: Tx, thread_id: int, now: datetime) -> None:
    """Waiting on the customer: the clocks still running stand still."""
    await tx.session.execute(
        update(CLOCK).where(CLOCK.c.thread_id == thread_id, CLOCK.c.paused_at.is_(None),
                            CLOCK.c.breached_at.is_(None))
        .values(paused_at=now))


async def resume(tx: Tx, thread_ids: Sequence[int], hours_by_thread: Mapping[int, BusinessHours],
                 now: datetime) -> None:
    """The customer wrote (or the desk stopped waiting): paused clocks run on, their due
    and warning times moved on by the working time the pause lasted."""
    paused = (await tx.session.execute(
        select(CLOCK.c.id, CLOCK.c.thread_id, CLOCK.c.due_at, CLOCK.c.warn_at,
               CLOCK.c.paused_at)
        .where(CLOCK.c.thread_id.in_(thread_ids), CLOCK.c.paused_at.is_not(None)))).all()
    if not paused:
        return
    moved = []
    for clock in paused:
        hours = hours_by_thread.get(clock.thread_id, ALWAYS)
        moved.append({"clock": clock.id, "due": hours.resumed(clock.due_at, clock.paused_at, now),
                      "warn": hours.resumed(clock.warn_at, clock.paused_at, now)})
    await tx.session.execute(
        update(CLOCK).where(CLOCK.c.id == bindparam("clock"))
        .values(due_at=bindparam("due"), warn_at=bindparam("warn"), paused_at=None), moved)
