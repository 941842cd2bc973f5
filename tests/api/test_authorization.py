"""The authorization matrix, generated from the published documents: every command x every
built-in role x both transports (REST and Socket.IO).

A role without a command's permission is refused with `forbidden` and nothing changes (the
event sequence does not move, no audit row is written). A role with it gets past the gate:
the permission is checked before the input is read, so an empty input then answers
`invalid` (or not_found for an id that names nothing), never `forbidden`.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import socketio
from sqlalchemy import func, select

from server.db import Database
from server.models import AuditEntry, Event
from server.permissions import DEFAULT_ROLES
from server.settings import async_database_url
from tests.api.conftest import ApiDesk
from tests.support.desk_api import Person

NOBODY = 2**31 - 1  # a valid id that names no row
PARAMETER = re.compile(r"\{(\w+)\}")


def counts(desk: ApiDesk) -> tuple[int, int]:
    async def read() -> tuple[int, int]:
        db = Database(async_database_url(desk.server.env["TANDEM_DATABASE_URL"]))
        try:
            async with db.read() as session:
                seq = await session.scalar(select(func.max(Event.seq)))
                audits = await session.scalar(select(func.count()).select_from(AuditEntry))
        finally:
            await db.dispose()
        return seq or 0, audits or 0

    return asyncio.run(read())


def people(desk: ApiDesk) -> dict[str, Person]:
    return {role: desk.api.person(role) for role in DEFAULT_ROLES}


def refusal_code(answer: dict[str, Any]) -> str | None:
    error = answer.get("error")
    return error.get("code") if isinstance(error, dict) else None


def rest_matrix(desk: ApiDesk, everyone: dict[str, Person]) -> list[str]:
    document = desk.api.http.get("/openapi.json").json()
    wrong: list[str] = []
    for template, item in document["paths"].items():
        for method, operation in item.items():
            needed = operation.get("x-permission")
            if needed is None:
                continue  # not a command (health, webhooks)
            path = PARAMETER.sub(str(NOBODY), template)
            for role, person in everyone.items():
                before = counts(desk)
                answer = desk.api.call(person, method.upper(), path,
                                       **({} if method in ("get", "delete") else {"json": {}}))
                code = refusal_code(answer.json())
                allowed = set(needed) <= set(DEFAULT_ROLES[role])
                if not allowed and (answer.status_code, code) != (403, "forbidden"):
                    wrong.append(f"REST {operation['operationId']} as {role}: "
                                 f"{answer.status_code} {code}, expected forbidden")
                if allowed and code == "forbidden":
                    wrong.append(f"REST {operation['operationId']} as {role}: forbidden")
                if not allowed and counts(desk) != before:
                    wrong.append(f"REST {operation['operationId']} as {role} changed the desk")
    return wrong


async def socket_matrix(desk: ApiDesk, everyone: dict[str, Person]) -> list[str]:
    document = desk.api.http.get("/asyncapi.json").json()
    messages = document["channels"]["desk"]["messages"]
    commands = [(messages[op["messages"][0]["$ref"].rsplit("/", 1)[-1]]["name"],
                 op["x-permission"])
                for op in document["operations"].values() if op["action"] == "receive"]
    wrong: list[str] = []
    for role, person in everyone.items():
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(desk.server.url, auth={"token": person.token},
                             transports=["websocket"], wait_timeout=10)
        try:
            for name, needed in commands:
                before = await asyncio.to_thread(counts, desk)
                answer = await client.call(name, {"thread_id": NOBODY}, timeout=10)
                code = refusal_code(answer)
                allowed = set(needed) <= set(DEFAULT_ROLES[role])
                if not allowed and code != "forbidden":
                    wrong.append(f"socket {name} as {role}: {code}, expected forbidden")
                if allowed and code == "forbidden":
                    wrong.append(f"socket {name} as {role}: forbidden")
                if not allowed and await asyncio.to_thread(counts, desk) != before:
                    wrong.append(f"socket {name} as {role} changed the desk")
        finally:
            await client.disconnect()
    return wrong


def test_every_command_is_allowed_exactly_where_the_role_has_the_permission(
    api_desk: ApiDesk,
) -> None:
    everyone = people(api_desk)

    wrong = rest_matrix(api_desk, everyone) + asyncio.run(socket_matrix(api_desk, everyone))

    assert wrong == []


def test_the_matrix_covers_every_command_of_both_transports(api_desk: ApiDesk) -> None:
    openapi = api_desk.api.http.get("/openapi.json").json()
    asyncapi = api_desk.api.http.get("/asyncapi.json").json()
    rest = [op for item in openapi["paths"].values() for op in item.values()
            if "x-permission" in op]
    socket = [op for op in asyncapi["operations"].values() if op["action"] == "receive"]

    assert len(rest) >= 30 and len(socket) >= 45
    # Some command on each side needs each permission the built-in roles tell apart.
    needed = {p for op in rest + socket for p in op["x-permission"]}
    assert {"thread.claim", "reply.approve", "admin.users", "crisis.toggle", "draft.edit",
            "template.manage", "thread.escalate", "thread.assign"} <= needed
