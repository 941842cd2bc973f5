"""Telegram: the secret token header, Update payloads, connecting a bot, replies in groups and
private chats, retries that post once, and Telegram's refusals shown on the message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from channels.base import (
    ChannelAccount,
    InboundItem,
    PermanentError,
    TemporaryError,
    ThreadRef,
    WebhookRejected,
)
from channels.errors import InvalidSetting
from channels.http import pack_secrets
from channels.telegram import TelegramAdapter, bot_error
from channels.telegram_payload import check_secret_token
from tests.fakes.desk import (
    OwnDesk,
    connect,
    delivery_shown,
    send_replies_straight_out,
    send_reply,
    start_desk,
)
from tests.fakes.telegram_bot import Bot, Chat, FakeTelegram, Message, User
from tests.replies.desk import reply_state
from tests.support.desk_api import DeskApi, Person
from tests.support.live import LiveBoard

SECRET = "s3cr3t-T0ken_for-the-webhook"
HEADER = "x-telegram-bot-api-secret-token"


# -- the secret token ----------------------------------------------------------------------


def test_the_secret_token_header_must_match() -> None:
    check_secret_token({HEADER: SECRET}, SECRET)
    for headers in ({}, {HEADER: ""}, {HEADER: SECRET + "x"}, {HEADER: SECRET.upper()}):
        with pytest.raises(WebhookRejected) as refused:
            check_secret_token(headers, SECRET)
        assert refused.value.status == 401
    with pytest.raises(WebhookRejected):  # a channel without a secret token takes nothing
        check_secret_token({HEADER: ""}, "")


# -- payloads ------------------------------------------------------------------------------


def parse(bot: Bot, update: dict[str, Any] | bytes) -> list[InboundItem]:
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    secrets = pack_secrets({"access_token": bot.token, "verify_token": SECRET,
                            "account_id": str(bot.id)})
    return TelegramAdapter().parse_webhook({HEADER: SECRET}, body, secrets, 0)


def test_private_chats_are_private_and_group_messages_public() -> None:
    fake = FakeTelegram()
    bot = fake.bot()
    ines, jan = fake.user("Ines Vogel"), fake.user("Jan")
    chat = fake.start_bot(ines, bot)
    assert parse(bot, fake.update(bot, fake.write(chat, ines, "/start"))) == []
    [private] = parse(bot, fake.update(bot, fake.write(chat, ines, "Mein Paket fehlt")))
    assert (private.visibility, private.key(), private.author_id) == (
        "private", f"dm:{ines.id}", str(ines.id))
    assert (private.author_name, private.author_handle) == ("Ines Vogel", "ines_vogel")
    assert private.external_id == f"{ines.id}:2" and private.created_at is not None

    group = fake.group("Shop Community", bot)
    question = fake.write(group, ines, f"@{bot.username} wo bleibt meine Lieferung?")
    [public] = parse(bot, fake.update(bot, question))
    assert (public.visibility, public.external_id, public.key()) == (
        "public", question.key, question.key)
    answer = fake.write(group, jan, "Meine fehlt auch", reply_to=question)
    [joined] = parse(bot, fake.update(bot, answer))
    assert (joined.key(), joined.reply_to, joined.author_name) == (
        question.key, question.key, "Jan")


def test_what_the_desk_does_not_read() -> None:
    fake = FakeTelegram()
    bot = fake.bot()
    ines = fake.user("Ines")
    group = fake.group("Shop Community", bot)
    said = fake.write(group, ines, "Hallo")
    assert parse(bot, fake.update(bot, said, "edited_message")) == []
    assert parse(bot, fake.update(bot, said, "channel_post")) == []
    ours = fake.write(group, bot, "Wir sind da")
    assert parse(bot, fake.update(bot, ours)) == []
    joined = fake.update(bot, said)
    del joined["message"]["text"]
    joined["message"]["new_chat_members"] = [ines.json()]
    assert parse(bot, joined) == []  # a service message
    photo = fake.update(bot, said)
    del photo["message"]["text"]
    photo["message"]["photo"] = [{"file_id": "AgAD", "width": 90, "height": 90}]
    assert [i.text for i in parse(bot, photo)] == ["[photo]"]
    photo["message"]["caption"] = "So sah das Paket aus"
    assert [i.text for i in parse(bot, photo)] == ["So sah das Paket aus"]
    for garbage in (b"{not json", b"[]", json.dumps({"message": said.json()}).encode()):
        with pytest.raises(WebhookRejected) as refused:
            parse(bot, garbage)
        assert refused.value.status == 400


def test_a_message_in_a_forum_topic_opens_its_own_thread() -> None:
    fake = FakeTelegram()
    bot = fake.bot()
    group = fake.group("Support forum", bot)
    update = fake.update(bot, fake.write(group, fake.user("Kim"), "Neue Frage im Thema"))
    update["message"]["message_thread_id"] = 7
    update["message"]["reply_to_message"] = {
        "message_id": 7, "chat": group.json(), "date": 0,
        "forum_topic_created": {"name": "Lieferungen", "icon_color": 7322096},
    }
    [item] = parse(bot, update)
    assert item.key() == item.external_id and item.reply_to is None


# -- errors and connecting -----------------------------------------------------------------


def answer(code: int, description: str, **parameters: Any) -> httpx.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return httpx.Response(code, json=body)


def test_the_bot_apis_errors_are_mapped_to_clear_messages() -> None:
    flood = bot_error(answer(429, "Too Many Requests: retry after 17", retry_after=17))
    assert isinstance(flood, TemporaryError) and flood.retry_after == 17
    assert "17 seconds" in flood.message
    assert isinstance(bot_error(answer(502, "Bad Gateway")), TemporaryError)
    for description, words in (
        ("Forbidden: bot was blocked by the user", "blocked the bot"),
        ("Forbidden: bot can't initiate conversation with a user", "started a chat"),
        ("Bad Request: message to be replied not found", "was deleted"),
        ("Forbidden: bot was kicked from the supergroup chat", "removed from this group"),
        ("Bad Request: chat not found", "does not know this chat"),
    ):
        code = 403 if description.startswith("Forbidden") else 400
        error = bot_error(answer(code, description))
        assert isinstance(error, PermanentError) and words in error.message, description
    revoked = bot_error(answer(401, "Unauthorized"))
    assert isinstance(revoked, PermanentError) and "@BotFather" in revoked.message
    moved = bot_error(answer(400, "Bad Request: group chat was upgraded to a supergroup chat",
                             migrate_to_chat_id=-1001234567890))
    assert isinstance(moved, PermanentError) and "supergroup" in moved.message
    other = bot_error(answer(400, "Bad Request: can't parse entities"))
    assert isinstance(other, PermanentError) and "can't parse entities" in other.message


def test_the_fields_an_admin_types_are_checked() -> None:
    adapter = TelegramAdapter()
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
    adapter.check_fields({"access_token": token, "account_id": "123456789",
                          "verify_token": SECRET})
    for values in ({"access_token": "not a token"},
                   {"access_token": token, "account_id": "987654321"},
                   {"access_token": token, "verify_token": "no spaces allowed"}):
        with pytest.raises(InvalidSetting):
            adapter.check_fields(values)


@pytest.fixture(scope="module")
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


def account(bot: Bot, secret: str = SECRET, bot_id: str | None = None) -> ChannelAccount:
    return ChannelAccount(1, "telegram", "Shop bot", bot_id or str(bot.id), {},
                          pack_secrets({"access_token": bot.token, "verify_token": secret}))


async def test_the_connected_hook_sets_the_webhook(telegram: FakeTelegram) -> None:
    bot = telegram.bot()
    adapter = TelegramAdapter(telegram.url)
    await adapter.connected(account(bot), "https://desk.example.com/webhooks/telegram/4")
    assert (bot.webhook_url, bot.secret_token, bot.allowed_updates) == (
        "https://desk.example.com/webhooks/telegram/4", SECRET, ["message"])
    with pytest.raises(PermanentError, match="another bot"):
        await adapter.connected(account(bot, bot_id="42"), "https://desk.example.com/x")
    revoked = ChannelAccount(1, "telegram", "x", str(bot.id), {},
                             pack_secrets({"access_token": f"{bot.id}:AAnotthetoken",
                                           "verify_token": SECRET}))
    with pytest.raises(PermanentError, match="bot token"):
        await adapter.connected(revoked, "https://desk.example.com/x")
    with pytest.raises(PermanentError, match="secret token"):
        await adapter.connected(account(bot, secret=""), "https://desk.example.com/x")


async def test_a_retried_idempotency_key_posts_once(telegram: FakeTelegram) -> None:
    bot = telegram.bot()
    group = telegram.group("Retry group", bot)
    question = telegram.write(group, telegram.user("Lea"), "Frage")
    adapter = TelegramAdapter(telegram.url)
    ref = ThreadRef(question.key, question.key, None, "public")
    telegram.flood(group, 3)
    with pytest.raises(TemporaryError) as throttled:
        await adapter.send_public_reply(account(bot), ref, "Antwort", "key-1")
    assert throttled.value.retry_after == 3
    first = await adapter.send_public_reply(account(bot), ref, "Antwort", "key-1")
    again = await adapter.send_public_reply(account(bot), ref, "Antwort", "key-1")
    assert first.external_id == again.external_id
    [posted] = telegram.sent_to(group)
    assert posted.key == first.external_id and posted.reply_to is question
    calls = [c for c in telegram.calls_of("sendMessage") if c.bot is bot]
    assert len(calls) == 2  # the refused one and the one that posted
    with pytest.raises(PermanentError, match="4096"):
        await adapter.send_public_reply(account(bot), ref, "x" * 4097, "key-2")


# -- on a real desk ------------------------------------------------------------------------


@dataclass
class TelegramDesk(OwnDesk):
    fake: FakeTelegram
    agent: Person

    def channel(self, bot: Bot) -> int:
        """Connect the bot as an admin does: the desk then calls getMe and setWebhook."""
        return connect(self.api, "telegram", name=f"Telegram {bot.username}",
                       account_id=str(bot.id), access_token=bot.token, verify_token="")

    def thread(self, text: str) -> dict[str, Any]:
        return until_found(self.api, self.agent, text)

    def messages(self, thread_id: int) -> list[dict[str, Any]]:
        shown = self.api.call(self.agent, "GET", f"/api/threads/{thread_id}")
        assert shown.status_code == 200, shown.text
        return shown.json()["messages"]


def until_found(api: DeskApi, person: Person, text: str) -> dict[str, Any]:
    found = api.threads(person, q=text, status="all")["threads"]
    assert found, f"no thread with {text!r}"
    return found[0]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, telegram: FakeTelegram
         ) -> Iterator[TelegramDesk]:
    backend, server, api = start_desk(tmp_path_factory.mktemp("telegram-desk"),
                                      {"TANDEM_TELEGRAM_API_URL": telegram.url})
    send_replies_straight_out(api)
    made = TelegramDesk(backend, server, api, telegram, api.person())
    yield made
    made.stop()


def test_connecting_a_bot_sets_its_webhook(desk: TelegramDesk) -> None:
    bot = desk.fake.bot()
    channel = desk.channel(bot)
    assert bot.webhook_url == f"{desk.server.url}/webhooks/telegram/{channel}"
    assert bot.secret_token and bot.allowed_updates == ["message"]
    assert [c.method for c in desk.fake.calls if c.bot is bot] == ["getMe", "setWebhook"]
    assert desk.api.http.get(f"/webhooks/telegram/{channel}").status_code == 405  # no handshake
    wrong = desk.api.http.post("/admin/channels/telegram", headers=desk.api.admin, data={
        "name": "Wrong id", "account_id": "42", "access_token": bot.token, "verify_token": ""})
    assert wrong.status_code == 400 and "number before the colon" in wrong.text
    # A token Telegram does not know: the channel is stored, the admin is told why the
    # webhook is not set.
    revoked = desk.api.http.post("/admin/channels/telegram", headers=desk.api.admin, data={
        "name": "Revoked", "account_id": str(bot.id), "access_token": f"{bot.id}:AA{'x' * 30}",
        "verify_token": ""})
    assert revoked.status_code == 201 and "@BotFather" in revoked.text


async def test_a_group_message_reaches_the_board_once_however_often_it_comes(
    desk: TelegramDesk,
) -> None:
    bot = desk.fake.bot()
    channel = desk.channel(bot)
    group = desk.fake.group("Shop Community", bot)
    mara = desk.fake.user("Mara Ost")
    board = LiveBoard(desk.server.url, desk.agent.token)
    assert (await board.connect(since=desk.api.threads(desk.agent)["seq"]))["ok"]
    update = desk.fake.update(bot, desk.fake.write(group, mara, "Gutschein geht nicht"))
    # Telegram sends an update again until the webhook answers 200: same update_id.
    answers = [desk.fake.deliver(bot, update) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["stored"] for a in answers] == [1, 0, 0]
    opened = await board.wait_for(lambda b: [e for e in b.of_type("thread.opened")
                                             if e["payload"]["card"]["channel_id"] == channel],
                                  what="the thread, live")
    await board.disconnect()
    card = opened[0]["payload"]["card"]
    assert (card["network"], card["visibility"]) == ("telegram", "public")
    assert [m["text"] for m in desk.messages(card["id"])] == ["Gutschein geht nicht"]

    forged = desk.fake.update(bot, desk.fake.write(group, mara, "nie gespeichert"))
    wrong = desk.fake.deliver(bot, forged, secret_token="guessed")
    missing = desk.fake.deliver(bot, forged, secret_token="")
    assert (wrong.status_code, missing.status_code) == (401, 401)
    assert desk.api.threads(desk.agent, q="nie gespeichert", status="all")["threads"] == []


async def reply(desk: TelegramDesk, thread_id: int, text: str) -> int:
    return await send_reply(desk, desk.agent, thread_id, text)


async def shown(desk: TelegramDesk, thread_id: int, message_id: int, status: str
                ) -> dict[str, Any]:
    """The delivery as the thread's reply panel shows it, once it reached `status`."""
    return await delivery_shown(desk, desk.agent, thread_id, message_id,
                                lambda found: found.get("status") == status,
                                f"the delivery {status}")


