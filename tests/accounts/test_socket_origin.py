"""Which pages may open a live connection with a signed-in person's cookie."""

from __future__ import annotations

import pytest
import socketio

from tests.accounts.browser import signed_in
from tests.support.desk_api import DeskApi, Person, item
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


def cookie_of(server: DeskServer, person: Person) -> str:
    with signed_in(server.url, person.email, person.password) as browser:
        return f"tandem_session={browser.session}"


async def test_a_page_of_another_origin_cannot_use_the_cookie(
    server: DeskServer, api: DeskApi
) -> None:
    # Another port of the same host is another origin: the tester's page on :8081.
    foreign = server.url.rsplit(":", 1)[0] + ":8081"
    cookie = cookie_of(server, api.person("admin"))
    board = LiveBoard(server.url, headers={"Cookie": cookie, "Origin": foreign})
    refusals: list[dict] = []
    board.client.on("connect_error", refusals.append)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await board.connect()

    assert refusals == [{"message": "Connect from the desk's own pages.",
                         "data": {"code": "origin"}}]
    assert not board.client.connected


async def test_the_desks_own_page_connects_with_the_cookie_and_claims(
    server: DeskServer, api: DeskApi
) -> None:
    admin = api.person("admin")
    board = LiveBoard(server.url, headers={"Cookie": cookie_of(server, admin),
                                           "Origin": server.url})
    api.ingest(api.webhook_channel(), item("claimed from our own page"))
    thread_id = api.thread_by_text(admin, "claimed from our own page")["id"]

    await board.connect()
    claimed = await board.call("claim", {"thread_id": thread_id})

    assert claimed["ok"], claimed
    await board.disconnect()


async def test_a_token_client_connects_from_anywhere_and_without_an_origin(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    for headers in ({}, {"Origin": "https://integrations.example.net"}):
        board = LiveBoard(server.url, agent.token, headers=headers)

        answer = await board.connect(since=0)

        assert answer["ok"], answer
        await board.disconnect()
