"""Automatic assignment: a team's new thread goes to an available member with room and the
skills, round robin.

Exact under concurrency. The team rows are locked first (in id order), then the
availability rows of the members who could take work (in user id order), and only then
are their open threads counted: a second process assigning for the same team, or for
another team that shares a member, waits until this transaction commits and then counts
what it assigned. Nobody goes over capacity, and nobody is skipped while they have room.
(SQLite has one writer at a time, which gives the same order.)

A member's capacity counts every open thread assigned to them (not resolved or closed),
whichever team it came from. Skills: a member with languages, networks or topics takes
only threads in one of those languages, from one of those networks, or tagged with one of
those topics; an empty list takes any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update

from server.actions.arrivals import Arrival, ArrivingThread
from server.db import Tx
from server.models import Availability, Team, TeamMember, Thread, User
from server.statuses import DONE

TEAM = Team.__table__  # type: ignore[attr-defined]
MEMBER = TeamMember.__table__  # type: ignore[attr-defined]
AVAILABILITY = Availability.__table__  # type: ignore[attr-defined]
THREAD = Thread.__table__  # type: ignore[attr-defined]
USER = User.__table__  # type: ignore[attr-defined]


@dataclass
class Candidate:
    team_id: int
    user_id: int
    name: str
    capacity: int
    languages: frozenset[str]
    networks: frozenset[str]
    topics: frozenset[str]
    last_turn: int

    def can_take(self, language: str | None, network: str, tags: Sequence[str]) -> bool:
        return ((not self.languages or language in self.languages)
                and (not self.networks or network in self.networks)
                and (not self.topics or bool(self.topics.intersection(tags))))


async def assign_new(tx: Tx, threads: Sequence[ArrivingThread], arrivals: Mapping[int, Arrival],
                     now: datetime) -> None:
    """Assign each of `threads` that has a team with automatic assignment and no assignee
    (`arrivals`: its first message, by thread id, for its language and network)."""
    waiting = sorted((t for t in threads
                      if t.row["team_id"] is not None and t.row["assignee_id"] is None),
                     key=lambda t: t.id)
    if not waiting:
        return
    team_ids = sorted({t.row["team_id"] for t in waiting})
    turns = {row.id: row.turns for row in await tx.session.execute(
        select(TEAM.c.id, TEAM.c.turns)
        .where(TEAM.c.id.in_(team_ids), TEAM.c.auto_assign.is_(True))
        .order_by(TEAM.c.id).with_for_update())}
    if not turns:
        return
    members = await _candidates(tx, list(turns))
    if not members:
        return
    loads = await _loads(tx, sorted({m.user_id for m in members}))
    by_team: dict[int, list[Candidate]] = {}
    for member in members:
        by_team.setdefault(member.team_id, []).append(member)
    moved: set[int] = set()
    for thread in waiting:
        team_id = thread.row["team_id"]
        arrival = arrivals[thread.id]
        options = [m for m in by_team.get(team_id, ())
                   if loads.get(m.user_id, 0) < m.capacity
                   and m.can_take(arrival.reading.language, arrival.channel.network,
                                  thread.row["tags"])]
        if not options:
            continue  # stays in the team's queue
        chosen = min(options, key=lambda m: (m.last_turn, m.user_id))
        thread.assign(chosen.user_id, chosen.name)
        loads[chosen.user_id] = loads.get(chosen.user_id, 0) + 1
        turns[team_id] += 1
        chosen.last_turn = turns[team_id]
        moved.add(team_id)
    if moved:
        await tx.session.execute(
            update(TEAM).where(TEAM.c.id == bindparam("team")).values(turns=bindparam("turn")),
            [{"team": team_id, "turn": turns[team_id]} for team_id in sorted(moved)])
        await tx.session.execute(
            update(MEMBER).where(MEMBER.c.team_id == bindparam("team"),
                                 MEMBER.c.user_id == bindparam("user"))
            .values(last_turn=bindparam("turn")),
            [{"team": m.team_id, "user": m.user_id, "turn": m.last_turn}
             for m in members if m.team_id in moved])


async def _candidates(tx: Tx, team_ids: list[int]) -> list[Candidate]:
    """The members of the teams who take work now, their availability rows locked."""
    rows = (await tx.session.execute(
        select(MEMBER.c.team_id, MEMBER.c.user_id, MEMBER.c.capacity, MEMBER.c.languages,
               MEMBER.c.networks, MEMBER.c.topics, MEMBER.c.last_turn, USER.c.name,
               TEAM.c.capacity.label("team_capacity"))
        .join(USER, USER.c.id == MEMBER.c.user_id)
        .join(TEAM, TEAM.c.id == MEMBER.c.team_id)
        .join(AVAILABILITY, AVAILABILITY.c.user_id == MEMBER.c.user_id)
        .where(MEMBER.c.team_id.in_(team_ids), MEMBER.c.supervisor.is_(False),
               USER.c.active.is_(True), AVAILABILITY.c.state == "online")
        .order_by(MEMBER.c.user_id)
        .with_for_update(of=AVAILABILITY)
    )).all()
    return [Candidate(team_id=r.team_id, user_id=r.user_id, name=r.name,
                      capacity=r.capacity if r.capacity is not None else r.team_capacity,
                      languages=frozenset(r.languages), networks=frozenset(r.networks),
                      topics=frozenset(r.topics), last_turn=r.last_turn) for r in rows]


async def _loads(tx: Tx, user_ids: list[int]) -> dict[int, int]:
    """Each person's open threads (read after the locks: what others committed counts)."""
    rows = await tx.session.execute(
        select(THREAD.c.assignee_id, func.count())
        .where(THREAD.c.assignee_id.in_(user_ids), THREAD.c.status.not_in(DONE))
        .group_by(THREAD.c.assignee_id))
    return {user_id: count for user_id, count in rows}