@dataclass
class Conversation:
    bot: Bot
    group: Chat
    customer: User
    question: Message
    thread_id: int


def ask(desk: TelegramDesk, text: str, *, started: bool = True) -> Conversation:
    bot = desk.fake.bot()
    desk.channel(bot)
    group = desk.fake.group("Shop Community", bot)
    customer = desk.fake.user("Nora Winter")
    if started:
        desk.fake.start_bot(customer, bot)
    question = desk.fake.write(group, customer, text)
    assert desk.fake.deliver(bot, desk.fake.update(bot, question)).json()["stored"] == 1
    return Conversation(bot, group, customer, question, desk.thread(text)["id"])


async def test_a_public_reply_quotes_the_message_it_answers(desk: TelegramDesk) -> None:
    talk = ask(desk, "Wann öffnet der Laden?")
    follow_up = desk.fake.write(talk.group, desk.fake.user("Ole"), "Ich will das auch wissen",
                                reply_to=talk.question)
    assert desk.fake.deliver(talk.bot, desk.fake.update(talk.bot, follow_up)).is_success
    assert [m["text"] for m in desk.messages(talk.thread_id)] == [
        "Wann öffnet der Laden?", "Ich will das auch wissen"]
    message_id = await reply(desk, talk.thread_id, "Ab 9 Uhr")
    done = await shown(desk, talk.thread_id, message_id, "sent")
    [posted] = desk.fake.sent_to(talk.group)
    assert (posted.text, posted.reply_to) == ("Ab 9 Uhr", follow_up)
    assert done["external_id"] == posted.key
    [call] = [c for c in desk.fake.calls_of("sendMessage") if c.bot is talk.bot]
    assert call.body["reply_parameters"] == {"message_id": follow_up.message_id}
    # Telegram names only the message answered: an answer to the desk's reply (which no
    # thread key names) still joins the conversation.
    thanks = desk.fake.write(talk.group, talk.customer, "Danke, dann komme ich um 9",
                             reply_to=posted)
    assert desk.fake.deliver(talk.bot, desk.fake.update(talk.bot, thanks)).is_success
    assert [m["text"] for m in desk.messages(talk.thread_id)][-1] == "Danke, dann komme ich um 9"


