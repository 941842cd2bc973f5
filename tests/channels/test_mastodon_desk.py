"""Mastodon on a real desk: connected through the admin form, read by the watch service,
answered through the outbox; the fake instance records what the desk posts."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.desk import NetworkDesk, connect, eventually, find_thread, open_thread
from tests.fakes.mastodon_instance import FakeMastodon, MastodonAccount
from tests.replies.desk import delivery, newest_message, submit, write_draft
from tests.support.desk_api import DeskApi, Person

STARTUP = 30.0  # the watch service takes a new channel within a tick or two


@pytest.fixture(scope="module")
def mastodon() -> Iterator[FakeMastodon]:
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


@pytest.fixture
def own_instance() -> Iterator[FakeMastodon]:
    """An instance of its own, for tests that use up its rate limits."""
    fake = FakeMastodon().start()
    yield fake
    fake.stop()


def connect_bot(api: DeskApi, fake: FakeMastodon, bot: MastodonAccount,
                token: str | None = None) -> int:
    return connect(api, "mastodon", name=f"Mastodon @{bot.acct}", account_id=bot.id,
                   instance_url=fake.base_url, access_token=token or bot.token or "")


async def connect_streaming(api: DeskApi, fake: FakeMastodon, bot: MastodonAccount) -> int:
    """Connect the bot and wait until the desk follows its stream; returns the channel id."""
    channel = connect_bot(api, fake, bot)
    await eventually(lambda: fake.open_streams(bot), timeout=STARTUP,
                     what="the desk to follow the stream")
    return channel


async def thread_with(api: DeskApi, person: Person, text: str) -> dict[str, Any]:
    return await eventually(lambda: find_thread(api, person, text), timeout=15,
                            what=f"the thread {text!r}")


def watch_row(api: DeskApi, channel_id: int) -> str:
    """The channel's row on the admin channels page, as text."""
    page = api.http.get("/admin/channels", headers=api.admin)
    assert page.status_code == 200, page.text
    found = re.search(rf'<tr data-channel-id="{channel_id}"(.*?)</tr>', page.text, re.S)
    assert found, page.text
    return html.unescape(found.group(0))


async def reply(desk: NetworkDesk, person: Person, thread_id: int, text: str
                ) -> dict[str, Any]:
    await write_draft(desk.server.url, desk.api, person, thread_id, text)
    submitted = submit(desk.api, person, thread_id)
    assert submitted.status_code == 200, submitted.text
    return submitted.json()


async def test_a_mention_reaches_the_board_and_the_reply_answers_it(
        network_desk: NetworkDesk, mastodon: FakeMastodon) -> None:
    desk, api = network_desk, network_desk.api
    bot, ines = mastodon.bot(), mastodon.person("Ines Vogel", domain="chaos.example")
    await connect_streaming(api, mastodon, bot)
    agent, supervisor = api.person(), api.person("supervisor")

    status = mastodon.mention(ines, bot, "Mein Internet ist seit heute früh weg")
    card = await thread_with(api, agent, "Mein Internet ist seit heute früh weg")
    thread = open_thread(api, agent, card["id"])
    assert thread["thread"]["visibility"] == "public"
    assert thread["thread"]["author"]["name"] == "Ines Vogel"
    assert [m["text"] for m in thread["messages"]] == [
        f"@{bot.acct} Mein Internet ist seit heute früh weg"]

    # Public replies wait for approval (the default policy), then go out once.
    assert (await reply(desk, agent, card["id"], "Wir schauen sofort nach."))["status"] == \
        "pending"
    approval = next(a for a in api.call(supervisor, "GET", "/api/approvals").json()["approvals"]
                    if a["thread_id"] == card["id"])
    approved = api.call(supervisor, "POST", f"/api/approvals/{approval['id']}/approve", json={})
    assert approved.status_code == 200, approved.text
    message_id = approved.json()["message_id"]
    await eventually(lambda: delivery(api, agent, card["id"], message_id).get("status")
                     == "sent", what="the reply to be sent")
    [posted] = mastodon.posted_to(status)
    assert posted.body == {"status": f"@{ines.acct} Wir schauen sofort nach.",
                           "visibility": "public", "in_reply_to_id": status.id}
    assert posted.idempotency_key and posted.idempotency_key.startswith("tdm-")
    assert delivery(api, agent, card["id"], message_id)["external_id"] == posted.status.id

    # She answers the reply: it joins her thread.
    mastodon.mention(ines, bot, "Danke, jetzt geht es wieder", in_reply_to=posted.status)
    await eventually(lambda: len(open_thread(api, agent, card["id"])["messages"]) == 3,
                     what="her answer in the thread")


