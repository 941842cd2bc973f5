"""The listening service on a real database, reading the fake Mastodon instance's public
streams and the fake X recent search: matches land once each, across a dropped stream's
catch-up and a restart, and an excluded word keeps a post out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from channels.http import pack_secrets
from realtime.bus import LocalBus
from server.actions.channels import do_add_channel
from server.actions.listening import RuleFields, do_save_rule
from server.app import build_desk
from server.desk import Desk
from server.models import Event, ListeningHit, ListeningMatch, ListeningWatch, User
from server.permissions import Actor
from server.services.listening import ListeningService
from server.settings import Settings
from tests.conftest import ADMIN_EMAIL, prepare
from tests.fakes.desk import eventually
from tests.fakes.mastodon_instance import FakeMastodon
from tests.fakes.x_api import FakeX
from tests.support.backends import Backend, own_backend


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with own_backend(tmp_path_factory.mktemp("listening")) as made:
        prepare(made)
        yield made


@pytest.fixture
def x_fake() -> Iterator[FakeX]:
    fake = FakeX().start()
    yield fake
    fake.stop()


@pytest.fixture
def mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


@pytest.fixture
async def desk(backend: Backend, x_fake: FakeX, monkeypatch: pytest.MonkeyPatch
               ) -> AsyncIterator[Desk]:
    monkeypatch.setattr("server.services.listening.TICK_SECONDS", 0.05)
    monkeypatch.setattr("server.services.listening.FIRST_BACKOFF", 0.05)
    monkeypatch.setattr("channels.x_listening.MIN_POLL", 0.05)
    desk = build_desk(Settings(database_url=backend.database_url, x_api_url=x_fake.base_url),
                      LocalBus())
    yield desk
    await desk.db.dispose()


async def admin(desk: Desk) -> Actor:
    async with desk.db.read() as session:
        user = await session.scalar(select(User).where(col(User.email) == ADMIN_EMAIL))
    assert user is not None and user.id is not None
    return Actor(user.id, user.name, user.email, "admin", frozenset({"listening.manage"}))


async def rule(desk: Desk, name: str, **terms: Any) -> int:
    fields = RuleFields(brand="Tandem", name=name, any_terms=terms.get("any", []),
                        all_terms=terms.get("all", []), none_terms=terms.get("none", []),
                        languages=terms.get("languages", []),
                        networks=terms.get("networks", []))
    return (await do_save_rule(desk.db, await admin(desk), None, fields)).id


async def channel(desk: Desk, network: str, secret: dict[str, str],
                  config: dict[str, str] | None = None) -> int:
    async with desk.db.write() as tx:
        made, _ = await do_add_channel(tx, desk.box, network=network, adapter=network,
                                       name=f"{network} listening", secret=pack_secrets(secret),
                                       config=config)
    assert made.id is not None
    return made.id


async def matched(desk: Desk, channel_id: int) -> list[str]:
    """The texts of the channel's matches, in the order stored."""
    async with desk.db.read() as session:
        rows = await session.scalars(select(ListeningMatch).where(
            col(ListeningMatch.channel_id) == channel_id).order_by(col(ListeningMatch.id)))
        return [m.text for m in rows.all()]


async def matched_events(desk: Desk, texts: list[str]) -> int:
    async with desk.db.read() as session:
        events = (await session.scalars(select(Event).where(
            col(Event.type) == "listening.matched"))).all()
    return sum(1 for e in events if e.payload["match"]["text"] in texts)