async def test_a_private_chat_is_answered_privately(desk: TelegramDesk) -> None:
    bot = desk.fake.bot()
    desk.channel(bot)
    ines = desk.fake.user("Ines Vogel")
    chat = desk.fake.start_bot(ines, bot)
    for text in ("/start", "Meine Kundennummer ist 4711"):
        assert desk.fake.deliver(bot, desk.fake.update(bot, desk.fake.write(chat, ines, text))
                                 ).is_success
    card = desk.thread("Meine Kundennummer ist 4711")
    assert card["visibility"] == "private"
    assert [m["text"] for m in desk.messages(card["id"])] == ["Meine Kundennummer ist 4711"]
    message_id = await reply(desk, card["id"], "Danke, wir schauen nach")
    await shown(desk, card["id"], message_id, "sent")
    [posted] = desk.fake.sent_to(chat)
    assert posted.text == "Danke, wir schauen nach" and posted.reply_to is not None


async def test_taking_a_group_message_private(desk: TelegramDesk) -> None:
    talk = ask(desk, "Meine Adresse hat sich geändert")
    taken = desk.api.call(desk.agent, "POST", f"/api/threads/{talk.thread_id}/take-private",
                          json={"text": "Schreiben Sie uns die neue Adresse hier"})
    assert taken.status_code == 200, taken.text
    private = taken.json()
    await shown(desk, private["private_thread_id"], private["message_id"], "sent")
    [posted] = desk.fake.sent_to(desk.fake.private_chat(talk.customer))
    assert posted.text == "Schreiben Sie uns die neue Adresse hier"

    stranger = ask(desk, "Ich habe den Bot nie gestartet", started=False)
    taken = desk.api.call(desk.agent, "POST", f"/api/threads/{stranger.thread_id}/take-private",
                          json={"text": "Bitte schreiben Sie uns privat"})
    refused = await shown(desk, taken.json()["private_thread_id"], taken.json()["message_id"],
                          "failed")
    assert "started a chat with it" in refused["error"]


