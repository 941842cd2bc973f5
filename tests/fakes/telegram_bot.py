"""A fake Telegram Bot API and the updates it pushes to a bot's webhook.

It implements what the desk uses, as documented: POST /bot<token>/getMe, setWebhook (url,
secret_token of 1-256 characters A-Z a-z 0-9 _ -, allowed_updates) and sendMessage
(chat_id, text, reply_parameters {message_id, chat_id, allow_sending_without_reply}),
JSON or form encoded, with the documented answers: {"ok": true, "result": ...}, or
{"ok": false, "error_code", "description", "parameters": {"retry_after"}}. Like Telegram it
refuses a private message to a person who never started the bot or who blocked it, a reply
to a deleted message, and throttles with 429 when told to. Updates are POSTed to the
webhook with the X-Telegram-Bot-Api-Secret-Token header, one Update per request, the same
update_id again when Telegram retries one the webhook did not acknowledge.
Unlike Telegram, it accepts an http:// webhook URL (the test desk has no TLS).
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.running import FakeNetwork

# Bot and user ids; a run's ids differ from the last run's, as a desk's database may outlive it.
_ids = itertools.count(7_000_000_000 + int(time.time()) % 1_000_000 * 1000)
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


@dataclass
class Bot:
    id: int
    username: str
    token: str
    webhook_url: str | None = None
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    updates: itertools.count = field(default_factory=lambda: itertools.count(500_000_001))

    def json(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.username.removesuffix("_bot"),
                "username": self.username}


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None
    username: str | None
    started: set[int] = field(default_factory=set)  # bots this person started
    blocked: set[int] = field(default_factory=set)  # bots this person blocked

    def json(self) -> dict[str, Any]:
        made: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            made["last_name"] = self.last_name
        if self.username:
            made["username"] = self.username
        return made


@dataclass
class Chat:
    id: int
    type: str  # private | group | supergroup
    title: str | None = None
    person: User | None = None  # of a private chat
    bots: set[int] = field(default_factory=set)  # bots that are members of a group
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def json(self) -> dict[str, Any]:
        if self.person is not None:
            person = {k: v for k, v in self.person.json().items() if k != "is_bot"}
            return {**person, "type": "private"}
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class Message:
    chat: Chat
    message_id: int
    sender: User | Bot
    text: str
    date: int
    reply_to: Message | None = None
    deleted: bool = False

    @property
    def key(self) -> str:
        """The desk's external id of this message."""
        return f"{self.chat.id}:{self.message_id}"

    def json(self, nested: bool = False) -> dict[str, Any]:
        made: dict[str, Any] = {"message_id": self.message_id, "from": self.sender.json(),
                                "chat": self.chat.json(), "date": self.date, "text": self.text}
        # Telegram does not nest: a replied-to message carries no reply_to_message itself.
        if self.reply_to is not None and not nested:
            made["reply_to_message"] = self.reply_to.json(nested=True)
        return made


@dataclass
class Call:
    bot: Bot | None
    method: str
    body: dict[str, Any]


def refused(code: int, description: str, **parameters: Any) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


def ok(result: Any) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