async def soon(read: Callable[[], Awaitable[Any]], what: str, timeout: float = 20.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (value := await read()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return value


async def wait_for(desk: Desk, channel_id: int, count: int) -> list[str]:
    async def enough() -> list[str] | None:
        found = await matched(desk, channel_id)
        return found if len(found) >= count else None
    return await soon(enough, f"{count} matches")


async def test_mastodon_matches_land_once_across_a_dropped_stream_and_a_restart(
        desk: Desk, mastodon: FakeMastodon) -> None:
    bot, ines = mastodon.bot(), mastodon.person("Ines Vogel")
    await rule(desk, "launch", any=["#tandemdesk", "tandem desk"], none=["giveaway"])
    channel_id = await channel(desk, "mastodon", {"access_token": bot.token or ""},
                               {"instance_url": mastodon.base_url})
    service = ListeningService(desk)
    await service.start()
    try:
        await eventually(lambda: {"hashtag:tandemdesk", "public"} <=
                         set(mastodon.open_public_streams()), timeout=20,
                         what="the hashtag and public streams")
        mastodon.public_post(ines, "Just switched to #TandemDesk, love it")
        mastodon.public_post(ines, "Win a #tandemdesk in our giveaway!")  # excluded
        mastodon.public_post(ines, "the tandem desk froze during our launch")
        mastodon.public_post(ines, "nothing to see here")
        await wait_for(desk, channel_id, 2)
        # The streams drop; what is posted meanwhile comes in with the catch-up, and what
        # the catch-up reads again is not matched twice.
        mastodon.drop_streams()
        mastodon.public_post(ines, "#tandemdesk after the drop")
        await wait_for(desk, channel_id, 3)
    finally:
        await service.stop()
    # A post while no process listens, then a restart: it comes in once, the rest not again.
    mastodon.public_post(ines, "#tandemdesk while the desk was down")
    again = ListeningService(desk)
    await again.start()
    try:
        found = await wait_for(desk, channel_id, 4)
        await asyncio.sleep(0.5)  # a second catch-up would have stored more by now
        found = await matched(desk, channel_id)
    finally:
        await again.stop()
    assert found == ["Just switched to #TandemDesk, love it",
                     "the tandem desk froze during our launch", "#tandemdesk after the drop",
                     "#tandemdesk while the desk was down"]
    assert await matched_events(desk, found) == 4
    async with desk.db.read() as session:
        watch = await session.get(ListeningWatch, channel_id)
    assert watch is not None and set(watch.cursor) == {"tag:tandemdesk", "public"}


async def test_x_recent_search_matches_land_once_across_a_restart(
        desk: Desk, x_fake: FakeX) -> None:
    account, olga = x_fake.account(), x_fake.user("Olga Berg")
    rule_id = await rule(desk, "outage", any=["outage", "#tandemdown"], none=["joke"],
                         languages=["de"], networks=["x"])
    channel_id = await channel(desk, "x", {"access_token": account.token,
                                            "account_id": account.id})
    x_fake.tweet(olga, "Schon wieder ein Outage bei Tandem", lang="de")
    x_fake.tweet(olga, "another outage in English", lang="en")  # not German
    x_fake.tweet(olga, "Outage? Nur ein joke", lang="de")  # excluded
    service = ListeningService(desk)
    await service.start()
    try:
        await wait_for(desk, channel_id, 1)
        x_fake.tweet(olga, "#TandemDown seit einer Stunde", lang="de")
        await wait_for(desk, channel_id, 2)
    finally:
        await service.stop()
    x_fake.tweet(olga, "Outage vorbei, danke", lang="de")
    again = ListeningService(desk)
    await again.start()
    try:
        await wait_for(desk, channel_id, 3)
        await asyncio.sleep(0.3)
        found = await matched(desk, channel_id)
    finally:
        await again.stop()
    assert found == ["Schon wieder ein Outage bei Tandem", "#TandemDown seit einer Stunde",
                     "Outage vorbei, danke"]
    searched = [r for r in x_fake.requests if r["path"] == "/2/tweets/search/recent"]
    assert "%23tandemdown" in searched[0]["query"] and "since_id" in searched[-1]["query"]
    async with desk.db.read() as session:
        rows = (await session.scalars(select(ListeningMatch).where(
            col(ListeningMatch.channel_id) == channel_id))).all()
        hits = await session.scalar(select(func.count()).select_from(ListeningHit).where(
            col(ListeningHit.rule_id) == rule_id))
    assert {m.language for m in rows} == {"de"} and hits == 3
    assert all(m.url and m.url.startswith("https://x.com/") for m in rows)


async def test_an_exhausted_search_limit_waits_for_the_reset(
        desk: Desk, x_fake: FakeX) -> None:
    account, olga = x_fake.account(), x_fake.user("Olga Berg")
    await rule(desk, "limits", any=["ratelimited"], networks=["x"])
    channel_id = await channel(desk, "x", {"access_token": account.token,
                                            "account_id": account.id})
    x_fake.exhaust("search", reset_in=2)
    x_fake.tweet(olga, "ratelimited but heard", lang="en")
    service = ListeningService(desk)
    await service.start()
    try:
        async def retrying() -> ListeningWatch | None:
            async with desk.db.read() as session:
                row = await session.get(ListeningWatch, channel_id)
            return row if row is not None and row.state == "retrying" else None
        row = await soon(retrying, "the listener to wait")
        assert row.error is not None and "rate limit" in row.error
        await wait_for(desk, channel_id, 1)
    finally:
        await service.stop()
