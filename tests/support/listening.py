"""Listening matches for tests that need one at hand: a rule, and a post stored as a
listener stores it (through the channel's listening lease)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from channels.base import InboundItem, PublicPost
from server.actions import listening_leases
from server.actions.listening import RuleCache, RuleFields, do_save_rule, do_store_matches
from server.desk import Desk
from server.models import ListeningMatch
from server.permissions import Actor
from tests.fakes.desk import connect, eventually
from tests.fakes.x_api import FakeX
from tests.support.desk_api import DeskApi, Person

HOLDER = "tests listener"
Act = Callable[[], Awaitable[Any]]


async def rule(desk: Desk, actor: Actor, *terms: str) -> int:
    fields = RuleFields("Tandem", f"rule {secrets.token_hex(3)}", list(terms), [], [], [], [])
    return (await do_save_rule(desk.db, actor, None, fields)).id


async def stored_match(desk: Desk, channel_id: int, text: str,
                       network: str = "webhook") -> ListeningMatch:
    """Store `text` as a public post read on the channel (a rule must match it)."""
    if await listening_leases.take(desk.db, channel_id, HOLDER, 600) is None:
        raise AssertionError("the channel's listening lease is held elsewhere")
    post_id = f"public-{secrets.token_hex(6)}"
    item = InboundItem(external_id=post_id, author_id="listened-1", author_name="Lena Laut",
                       author_handle="lena", text=text, visibility="public")
    await do_store_matches(desk.db, RuleCache(), channel_id, network, HOLDER,
                           [PublicPost(item, "en", f"https://example.com/{post_id}")],
                           {"after": post_id})
    async with desk.db.read() as session:
        found = await session.scalar(select(ListeningMatch).where(
            col(ListeningMatch.external_id) == post_id))
    if found is None:
        raise AssertionError(f"no rule matched {text!r}")
    return found


def listening_actions(api: DeskApi, fake_x: FakeX) -> list[tuple[Person, Act]]:
    """For a real server whose X API is the fake: save a rule, let the listener find a
    public post in the recent search, engage with it. Each with a supervisor's board."""
    supervisor, marketer = api.person("supervisor"), api.person("marketing agent")
    word = f"listened{secrets.token_hex(3)}"

    async def call(person: Person, method: str, path: str, **body: Any) -> Any:
        response = await asyncio.to_thread(api.call, person, method, path, json=body)
        assert response.is_success, response.text
        return response.json()

    def lane() -> list[dict[str, Any]]:
        return api.call(supervisor, "GET", "/api/listening/matches").json()["matches"]

    async def heard() -> None:
        account = fake_x.account()
        connect(api, "x", name=f"X {account.id}", account_id=account.id,
                access_token=account.token, consumer_secret=account.consumer_secret)
        fake_x.tweet(fake_x.user("Lena Laut"), f"The {word} is great")
        await eventually(lambda: [m for m in lane() if word in m["text"]], timeout=30,
                         what="the listening match")

    async def engage() -> None:
        match = next(m for m in lane() if word in m["text"])
        await call(supervisor, "POST", f"/api/listening/matches/{match['id']}/engage")

    return [
        (supervisor, lambda: call(marketer, "POST", "/api/listening/rules", brand="Tandem",
                                  name=f"rule {word}", any_terms=[word], networks=["x"])),
        (supervisor, heard),
        (supervisor, engage),
    ]