async def test_a_flood_limit_is_waited_out_and_the_reply_posted_once(desk: TelegramDesk) -> None:
    talk = ask(desk, "Ist die Aktion noch gültig?")
    desk.fake.flood(talk.group, 1)
    board = LiveBoard(desk.server.url, desk.agent.token)
    assert (await board.connect(since=desk.api.threads(desk.agent)["seq"]))["ok"]
    message_id = await reply(desk, talk.thread_id, "Ja, bis Sonntag")
    await shown(desk, talk.thread_id, message_id, "sent")
    retried = await board.wait_for(lambda b: [
        e for e in b.of_type("message.delivery")
        if e["payload"]["message_id"] == message_id and e["payload"]["error"]])
    await board.disconnect()
    assert "flood limit" in retried[0]["payload"]["error"]
    assert [m.text for m in desk.fake.sent_to(talk.group)] == ["Ja, bis Sonntag"]
    assert len([c for c in desk.fake.calls_of("sendMessage") if c.bot is talk.bot]) == 2


async def test_a_blocked_bot_and_a_deleted_message_are_shown_on_the_message(
    desk: TelegramDesk,
) -> None:
    bot = desk.fake.bot()
    desk.channel(bot)
    ines = desk.fake.user("Ines Block")
    chat = desk.fake.start_bot(ines, bot)
    desk.fake.deliver(bot, desk.fake.update(bot, desk.fake.write(chat, ines, "Kündigung bitte")))
    card = desk.thread("Kündigung bitte")
    desk.fake.block(ines, bot)
    message_id = await reply(desk, card["id"], "Schade, dass Sie gehen")
    blocked = await shown(desk, card["id"], message_id, "failed")
    assert "blocked the bot" in blocked["error"]

    talk = ask(desk, "Falsch gepostet, sorry")
    desk.fake.delete(talk.question)
    message_id = await reply(desk, talk.thread_id, "Kein Problem")
    deleted = await shown(desk, talk.thread_id, message_id, "failed")
    assert "was deleted on Telegram" in deleted["error"]
    assert desk.fake.sent_to(talk.group) == []
    # The reply panel is where people see it.
    panel = reply_state(desk.api, desk.agent, talk.thread_id)
    assert any("was deleted on Telegram" in (d["error"] or "") for d in panel["deliveries"])


def test_the_fake_bot_api_speaks_the_documented_answers(telegram: FakeTelegram) -> None:
    bot = telegram.bot()
    base = f"{telegram.url}/bot{bot.token}"
    me = httpx.post(f"{base}/getMe").json()
    assert me == {"ok": True, "result": bot.json()}
    assert httpx.post(f"{telegram.url}/bot1:nope/getMe").json() == {
        "ok": False, "error_code": 401, "description": "Unauthorized"}
    bad = httpx.post(f"{base}/setWebhook", data={"url": "https://x.example", "secret_token": "ä"})
    assert bad.status_code == 400 and "unallowed characters" in bad.json()["description"]