async def test_a_direct_message_is_private_and_answered_directly(
        network_desk: NetworkDesk, mastodon: FakeMastodon) -> None:
    desk, api = network_desk, network_desk.api
    bot, lea = mastodon.bot(), mastodon.person("Lea Brandt")
    await connect_streaming(api, mastodon, bot)
    agent = api.person()

    direct = mastodon.mention(lea, bot, "Meine Kundennummer ist 4711", visibility="direct")
    card = await thread_with(api, agent, "Meine Kundennummer ist 4711")
    assert open_thread(api, agent, card["id"])["thread"]["visibility"] == "private"

    assert (await reply(desk, agent, card["id"], "Danke, wir prüfen das."))["status"] != \
        "pending"
    await eventually(lambda: mastodon.posted_to(direct), what="the direct reply")
    await asyncio.sleep(0.3)
    [posted] = mastodon.posted_to(direct)
    assert posted.body == {"status": f"@{lea.acct} Danke, wir prüfen das.",
                           "visibility": "direct", "in_reply_to_id": direct.id}
    assert posted.status.mentions == [lea]


async def test_a_public_mention_taken_private_gets_a_direct_status_and_her_answer_lands_there(
        network_desk: NetworkDesk, mastodon: FakeMastodon) -> None:
    api = network_desk.api
    bot, tom = mastodon.bot(), mastodon.person("Tom Berg")
    await connect_streaming(api, mastodon, bot)
    agent = api.person()
    status = mastodon.mention(tom, bot, "Meine Rechnung ist doppelt abgebucht")
    public = await thread_with(api, agent, "Meine Rechnung ist doppelt abgebucht")

    taken = api.call(agent, "POST", f"/api/threads/{public['id']}/take-private",
                     json={"text": "Schreiben Sie uns bitte Ihre Kundennummer."})
    assert taken.status_code == 200, taken.text
    assert taken.json()["path"] == "direct_message"
    await eventually(lambda: mastodon.posted_to(status), what="the direct status")
    [posted] = mastodon.posted_to(status)
    assert posted.body == {"status": f"@{tom.acct} Schreiben Sie uns bitte Ihre Kundennummer.",
                           "visibility": "direct", "in_reply_to_id": status.id}
    mastodon.mention(tom, bot, "Kundennummer 815", visibility="direct",
                     in_reply_to=posted.status)
    private_id = taken.json()["private_thread_id"]
    await eventually(lambda: open_thread(api, agent, private_id)["messages"][-1]["text"]
                     == f"@{bot.acct} Kundennummer 815", what="his answer in private")


async def test_a_dropped_stream_is_caught_up_and_each_mention_stored_once(
        network_desk: NetworkDesk, mastodon: FakeMastodon) -> None:
    api = network_desk.api
    bot, ole = mastodon.bot(), mastodon.person("Ole")
    await connect_streaming(api, mastodon, bot)
    agent = api.person()

    mastodon.hold_catch_up()
    try:
        mastodon.drop_streams()
        mastodon.mention(ole, bot, "geschrieben während der Stream weg war")
        # Subscribed again, catching up: this one comes by the stream and by REST.
        await eventually(lambda: mastodon.open_streams(bot) and mastodon.catch_ups_waiting,
                         timeout=STARTUP, what="the reconnect")
        mastodon.mention(ole, bot, "geschrieben beim Nachholen")
    finally:
        mastodon.release_catch_up()
    for text in ("geschrieben während der Stream weg war", "geschrieben beim Nachholen"):
        card = await thread_with(api, agent, text)
        assert [m["text"] for m in open_thread(api, agent, card["id"])["messages"]] == [
            f"@{bot.acct} {text}"]
    # And the stream is followed again.
    mastodon.mention(ole, bot, "wieder live")
    await thread_with(api, agent, "wieder live")


