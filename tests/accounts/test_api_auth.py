"""API tokens: REST (Authorization: Bearer) and Socket.IO (auth={"token": ...})."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import socketio
from sqlalchemy import select

from server.db import Database
from server.models import ApiToken
from server.secrets import token_hash
from tests.accounts.browser import in_database
from tests.support.backends import Backend
from tests.support.desk_api import DeskApi, Person
from tests.support.live import LiveBoard
from tests.support.servers import DeskServer


def deactivate(api: DeskApi, person: Person) -> None:
    answer = api.http.patch(f"/api/users/{person.id}", headers=api.admin, json={"active": False})
    assert answer.status_code == 200, answer.text
    assert answer.json()["active"] is False


def test_api_me_describes_the_caller(server: DeskServer, api: DeskApi) -> None:
    agent = api.person("service agent", name="Tina Token")

    answer = api.call(agent, "GET", "/api/me")

    assert answer.status_code == 200
    data = answer.json()
    assert data["id"] == agent.id
    assert data["email"] == agent.email
    assert data["name"] == "Tina Token"
    assert data["role"] == "service agent"
    assert "thread.claim" in data["permissions"]
    assert "admin.users" not in data["permissions"]


@pytest.mark.parametrize("authorization", [None, "Bearer nonsense", "Bearer", "Basic abc",
                                           "Bearer tdm_" + "A" * 43])
def test_api_me_without_valid_credentials_is_401(
    server: DeskServer, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    answer = httpx.get(server.url + "/api/me", headers=headers)

    assert answer.status_code == 401
    error = answer.json()["error"]
    assert error["code"] == "unauthenticated"
    assert error["message"] == "Sign in first."


def test_a_token_with_a_valid_session_cookie_is_still_refused_when_wrong(
    server: DeskServer, api: DeskApi
) -> None:
    # An invalid bearer token is not rescued by a cookie: the script should learn its token is bad.
    agent = api.person()
    with httpx.Client(base_url=server.url) as client:
        client.get("/login")
        client.post("/login", data={"email": agent.email, "password": agent.password,
                                    "csrf_token": client.cookies["tandem_csrf"]})
        assert client.get("/api/me").status_code == 200
        assert client.get("/api/me", headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_the_token_of_a_deactivated_user_stops_working(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    assert api.call(agent, "GET", "/api/me").status_code == 200

    deactivate(api, agent)

    for path in ("/api/me", "/api/threads"):
        answer = api.call(agent, "GET", path)
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthenticated"
    assert api.call(agent, "POST", "/api/threads/1/claim", json={}).status_code == 401


def test_tokens_are_stored_only_as_hashes(
    server: DeskServer, api: DeskApi, backend: Backend
) -> None:
    agent = api.person()

    async def stored(db: Database) -> list[str]:
        async with db.read() as session:
            return list((await session.scalars(select(ApiToken.token_hash))).all())

    hashes = in_database(backend, stored)
    assert token_hash(agent.token) in hashes
    assert agent.token not in hashes


async def test_socket_io_refuses_a_deactivated_users_token(
    server: DeskServer, api: DeskApi
) -> None:
    agent = api.person()
    deactivate(api, agent)
    board = LiveBoard(server.url, agent.token)
    reasons: list[object] = []
    board.client.on("connect_error", reasons.append)

    with pytest.raises(socketio.exceptions.ConnectionError):
        await board.connect()

    assert reasons
    assert "Sign in first." in str(reasons[0])
    assert "unauthenticated" in str(reasons[0])
    await board.disconnect()


async def test_socket_io_refuses_a_garbage_token(server: DeskServer) -> None:
    board = LiveBoard(server.url, "garbage")

    with pytest.raises(socketio.exceptions.ConnectionError):
        await board.connect()
    await board.disconnect()


async def test_deactivation_closes_open_live_connections(server: DeskServer, api: DeskApi) -> None:
    agent = api.person()
    board = LiveBoard(server.url, agent.token)
    await board.connect()
    assert board.client.connected

    await asyncio.to_thread(deactivate, api, agent)

    for _ in range(100):
        if not board.client.connected:
            break
        await asyncio.sleep(0.05)
    assert not board.client.connected
    await board.disconnect()
