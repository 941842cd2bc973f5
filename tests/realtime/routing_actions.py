"""Actions for the board check (test_board_follows_events.py) that routing and service
levels add: an availability change, and a first response overdue on a routed thread,
which the desk's own timer announces (to the team's supervisor as well)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from server.settings import async_database_url
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, Person, WebhookChannel, item

Actions = list[tuple[Person, Callable[[], Awaitable[Any]]]]


def routing_actions(api: DeskApi, backend: Backend, supervisor: Person, agent: Person,
                    channel: WebhookChannel, socket: Callable[..., Awaitable[None]]
                    ) -> Actions:
    async def overdue() -> None:
        admin = {"headers": api.admin}
        team = api.http.post("/api/teams", json={"name": f"Team {secrets.token_hex(3)}"},
                             **admin).json()["team"]
        api.http.put(f"/api/teams/{team['id']}/members/{supervisor.id}",
                     json={"supervisor": True}, **admin).raise_for_status()
        word = f"late{secrets.token_hex(3)}"
        api.http.post("/api/routing-rules", json={
            "name": "Late", "team_id": team["id"], "conditions": {"words": [word]}},
            **admin).raise_for_status()
        await asyncio.to_thread(api.ingest, channel, item(f"Noch keine Antwort {word}"))
        thread_id = api.thread_by_text(supervisor, word)["id"]
        await _due_now(backend.database_url, thread_id)

    return [(agent, lambda: socket(agent, "availability.set", state="busy")),
            (supervisor, overdue)]


async def _due_now(database_url: str, thread_id: int) -> None:
    """Make the thread's first response due now, and wait until the timer announced it."""
    engine = create_async_engine(async_database_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(text(
                "UPDATE sla_clock SET warn_at = CURRENT_TIMESTAMP, due_at = CURRENT_TIMESTAMP "
                "WHERE thread_id = :t AND target = 'first_response'"), {"t": thread_id})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            async with engine.connect() as conn:
                done = (await conn.execute(text(
                    "SELECT breached_at FROM sla_clock WHERE thread_id = :t AND "
                    "target = 'first_response'"), {"t": thread_id})).scalar()
            if done is not None:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the timer did not announce the breach")
    finally:
        await engine.dispose()
