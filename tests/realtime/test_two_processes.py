"""Two desk processes sharing PostgreSQL and Redis behave as one desk."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from tests.conftest import prepare
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer

pytestmark = pytest.mark.pg_redis


@pytest.fixture
def two_desks(fresh_backend: Backend, tmp_path: Path) -> Iterator[tuple[DeskApi, DeskApi]]:
    token = prepare(fresh_backend)
    servers = [DeskServer(fresh_backend.env(), tmp_path / f"desk{n}.log").start() for n in (1, 2)]
    apis = [DeskApi(s.url, token) for s in servers]
    yield apis[0], apis[1]
    for api, server in zip(apis, servers, strict=True):
        api.close()
        server.stop()


async def test_a_hundred_claimers_on_two_processes_get_one_holder(
    two_desks: tuple[DeskApi, DeskApi],
) -> None:
    first, second = two_desks
    channel = first.webhook_channel()
    first.ingest(channel, item("everyone wants this one"))
    people = [(first if n % 2 else second).person() for n in range(100)]
    thread = first.thread_by_text(people[0], "everyone wants this one")
    boards = []
    for n, person in enumerate(people):
        api = first if n % 2 else second
        board = LiveBoard(api.url, person.token)
        assert (await board.connect(since=api.threads(person)["seq"]))["ok"]
        boards.append(board)

    answers = await asyncio.gather(
        *(b.call("claim", {"thread_id": thread["id"]}) for b in boards)
    )

    winners = [a for a in answers if a["ok"]]
    assert len(winners) == 1
    holder = winners[0]["claim"]["holder"]
    refused = [a for a in answers if not a["ok"]]
    assert len(refused) == 99
    assert all(a["error"]["code"] == "claim_held" for a in refused)
    assert all(a["error"]["holder_id"] == holder["id"] for a in refused)
    for board in boards:
        claimed = await board.wait_for(
            lambda b: [e for e in b.of_type("thread.claimed") if e["thread_id"] == thread["id"]],
            what="the claim on every board",
        )
        assert [e["payload"]["holder"] for e in claimed] == [holder]
    for api in (first, second):
        assert api.thread_by_text(people[1], "everyone wants this one")["holder"] == holder
    await asyncio.gather(*(b.disconnect() for b in boards))


async def test_a_post_on_one_process_reaches_boards_on_the_other(
    two_desks: tuple[DeskApi, DeskApi],
) -> None:
    first, second = two_desks
    agent = second.person()
    board = LiveBoard(second.url, agent.token)
    assert (await board.connect(since=second.threads(agent)["seq"]))["ok"]

    first.ingest(first.webhook_channel(), item("sent to process one"))

    await board.wait_for(
        lambda b: [e for e in b.of_type("message.added")
                   if e["payload"]["message"]["text"] == "sent to process one"],
        timeout=3, what="the post from the other process",
    )
    await board.disconnect()


async def test_deactivating_someone_closes_their_boards_on_every_process(
    two_desks: tuple[DeskApi, DeskApi],
) -> None:
    first, second = two_desks
    agent = first.person()
    boards = [LiveBoard(api.url, agent.token) for api in (first, second)]
    for board in boards:
        assert (await board.connect())["ok"]

    answer = first.http.patch(f"/api/users/{agent.id}", headers=first.admin,
                              json={"active": False})
    assert answer.status_code == 200, answer.text

    for board in boards:
        for _ in range(200):
            if not board.client.connected:
                break
            await asyncio.sleep(0.05)
        assert not board.client.connected
    # And they cannot come back on either process.
    for api in (first, second):
        again = LiveBoard(api.url, agent.token)
        with pytest.raises(socketio.exceptions.ConnectionError):
            await again.connect()
