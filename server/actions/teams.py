"""Teams and their members: who is in a team's queue, how much they take at once, their
skills, and who supervises. Routing rules send new threads to a team; automatic
assignment (server/actions/assignment.py) hands them to its members."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from server.business_hours import parse_week
from server.db import Database
from server.errors import Conflict, Invalid, NotFound
from server.models import Team, TeamMember, User
from server.permissions import Actor
from server.queries.teams import member_json, team_json

MAX_CAPACITY = 1000


def check_capacity(value: int | None) -> None:
    if value is not None and not 0 <= value <= MAX_CAPACITY:
        raise Invalid("A capacity lies between 0 and %(count)d.", count=MAX_CAPACITY)


def words(values: list[str]) -> list[str]:
    return sorted({v.strip().lower() for v in values if v.strip()})


async def do_create_team(db: Database, actor: Actor, name: str, auto_assign: bool,
                         capacity: int) -> dict[str, Any]:
    name = name.strip()
    if not name:
        raise Invalid("A team needs a name.")
    check_capacity(capacity)
    try:
        async with db.write() as tx:
            team = Team(name=name, auto_assign=auto_assign, capacity=capacity)
            tx.session.add(team)
            await tx.session.flush()
            tx.audit("team.create", actor.id, team_id=team.id, name=name,
                     auto_assign=auto_assign, capacity=capacity)
            return team_json(team, [])
    except IntegrityError:
        raise Conflict("There is a team %(name)s already.", name=name) from None


def check_hours(changes: dict[str, Any]) -> None:
    """A time zone, a week and a holiday calendar the clocks can use, or a clear refusal."""
    if "time_zone" in changes:
        try:
            ZoneInfo(changes["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid("Unknown time zone %(value)s.", value=changes["time_zone"]) from None
    if "hours" in changes:
        try:
            parse_week(changes["hours"])
        except ValueError:
            raise Invalid("Working hours are HH:MM spans per day (mon .. sun), each ending "
                          "after it starts.") from None
    country = changes.get("holiday_country")
    if country is not None:
        known = holidays.list_supported_countries()
        if country not in known:
            raise Invalid("Unknown holiday country %(value)s.", value=country)
        subdivision = changes.get("holiday_subdivision")
        if subdivision is not None and subdivision not in known[country]:
            raise Invalid("Unknown state %(value)s of %(country)s.", value=subdivision,
                          country=country)


async def do_update_team(db: Database, actor: Actor, team_id: int, changes: dict[str, Any]
                         ) -> dict[str, Any]:
    check_hours(changes)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
        if not changes["name"]:
            raise Invalid("A team needs a name.")
    check_capacity(changes.get("capacity"))
    try:
        async with db.write() as tx:
            team = await _team(tx.session, team_id)
            for name, value in changes.items():
                setattr(team, name, value)
            await tx.session.flush()
            tx.audit("team.update", actor.id, team_id=team_id, **changes)
            members = (await tx.session.execute(
                select(TeamMember, col(User.name)).join(User, col(User.id) == TeamMember.user_id)
                .where(col(TeamMember.team_id) == team_id).order_by(col(User.name)))).all()
            return team_json(team, [member_json(m, n) for m, n in members])
    except IntegrityError:
        raise Conflict("There is a team %(name)s already.", name=changes.get("name")) from None


async def do_set_member(db: Database, actor: Actor, team_id: int, user_id: int,
                        fields: dict[str, Any]) -> dict[str, Any]:
    """Add a person to a team, or change their place in it."""
    check_capacity(fields.get("capacity"))
    for name in ("languages", "networks", "topics"):
        if name in fields:
            fields[name] = words(fields[name])
    async with db.write() as tx:
        await _team(tx.session, team_id)
        user = await tx.session.get(User, user_id)
        if user is None or not user.active:
            raise NotFound("There is no active user %(id)s.", id=user_id)
        member = await tx.session.scalar(select(TeamMember).where(
            col(TeamMember.team_id) == team_id, col(TeamMember.user_id) == user_id))
        if member is None:
            member = TeamMember(team_id=team_id, user_id=user_id)
            tx.session.add(member)
        for name, value in fields.items():
            setattr(member, name, value)
        await tx.session.flush()
        tx.audit("team.member_set", actor.id, team_id=team_id, user_id=user_id, **fields)
        return member_json(member, user.name)


async def do_remove_member(db: Database, actor: Actor, team_id: int, user_id: int) -> None:
    async with db.write() as tx:
        member = await tx.session.scalar(select(TeamMember).where(
            col(TeamMember.team_id) == team_id, col(TeamMember.user_id) == user_id))
        if member is None:
            raise NotFound("User %(id)s is not in this team.", id=user_id)
        await tx.session.delete(member)
        tx.audit("team.member_remove", actor.id, team_id=team_id, user_id=user_id)


async def _team(session: Any, team_id: int) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotFound("There is no team %(id)s.", id=team_id)
    return team
