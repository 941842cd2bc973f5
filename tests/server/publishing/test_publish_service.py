"""Scheduled posts on a real database, published through the fake networks by two publish
services at once (two desks, each with its own connections, as two processes have), on a
clock the test moves: once at its time, also after a process died during the send; never
while paused, nor once rejected. Comments on a published post land in a linked thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from channels.base import InboundItem
from channels.http import pack_secrets
from realtime.bus import LocalBus
from server.actions import publishing as posts
from server.actions.channels import do_add_channel
from server.actions.ingest import do_ingest
from server.app import build_desk
from server.desk import Desk
from server.errors import Conflict
from server.models import PostThread, ScheduledPost, Thread, User
from server.permissions import DEFAULT_ROLES, Actor
from server.services.publishing import LEASE, PublishService
from server.settings import Settings
from tests.conftest import prepare
from tests.fakes.mastodon_instance import FakeMastodon, MastodonAccount
from tests.fakes.x_api import FakeX
from tests.support.backends import Backend, own_backend
from tests.support.servers import tandem

START = datetime(2026, 12, 24, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with own_backend(tmp_path_factory.mktemp("publishing")) as made:
        prepare(made)
        for email, role in (("mia@tests.example.com", "marketing agent"),
                            ("sven@tests.example.com", "supervisor")):
            tandem(["user", "create", "--email", email, "--name", email.split("@")[0].title(),
                    "--role", role, "--password", "a long test password"], made.env())
        yield made


@pytest.fixture(scope="module")
def mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def x_fake() -> Iterator[FakeX]:
    fake = FakeX().start()
    yield fake
    fake.stop()


@pytest.fixture
async def desks(backend: Backend, x_fake: FakeX) -> AsyncIterator[tuple[Desk, Desk]]:
    settings = Settings(database_url=backend.database_url, x_api_url=x_fake.base_url)
    made = (build_desk(settings, LocalBus()), build_desk(settings, LocalBus()))
    yield made
    for desk in made:
        await desk.db.dispose()


async def person(desk: Desk, email: str) -> Actor:
    async with desk.db.read() as session:
        user = await session.scalar(select(User).where(col(User.email) == email))
    assert user is not None and user.id is not None
    role = "marketing agent" if email.startswith("mia") else "supervisor"
    return Actor(user.id, user.name, user.email, role, frozenset(DEFAULT_ROLES[role]))


async def mastodon_channel(desk: Desk, fake: FakeMastodon, bot: MastodonAccount) -> int:
    async with desk.db.write() as tx:
        made, _ = await do_add_channel(
            tx, desk.box, network="mastodon", adapter="mastodon", name=f"@{bot.acct}",
            secret=pack_secrets({"access_token": bot.token or "", "account_id": bot.id}),
            config={"instance_url": fake.base_url})
    made_id = made.id
    assert made_id is not None
    async with desk.db.write() as tx:
        channel = await tx.session.get(type(made), made_id)
        assert channel is not None
        channel.external_account_id = bot.id
    return made_id


async def x_channel(desk: Desk, fake: FakeX) -> tuple[int, Any]:
    account = fake.account()
    async with desk.db.write() as tx:
        made, _ = await do_add_channel(
            tx, desk.box, network="x", adapter="x", name=f"@{account.screen_name}",
            secret=pack_secrets({"access_token": account.token,
                                 "consumer_secret": account.consumer_secret,
                                 "account_id": account.id}))
    assert made.id is not None
    return made.id, account


async def approved_post(desk: Desk, channel_id: int, text: str, at: datetime,
                        campaign: str = "xmas") -> int:
    mia, sven = (await person(desk, "mia@tests.example.com"),
                 await person(desk, "sven@tests.example.com"))
    made = await posts.do_compose(desk.db, mia, desk.adapters.publishers(),
                                  channel_id=channel_id, text=text, publish_at=at.isoformat(),
                                  time_zone="Europe/Berlin", campaign=campaign)
    await posts.do_submit(desk.db, mia, desk.adapters.publishers(), made["id"])
    await posts.do_decide(desk.db, sven, made["id"], approve=True)
    return int(made["id"])


async def row(desk: Desk, post_id: int) -> ScheduledPost:
    async with desk.db.read() as session:
        found = await session.get(ScheduledPost, post_id)
    assert found is not None
    return found


def statuses_of(fake: FakeMastodon, bot: MastodonAccount, text: str) -> int:
    return sum(1 for s in fake.statuses.values() if s.account is bot and s.text == text)


async def test_a_post_goes_out_once_at_its_time_with_two_processes(
        desks: tuple[Desk, Desk], mastodon: FakeMastodon) -> None:
    one, two = desks
    clock = Clock()
    bot = mastodon.bot()
    channel_id = await mastodon_channel(one, mastodon, bot)
    text = "Frohe Weihnachten from the Tandem team!"
    post_id = await approved_post(one, channel_id, text, START + timedelta(hours=1))
    services = [PublishService(one, clock), PublishService(two, clock)]

    assert await asyncio.gather(*(s.publish_due() for s in services)) == [0, 0]
    assert statuses_of(mastodon, bot, text) == 0
    clock.now = START + timedelta(hours=1)
    for _ in range(3):
        await asyncio.gather(*(s.publish_due() for s in services))
    assert statuses_of(mastodon, bot, text) == 1
    done = await row(one, post_id)
    status = next(s for s in mastodon.statuses.values() if s.text == text)
    assert done.status == "published" and done.external_id == status.id
    assert done.url and done.url.endswith(f"/{status.id}") and done.answer["id"] == status.id


async def test_a_process_that_dies_during_the_send_is_followed_once(
        desks: tuple[Desk, Desk], mastodon: FakeMastodon) -> None:
    one, two = desks
    clock = Clock()
    bot = mastodon.bot()
    channel_id = await mastodon_channel(one, mastodon, bot)
    text = "Our winter sale starts now"
    post_id = await approved_post(one, channel_id, text, START)
    mastodon.hold_answers()
    dying = asyncio.create_task(PublishService(one, clock).publish_due())
    try:
        for _ in range(200):
            if statuses_of(mastodon, bot, text):
                break
            await asyncio.sleep(0.02)
        assert statuses_of(mastodon, bot, text) == 1  # published; the answer never arrives
        dying.cancel()  # the process dies before it hears back
        with pytest.raises(asyncio.CancelledError):
            await dying
    finally:
        mastodon.release_answers()
    other = PublishService(two, clock)
    assert await other.publish_due() == 0  # its lease still runs: nobody sends again
    clock.now = START + LEASE + timedelta(seconds=1)
    assert await other.publish_due() == 1  # same idempotency key: Mastodon answers the first
    assert statuses_of(mastodon, bot, text) == 1
    done = await row(two, post_id)
    assert done.status == "published" and done.attempts == 2


async def test_on_a_network_without_idempotency_a_lost_send_waits_for_a_person(
        desks: tuple[Desk, Desk], x_fake: FakeX) -> None:
    one, two = desks
    clock = Clock()
    channel_id, account = await x_channel(one, x_fake)
    text = "Tandem on X: our launch is live"
    post_id = await approved_post(one, channel_id, text, START)
    x_fake.answering.clear()
    dying = asyncio.create_task(PublishService(one, clock).publish_due())
    try:
        for _ in range(200):
            if x_fake.sent_of("tweet"):
                break
            await asyncio.sleep(0.02)
        dying.cancel()
        with pytest.raises(asyncio.CancelledError):
            await dying
    finally:
        x_fake.answering.set()
    clock.now = START + LEASE + timedelta(seconds=1)
    assert await PublishService(two, clock).publish_due() == 0
    assert len([t for t in x_fake.tweets.values() if t.text == text]) == 1
    unsure = await row(two, post_id)
    assert unsure.status == "unsure" and unsure.error and "Check the network" in unsure.error
    assert account


async def test_paused_and_rejected_posts_do_not_go_out(
        desks: tuple[Desk, Desk], mastodon: FakeMastodon) -> None:
    one, _ = desks
    clock = Clock()
    bot = mastodon.bot()
    channel_id = await mastodon_channel(one, mastodon, bot)
    sven = await person(one, "sven@tests.example.com")
    mia = await person(one, "mia@tests.example.com")
    paused_id = await approved_post(one, channel_id, "paused for the crisis", START)
    draft = await posts.do_compose(one.db, mia, one.adapters.publishers(),
                                   channel_id=channel_id, text="never approved",
                                   publish_at=START.isoformat(), time_zone="UTC", campaign="")
    await posts.do_submit(one.db, mia, one.adapters.publishers(), draft["id"])
    await posts.do_decide(one.db, sven, draft["id"], approve=False, comment="not now")
    assert await posts.do_pause_all(one.db, sven, "crisis") >= 1
    service = PublishService(one, clock)
    clock.now = START + timedelta(days=1)
    await service.publish_due()
    assert statuses_of(mastodon, bot, "paused for the crisis") == 0
    assert statuses_of(mastodon, bot, "never approved") == 0
    with pytest.raises(Conflict) as asked:
        await posts.do_resume_all(one.db, sven, confirm=False, now=clock.now)
    assert "past their time" in asked.value.message
    assert (await row(one, paused_id)).paused
    resumed = await posts.do_resume_all(one.db, sven, confirm=True, now=clock.now)
    assert paused_id in resumed["overdue"]
    await service.publish_due()
    assert statuses_of(mastodon, bot, "paused for the crisis") == 1
    assert statuses_of(mastodon, bot, "never approved") == 0
    assert (await row(one, draft["id"])).status == "rejected"


async def test_comments_on_a_published_post_land_in_a_thread_linked_to_it(
        desks: tuple[Desk, Desk], mastodon: FakeMastodon) -> None:
    one, _ = desks
    clock = Clock()
    bot, ines = mastodon.bot(), mastodon.person("Ines Vogel")
    channel_id = await mastodon_channel(one, mastodon, bot)
    post_id = await approved_post(one, channel_id, "Which colour do you like?", START,
                                  campaign="colours")
    assert await PublishService(one, clock).publish_due() == 1
    published = await row(one, post_id)
    assert published.external_id is not None
    comment = InboundItem(external_id="comment-1", author_id=ines.id,
                          author_name="Ines Vogel", text="Blue, obviously!",
                          visibility="public", reply_to=published.external_id)
    await do_ingest(one.ingest, channel_id, [comment])
    async with one.db.read() as session:
        links = (await session.scalars(select(PostThread).where(
            col(PostThread.post_id) == post_id))).all()
        assert len(links) == 1
        thread = await session.get(Thread, links[0].thread_id)
    assert thread is not None and "colours" in thread.tags