async def test_a_refused_token_is_told_when_connecting_and_stops_the_channel(
        network_desk: NetworkDesk, mastodon: FakeMastodon) -> None:
    api = network_desk.api
    bot = mastodon.bot()
    response = api.http.post("/admin/channels/mastodon", headers=api.admin, data={
        "name": "Mastodon revoked", "account_id": bot.id, "instance_url": mastodon.base_url,
        "access_token": "revoked-token"})
    assert response.status_code == 201, response.text
    assert "refused the access token (401)" in html.unescape(response.text)
    channel = int(re.search(r'data-connected-channel="(\d+)"', response.text).group(1))  # type: ignore[union-attr]
    row = await eventually(lambda: (r := watch_row(api, channel)) and
                           'data-watch-state="stopped"' in r and r, timeout=STARTUP,
                           what="the channel to stop")
    assert "Reconnect the channel" in row


def test_connecting_checks_the_instance_url(network_desk: NetworkDesk) -> None:
    api = network_desk.api
    refused = api.http.post("/admin/channels/mastodon", headers=api.admin, data={
        "name": "Mastodon plain", "account_id": "1", "instance_url": "http://mastodon.social",
        "access_token": "t"})
    assert refused.status_code == 400
    assert "https://" in html.unescape(refused.text)


async def test_rate_limits_are_shown_and_waited_out(
        network_desk: NetworkDesk, own_instance: FakeMastodon) -> None:
    desk, api, fake = network_desk, network_desk.api, own_instance
    bot, kai = fake.bot(), fake.person("Kai")
    channel = await connect_streaming(api, fake, bot)
    agent = api.person()
    fake.mention(kai, bot, "Bitte um Rückruf", visibility="direct")
    card = await thread_with(api, agent, "Bitte um Rückruf")

    # Posting is used up: the reply waits, and its message says why.
    fake.exhaust("statuses", reset_in=600)
    await reply(desk, agent, card["id"], "Wir rufen an.")
    message_id = newest_message(api, agent, card["id"])
    waiting = await eventually(lambda: (d := delivery(api, agent, card["id"], message_id))
                               .get("error") and d, what="the delivery error")
    assert waiting["status"] == "queued" and "rate limit" in waiting["error"]
    assert waiting["next_attempt_at"]
    assert fake.posted == []

    # Reading is used up: after the stream drops the watcher waits for the reset.
    fake.exhaust("api", reset_in=600)
    fake.drop_streams()
    row = await eventually(lambda: (r := watch_row(api, channel)) and
                           'data-watch-state="retrying"' in r and r, timeout=STARTUP,
                           what="the watcher to wait")
    assert "rate limit" in row
    asked = len(fake.requests)
    await asyncio.sleep(2.5)  # longer than a tick of the watch service
    assert len(fake.requests) == asked


async def test_a_stopped_channel_reads_again_when_an_admin_asks(
        network_desk: NetworkDesk, mastodon: FakeMastodon) -> None:
    api = network_desk.api
    bot, uwe = mastodon.bot(), mastodon.person("Uwe Sand")
    channel = await connect_streaming(api, mastodon, bot)
    token, bot.token = bot.token, "revoked at the instance"
    mastodon.drop_streams()
    row = await eventually(lambda: (r := watch_row(api, channel)) and
                           'data-watch-state="stopped"' in r and r, timeout=STARTUP,
                           what="the channel to stop")
    assert "Read again now" in row
    mastodon.mention(uwe, bot, "geschrieben, als der Kanal stand")
    agent = api.person()
    refused = api.http.post(f"/admin/channels/{channel}/restart", headers=agent.headers)
    assert refused.status_code == 403

    bot.token = token  # the instance's admin fixed it
    restarted = api.http.post(f"/admin/channels/{channel}/restart", headers=api.admin)

    assert restarted.status_code == 200, restarted.text
    await thread_with(api, agent, "geschrieben, als der Kanal stand")
    await eventually(lambda: 'data-watch-state="running"' in watch_row(api, channel),
                     timeout=STARTUP, what="the channel to read again")
