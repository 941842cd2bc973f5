"""Routing for the ingest bench: rules and automatic assignment switched on, or off.

On: ten rules (nine whose words no post has, tried first, and a catch-all) route every new
thread to a team with automatic assignment, whose five members are online with room for
all of them. Off: the rules are inactive and the team assigns nothing, which leaves the
ingest step one SELECT of the active rules per batch with new threads.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import async_database_url

RULES = 10
MEMBERS = 5


async def _execute(database_url: str, sql: str, rows: list[dict[str, Any]]) -> None:
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(sql), rows)
    finally:
        await engine.dispose()


def set_up(url: str, admin: dict[str, str], database_url: str) -> dict[str, Any]:
    """The team, its members (online, by a row written directly) and the rules, inactive."""
    with httpx.Client(base_url=url, headers=admin, timeout=30) as http:
        team = http.post("/api/teams", json={"name": f"Bench {secrets.token_hex(3)}",
                                             "capacity": 1_000}).json()["team"]
        members = []
        for n in range(MEMBERS):
            made = http.post("/api/users", json={
                "email": f"agent{n}-{secrets.token_hex(3)}@bench.example.com",
                "name": f"Bench agent {n}", "role": "service agent"}).json()
            http.put(f"/api/teams/{team['id']}/members/{made['id']}", json={})
            members.append(made["id"])
        rules = [http.post("/api/routing-rules", json={
            "name": f"Rule {n}", "position": n, "active": False, "team_id": team["id"],
            "conditions": {"words": [f"zz{secrets.token_hex(4)}"]} if n < RULES - 1 else {},
        }).json()["rule"]["id"] for n in range(RULES)]
    asyncio.run(_execute(
        database_url,
        "INSERT INTO availability (user_id, state, by_hand, changed_at) "
        "VALUES (:user_id, 'online', true, CURRENT_TIMESTAMP)",
        [{"user_id": user_id} for user_id in members]))
    return {"team": team["id"], "rules": rules}


def switch(url: str, admin: dict[str, str], routing: dict[str, Any], on: bool) -> None:
    with httpx.Client(base_url=url, headers=admin, timeout=30) as http:
        for rule_id in routing["rules"]:
            http.patch(f"/api/routing-rules/{rule_id}", json={"active": on}).raise_for_status()
        http.patch(f"/api/teams/{routing['team']}",
                   json={"auto_assign": on}).raise_for_status()
