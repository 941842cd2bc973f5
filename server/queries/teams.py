"""Reading teams, their members, the routing rules and who is available."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from server.db import Database
from server.models import Availability, RoutingRule, Team, TeamMember, User
from server.models.service_levels import SlaPolicy
from server.models.time import iso

AVAILABILITY_STATES = ("online", "away", "busy", "offline")


def member_json(member: TeamMember, name: str) -> dict[str, Any]:
    return {"user_id": member.user_id, "name": name, "supervisor": member.supervisor,
            "capacity": member.capacity, "languages": list(member.languages),
            "networks": list(member.networks), "topics": list(member.topics)}


def team_json(team: Team, members: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "auto_assign": team.auto_assign,
            "capacity": team.capacity, "time_zone": team.time_zone, "hours": dict(team.hours),
            "holiday_country": team.holiday_country,
            "holiday_subdivision": team.holiday_subdivision, "members": members}


def rule_json(rule: RoutingRule) -> dict[str, Any]:
    return {"id": rule.id, "name": rule.name, "position": rule.position, "active": rule.active,
            "conditions": dict(rule.conditions), "team_id": rule.team_id,
            "priority": rule.priority, "tags": list(rule.tags)}


def policy_json(policy: SlaPolicy) -> dict[str, Any]:
    return {"id": policy.id, "name": policy.name, "position": policy.position,
            "active": policy.active, "team_id": policy.team_id, "network": policy.network,
            "priority": policy.priority, "vip": policy.vip,
            "first_response_minutes": policy.first_response_minutes,
            "next_response_minutes": policy.next_response_minutes,
            "resolution_minutes": policy.resolution_minutes}


async def list_teams(db: Database) -> list[dict[str, Any]]:
    async with db.read() as session:
        teams = (await session.scalars(select(Team).order_by(col(Team.name)))).all()
        rows = (await session.execute(
            select(TeamMember, col(User.name)).join(User, col(User.id) == TeamMember.user_id)
            .order_by(col(User.name)))).all()
    members: dict[int, list[dict[str, Any]]] = {}
    for member, name in rows:
        members.setdefault(member.team_id, []).append(member_json(member, name))
    return [team_json(t, members.get(t.id, [])) for t in teams if t.id is not None]


async def list_rules(db: Database) -> list[dict[str, Any]]:
    async with db.read() as session:
        rules = (await session.scalars(
            select(RoutingRule).order_by(col(RoutingRule.position), col(RoutingRule.id)))).all()
    return [rule_json(r) for r in rules]


async def list_availability(db: Database) -> list[dict[str, Any]]:
    """Every active person's availability (offline when never set)."""
    async with db.read() as session:
        rows = (await session.execute(
            select(col(User.id), col(User.name), col(Availability.state),
                   col(Availability.by_hand), col(Availability.changed_at))
            .outerjoin(Availability, col(Availability.user_id) == col(User.id))
            .where(col(User.active), col(User.service_account).is_(False))
            .order_by(col(User.name)))).all()
    return [{"user": {"id": r[0], "name": r[1]}, "state": r[2] or "offline",
             "by_hand": bool(r[3]), "changed_at": iso(r[4])} for r in rows]


async def list_policies(db: Database) -> list[dict[str, Any]]:
    async with db.read() as session:
        found = (await session.scalars(
            select(SlaPolicy).order_by(col(SlaPolicy.position), col(SlaPolicy.id)))).all()
    return [policy_json(p) for p in found]
