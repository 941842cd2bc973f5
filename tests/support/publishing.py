"""Scheduled posts for tests that need one at hand: an X channel to publish on, a post
composed by the marketer, and the actions a real server's board check runs."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from channels.http import pack_secrets
from server.actions.channels import do_add_channel
from server.desk import Desk
from tests.fakes.desk import connect
from tests.fakes.x_api import FakeX
from tests.support.desk_api import DeskApi, Person

Act = Callable[[], Awaitable[Any]]
WHEN = "2030-06-01T09:00:00+02:00"


async def x_channel(desk: Desk, fake: FakeX) -> int:
    account = fake.account()
    async with desk.db.write() as tx:
        made, _ = await do_add_channel(
            tx, desk.box, network="x", adapter="x", name=f"@{account.screen_name}",
            secret=pack_secrets({"access_token": account.token,
                                 "consumer_secret": account.consumer_secret,
                                 "account_id": account.id}))
    assert made.id is not None
    return made.id


def compose_body(channel_id: int, **changes: Any) -> dict[str, Any]:
    return {"channel_id": channel_id, "text": f"Launch day {secrets.token_hex(3)}",
            "publish_at": WHEN, "time_zone": "Europe/Berlin", "campaign": "launch", **changes}


def publishing_actions(api: DeskApi, fake_x: FakeX) -> list[tuple[Person, Act]]:
    """For a real server whose X API is the fake: compose a post, pause all, resume."""
    supervisor, marketer = api.person("supervisor"), api.person("marketing agent")
    channel: dict[str, int] = {}

    async def call(person: Person, method: str, path: str, **body: Any) -> Any:
        response = await asyncio.to_thread(api.call, person, method, path, json=body)
        assert response.is_success, response.text
        return response.json()

    async def compose() -> None:
        account = fake_x.account()
        channel["id"] = connect(api, "x", name=f"X {account.id}", account_id=account.id,
                                access_token=account.token,
                                consumer_secret=account.consumer_secret)
        await call(marketer, "POST", "/api/posts", **compose_body(channel["id"]))

    return [
        (supervisor, compose),
        (supervisor, lambda: call(supervisor, "POST", "/api/publishing/pause",
                                  reason="a storm")),
        (supervisor, lambda: call(supervisor, "POST", "/api/publishing/resume", confirm=True)),
    ]
