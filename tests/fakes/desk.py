"""A real desk whose Meta and X base URLs point at the local fakes, and helpers to use it.

Channels are connected the way an admin connects them (the /admin/channels form); the
network fakes sign webhooks like the networks do.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import network_urls, prepare
from tests.fakes.meta_graph import Account, FakeMeta
from tests.fakes.x_api import FakeX, XAccount
from tests.replies.desk import delivery, submit, until, write_draft
from tests.support.backends import Backend, backend_name, make_backend
from tests.support.desk_api import DeskApi, Person
from tests.support.servers import DeskServer

CONNECTED = re.compile(r'data-connected-channel="(\d+)"')


def connect(api: DeskApi, adapter: str, **fields: str) -> int:
    """Connect a channel through the admin page's form; returns its id."""
    response = api.http.post(f"/admin/channels/{adapter}", headers=api.admin, data=fields)
    assert response.status_code == 201, response.text
    found = CONNECTED.search(response.text)
    assert found, response.text
    return int(found.group(1))


def connect_meta(api: DeskApi, account: Account) -> int:
    return connect(api, account.network, name=f"{account.network} {account.id}",
                   account_id=account.id, access_token=account.token,
                   app_secret=account.app_secret, verify_token=account.verify_token)


def post_meta(api: DeskApi, channel_id: int, payload: dict[str, Any], app_secret: str
              ) -> httpx.Response:
    body, headers = FakeMeta.signed(payload, app_secret)
    return api.http.post(f"/webhooks/meta/{channel_id}", content=body, headers=headers)


@dataclass
class OwnDesk:
    """A desk with a database of its own; `stop` ends it and removes the database."""

    backend: Backend
    server: DeskServer
    api: DeskApi

    def stop(self) -> None:
        self.api.close()
        self.server.stop()
        for cleanup in self.backend.cleanup:
            cleanup()


def start_desk(folder: Path, urls: dict[str, str]) -> tuple[Backend, DeskServer, DeskApi]:
    """A desk of its own (its own database), its network URLs (TANDEM_..._URL) at the fakes."""
    backend = make_backend(backend_name(), folder)
    token = prepare(backend)
    server = DeskServer(backend.env(), folder / "desk.log", extra=urls).start()
    return backend, server, DeskApi(server.url, token)


def send_replies_straight_out(api: DeskApi) -> None:
    """Replies skip approval, which has tests of its own."""
    policy = api.http.put("/api/approval-policy", headers=api.admin, json={
        "default": {"public": False, "private": False}, "rules": []})
    assert policy.status_code == 200, policy.text


async def send_reply(desk: OwnDesk, person: Person, thread_id: int, text: str) -> int:
    """Write the draft and send it, as an agent does, on a desk sending replies straight
    out; returns the outgoing message's id."""
    await write_draft(desk.server.url, desk.api, person, thread_id, text)
    sent = submit(desk.api, person, thread_id)
    assert sent.status_code == 200 and sent.json()["status"] == "sent", sent.text
    return sent.json()["message_id"]


async def delivery_shown(desk: OwnDesk, person: Person, thread_id: int, message_id: int,
                         check: Callable[[dict[str, Any]], Any], what: str = "the delivery"
                         ) -> dict[str, Any]:
    """The delivery as the thread's reply panel shows it, once `check` holds for it."""
    def reached() -> dict[str, Any] | None:
        found = delivery(desk.api, person, thread_id, message_id)
        return found if check(found) else None

    return await until(reached, what, timeout=20)


def find_thread(api: DeskApi, person: Person, text: str) -> dict[str, Any] | None:
    """The board's card of the thread whose excerpt holds `text`, if there is one yet."""
    cards = api.threads(person, q=text, status="all")["threads"]
    return next((card for card in cards if text in card["excerpt"]), None)


def open_thread(api: DeskApi, person: Person, thread_id: int) -> dict[str, Any]:
    """A thread with its messages, as the thread view loads it."""
    response = api.call(person, "GET", f"/api/threads/{thread_id}")
    assert response.status_code == 200, response.text
    return response.json()


@dataclass
class NetworkDesk(OwnDesk):
    meta: FakeMeta
    x: FakeX

    def connect(self, adapter: str, **fields: str) -> int:
        return connect(self.api, adapter, **fields)

    def meta_channel(self, account: Account) -> int:
        return connect_meta(self.api, account)

    def x_channel(self, account: XAccount) -> int:
        return connect(self.api, "x", name=f"X {account.screen_name}", account_id=account.id,
                       access_token=account.token, consumer_secret=account.consumer_secret)

    def post_meta(self, channel_id: int, payload: dict[str, Any], app_secret: str
                  ) -> httpx.Response:
        return post_meta(self.api, channel_id, payload, app_secret)

    def post_x(self, channel_id: int, payload: dict[str, Any], consumer_secret: str
               ) -> httpx.Response:
        body, headers = FakeX.signed(payload, consumer_secret)
        return self.api.http.post(f"/webhooks/x/{channel_id}", content=body, headers=headers)


def start_network_desk(folder: Path, meta: FakeMeta, x: FakeX) -> NetworkDesk:
    """A desk of its own whose Meta and X URLs point at the fakes."""
    return NetworkDesk(*start_desk(folder, network_urls(meta, x)), meta, x)


def wait_until(check: Callable[[], Any], timeout: float = 10.0, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


async def eventually(check: Callable[[], Any], timeout: float = 10.0, what: str = "it") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def escalation_actions(api: DeskApi, agent: Person, supervisor: Person, meta: FakeMeta
                       ) -> list[tuple[Person, Callable[[], Awaitable[Any]]]]:
    """Take a Facebook comment private and come back, for the board-follows-its-events test.

    Taking private waits until the outbox sent the private reply and the private thread was
    linked to the customer's Messenger id, so every event it causes belongs to it.
    """
    page = meta.account("facebook")
    channel = connect_meta(api, page)
    comment = meta.comment(page, meta.customer("Board Escalation"), "escalate this comment")
    assert post_meta(api, channel, meta.comment_webhook(comment), page.app_secret).is_success
    public = api.thread_by_text(agent, "escalate this comment")
    private: dict[str, int] = {}

    def call(path: str, text: str) -> dict[str, Any]:
        answer = api.call(agent, "POST", path, json={"text": text})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def linked() -> bool:
        shown = api.call(agent, "GET", f"/api/threads/{private['id']}").json()
        return (shown["thread"]["author"]["contact_id"] != public["author"]["contact_id"]
                and shown["messages"][-1]["delivery_status"] == "sent")

    async def take_private() -> None:
        done = await asyncio.to_thread(call, f"/api/threads/{public['id']}/take-private",
                                       "We write to you privately.")
        private["id"] = done["private_thread_id"]
        for _ in range(200):
            if await asyncio.to_thread(linked):
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the private reply was not sent and linked")

    async def back_to_public() -> None:
        await asyncio.to_thread(call, f"/api/threads/{private['id']}/back-to-public", "Solved.")

    return [(supervisor, take_private), (supervisor, back_to_public)]