class FakeTelegram(FakeNetwork):
    def __init__(self) -> None:
        self.bots: dict[str, Bot] = {}
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], Message] = {}
        self.calls: list[Call] = []
        self.sent: list[Message] = []  # what bots posted
        self._floods: dict[int, list[int]] = {}  # chat id -> retry_after of the next answers
        super().__init__(Starlette(routes=[
            Route("/bot{token}/{method}", self._method, methods=["GET", "POST"]),
        ]))

    @property
    def url(self) -> str:
        return self.address

    # -- the network's side ------------------------------------------------------------

    def bot(self) -> Bot:
        bot_id = next(_ids)
        made = Bot(bot_id, f"shop{secrets.token_hex(3)}_bot",
                   f"{bot_id}:AA{secrets.token_urlsafe(32)}")
        self.bots[made.token] = made
        return made

    def user(self, name: str) -> User:
        first, _, last = name.partition(" ")
        made = User(next(_ids), first, last or None, name.lower().replace(" ", "_")[:32])
        self.users[made.id] = made
        return made

    def group(self, title: str, *members: Bot) -> Chat:
        made = Chat(-1_000_000_000_000 - next(_ids), "supergroup", title,
                    bots={b.id for b in members})
        self.chats[made.id] = made
        return made

    def private_chat(self, person: User) -> Chat:
        return self.chats.setdefault(person.id, Chat(person.id, "private", person=person))

    def start_bot(self, person: User, bot: Bot) -> Chat:
        """The person opens a chat with the bot (and presses Start)."""
        person.started.add(bot.id)
        person.blocked.discard(bot.id)
        return self.private_chat(person)

    def block(self, person: User, bot: Bot) -> None:
        person.blocked.add(bot.id)

    def write(self, chat: Chat, sender: User | Bot, text: str, reply_to: Message | None = None
              ) -> Message:
        made = Message(chat, next(chat.counter), sender, text, int(time.time()), reply_to)
        self.messages[(chat.id, made.message_id)] = made
        return made

    def delete(self, message: Message) -> None:
        message.deleted = True

    def update(self, bot: Bot, message: Message, kind: str = "message") -> dict[str, Any]:
        """The Update for `message` (kind: message, edited_message, channel_post)."""
        return {"update_id": next(bot.updates), kind: message.json()}

    def deliver(self, bot: Bot, update: dict[str, Any], secret_token: str | None = None
                ) -> httpx.Response:
        """POST one update to the bot's webhook, as Telegram does (or with another secret
        token; "" sends none)."""
        assert bot.webhook_url, "setWebhook was not called for this bot"
        headers = {"Content-Type": "application/json"}
        token = bot.secret_token if secret_token is None else secret_token
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        return httpx.post(bot.webhook_url, content=json.dumps(update).encode(), headers=headers,
                          timeout=30)

    def flood(self, chat: Chat, *retry_after: int) -> None:
        """Answer the next sendMessage calls to `chat` with 429 and these retry_after."""
        self._floods.setdefault(chat.id, []).extend(retry_after)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def sent_to(self, chat: Chat) -> list[Message]:
        return [m for m in self.sent if m.chat is chat]

    # -- the API -------------------------------------------------------------------------

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").startswith("application/json"):
            try:
                body = json.loads(await request.body() or b"{}")
            except ValueError:
                return {}
            return body if isinstance(body, dict) else {}
        form = await request.form()
        body = {k: v for k, v in form.items() if isinstance(v, str)}
        for name in ("reply_parameters", "allowed_updates"):
            if name in body:
                try:
                    body[name] = json.loads(body[name])
                except ValueError:
                    body[name] = None
        return body

    async def _method(self, request: Request) -> JSONResponse:
        body = {**dict(request.query_params), **await self._body(request)}
        bot = self.bots.get(request.path_params["token"])
        method = request.path_params["method"]
        self.calls.append(Call(bot, method, body))
        if bot is None:
            return refused(401, "Unauthorized")
        if method == "getMe":
            return ok(bot.json())
        if method == "setWebhook":
            return self._set_webhook(bot, body)
        if method == "sendMessage":
            return self._send_message(bot, body)
        return refused(404, "Not Found")

    @staticmethod
    def _set_webhook(bot: Bot, body: dict[str, Any]) -> JSONResponse:
        url, token = body.get("url"), body.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return refused(400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                                "for webhook")
        if token is not None and not (isinstance(token, str) and SECRET_TOKEN.match(token)):
            return refused(400, "Bad Request: secret token contains unallowed characters")
        updates = body.get("allowed_updates")
        bot.webhook_url, bot.secret_token = url, token or None
        bot.allowed_updates = updates if isinstance(updates, list) else None
        return JSONResponse({"ok": True, "result": True, "description": "Webhook was set"})

    def _send_message(self, bot: Bot, body: dict[str, Any]) -> JSONResponse:
        try:
            chat_id = int(body.get("chat_id", ""))
        except (TypeError, ValueError):
            chat_id = 0
        chat = self.chats.get(chat_id)
        if chat is None and chat_id in self.users:
            # A person the bot met in a group: their private chat exists, not yet started.
            chat = self.private_chat(self.users[chat_id])
        if chat is None:
            return refused(400, "Bad Request: chat not found")
        if waits := self._floods.get(chat.id):
            wait = waits.pop(0)
            return refused(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        if chat.person is not None:
            if bot.id in chat.person.blocked:
                return refused(403, "Forbidden: bot was blocked by the user")
            if bot.id not in chat.person.started:
                return refused(403, "Forbidden: bot can't initiate conversation with a user")
        elif bot.id not in chat.bots:
            return refused(403, "Forbidden: bot is not a member of the supergroup chat")
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            return refused(400, "Bad Request: message text is empty")
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return refused(400, "Bad Request: message is too long")
        replied = None
        parameters = body.get("reply_parameters")
        if isinstance(parameters, dict):
            other = parameters.get("chat_id")
            where = self.chats.get(int(other)) if other is not None else chat
            found = self.messages.get((where.id, int(parameters.get("message_id", 0)))) \
                if where else None
            replied = found if found and not found.deleted else None
            # Across chats a missing message is always an error, as documented.
            lenient = parameters.get("allow_sending_without_reply") and other is None
            if replied is None and not lenient:
                return refused(400, "Bad Request: message to be replied not found")
        made = self.write(chat, bot, text, replied)
        self.sent.append(made)
        return ok(made.json())
