"""A role change reaches the person's open sockets at once, on every process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, Person, item
from tests.support.desks import desk_apis
from tests.support.live import LiveBoard


async def connected(api: DeskApi, person: Person) -> tuple[LiveBoard, list[dict[str, Any]]]:
    board = LiveBoard(api.url, person.token)
    told: list[dict[str, Any]] = []
    board.client.on("me", told.append)
    assert (await board.connect(since=api.threads(person)["seq"]))["ok"]
    return board, told


def demote(admin_api: DeskApi, person: Person, role: str = "viewer") -> None:
    answer = admin_api.http.patch(f"/api/users/{person.id}", headers=admin_api.admin,
                                  json={"role": role})
    assert answer.status_code == 200, answer.text


async def claim_after_demotion(where: DeskApi, admin_api: DeskApi) -> None:
    agent = where.person()
    where.ingest(where.webhook_channel(), item("claimed after a demotion"))
    thread = where.thread_by_text(agent, "claimed after a demotion")
    board, told = await connected(where, agent)

    demote(admin_api, agent)
    await board.wait_for(lambda _: told, what="the new role")
    claimed = await board.call("claim", {"thread_id": thread["id"]})

    assert [(m["id"], m["role"]) for m in told] == [(agent.id, "viewer")]
    assert "thread.claim" not in told[0]["permissions"]
    assert claimed["ok"] is False
    assert claimed["error"]["code"] == "forbidden"
    assert claimed["error"]["permission"] == "thread.claim"
    await board.disconnect()


async def test_a_demoted_agents_socket_can_no_longer_claim(api: DeskApi) -> None:
    await claim_after_demotion(api, api)


@pytest.mark.pg_redis
async def test_a_demotion_on_one_process_reaches_the_socket_on_the_other(
    fresh_backend: Backend, tmp_path: Path,
) -> None:
    with desk_apis(fresh_backend, tmp_path, 2) as (first, second):
        # The socket is on the second process; the admin demotes through the first.
        await claim_after_demotion(second, first)
