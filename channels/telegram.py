"""Telegram: a bot in private chats (private) and in groups (public), through the Bot API.

Connecting stores the bot token and a webhook secret token; `connected` checks the token
with getMe and calls setWebhook with the channel's URL, the secret token and the one update
type the desk reads. Replies are POST /bot<token>/sendMessage with reply_parameters, so a
group sees which message is answered. Errors come as {"ok": false, "error_code",
"description", "parameters": {"retry_after"}}.

A bot may write to a person privately only once that person started a chat with it
(Telegram answers 403 "bot can't initiate conversation with a user" otherwise), so taking a
group message private works for people who talk to the bot, and says why it cannot for
the others.

Telegram takes no idempotency key: see `TelegramAdapter.send` for how a retried send is
kept from posting twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import httpx

from channels import telegram_payload
from channels.base import (
    N_,
    Capabilities,
    ChannelAccount,
    ConnectField,
    Handshake,
    InboundItem,
    PermanentError,
    SendError,
    SendResult,
    TemporaryError,
    ThreadRef,
    WebhookRejected,
)
from channels.errors import InvalidSetting
from channels.http import NetworkApi, answer_json, client, unpack_secrets

log = logging.getLogger("tandem.channels.telegram")
DEFAULT_URL = "https://api.telegram.org"
DEFAULT_BACKOFF = 30.0
MAX_TEXT = 4096  # UTF-16 code units, after entity parsing (the desk sends plain text)
TOKEN = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{20,}$")
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
ALLOWED_UPDATES = ["message"]

# What Telegram's descriptions mean for the people at the desk; all of these are final.
REFUSALS: tuple[tuple[str, str], ...] = (
    ("bot was blocked by the user",
     "This person blocked the bot on Telegram: nothing reaches them until they unblock it."),
    ("bot can't initiate conversation",
     "Telegram lets a bot write privately only to people who started a chat with it. Ask "
     "them to open a chat with the bot first, or answer in the group."),
    ("user is deactivated", "This Telegram account was deleted."),
    ("bot was kicked", "The bot was removed from this group: add it again to answer here."),
    ("bot is not a member", "The bot is not a member of this group: add it again to answer "
                            "here."),
    ("message to be replied not found",
     "The message being answered was deleted on Telegram, so the reply was not sent. "
     "Answer the customer's newer message, or write to them privately."),
    ("chat not found", "Telegram does not know this chat (it was deleted, or the bot never "
                       "was in it)."),
    ("not enough rights", "The bot may not write in this group: a group admin must allow "
                          "it to send messages."),
    ("message is too long", "The reply is longer than the 4096 characters Telegram allows."),
)


def bot_id_of(token: str) -> str | None:
    """A bot token starts with the bot's numeric id: "<bot id>:<secret>"."""
    found = TOKEN.match(token)
    return found.group(1) if found else None


def bot_error(response: httpx.Response) -> SendError:
    """Map a Bot API error answer to a temporary or permanent error with a clear message."""
    answer = answer_json(response)
    code = answer.get("error_code") if isinstance(answer.get("error_code"), int) else None
    code = code or response.status_code
    description = str(answer.get("description") or response.text[:200])
    parameters = answer.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    if code == 429:
        wait = parameters.get("retry_after")
        seconds = float(wait) if isinstance(wait, int | float) and wait > 0 else DEFAULT_BACKOFF
        return TemporaryError(f"Telegram's flood limit was reached; the desk tries again in "
                              f"{int(seconds)} seconds.", seconds)
    if code >= 500:
        return TemporaryError(f"Telegram had a temporary problem ({code}): {description}")
    if code == 401 or code == 404:
        # A token that is not even shaped like one gets 404 Not Found instead of 401.
        return PermanentError("Telegram refused the bot token: it was revoked or is wrong. "
                              "Reconnect the channel with the token from @BotFather.")
    if isinstance(parameters.get("migrate_to_chat_id"), int):
        return PermanentError("This group became a supergroup on Telegram; answer the "
                              "customer's next message there.")
    lowered = description.lower()
    for words, meaning in REFUSALS:
        if words in lowered:
            return PermanentError(meaning)
    return PermanentError(f"Telegram refused ({code}): {description}")


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class TelegramAdapter(NetworkApi):
    default_url = DEFAULT_URL
    network = "telegram"
    label = "Telegram"
    account_label = N_("Bot id")
    webhook_path = "telegram"
    # The field names are the desk's shared secret names: the bot token is the channel's
    # access token, the webhook's secret token plays the part of a verify token.
    connect_fields = (
        ConnectField("access_token", N_("Bot token")),
        ConnectField("verify_token", N_("Webhook secret token"), generated=True),
    )
    capabilities = Capabilities(
        public_reply=True, private_reply_to_public=True, direct_messages=True,
    )

    # -- connecting ----------------------------------------------------------------------

    def check_fields(self, values: dict[str, str]) -> None:
        bot_id = bot_id_of(values.get("access_token", ""))
        if bot_id is None:
            raise InvalidSetting(
                "access_token",
                "A Telegram bot token looks like 123456789:AAH… (ask @BotFather).")
        account_id = values.get("account_id")
        if account_id and account_id != bot_id:
            raise InvalidSetting(
                "account_id",
                "The bot id is the number before the colon of the bot token: "
                "%(id)s.", id=bot_id)
        secret = values.get("verify_token")
        if secret and not SECRET_TOKEN.match(secret):
            raise InvalidSetting(
                "verify_token",
                "The webhook secret token may have up to 256 letters, digits, "
                "_ and -.")

    async def connected(self, account: ChannelAccount, webhook_url: str) -> None:
        """Check the token (getMe), then point the bot's webhook at the desk."""
        secrets = unpack_secrets(account.secret)
        if not secrets.get("verify_token"):
            raise PermanentError("The channel has no webhook secret token; reconnect it.")
        me = await self._call(account, "getMe", {})
        expected = account.external_account_id or bot_id_of(secrets.get("access_token", ""))
        if not isinstance(me, dict) or str(me.get("id")) != expected:
            raise PermanentError("This bot token belongs to another bot than the channel's.")
        await self._call(account, "setWebhook", {
            "url": webhook_url, "secret_token": secrets["verify_token"],
            "allowed_updates": ALLOWED_UPDATES,
        })

    # -- inbound -------------------------------------------------------------------------

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        raise WebhookRejected(405, "Telegram's webhook has no handshake")

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        secrets = unpack_secrets(secret)
        telegram_payload.check_secret_token(headers, secrets.get("verify_token", ""))
        bot_id = secrets.get("account_id") or bot_id_of(secrets.get("access_token", ""))
        return telegram_payload.parse(body, bot_id)

    # -- outbound ------------------------------------------------------------------------

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        """A reply in the group, quoting the customer's message. If that message was deleted
        meanwhile, nothing is sent: an answer to nobody in a public group reads wrong."""
        target = telegram_payload.split_key(thread_ref.in_reply_to or thread_ref.thread_key)
        if target is None:
            raise PermanentError("This thread names no Telegram message to answer.")
        chat, message_id = target
        body = {"chat_id": chat, "text": text, "reply_parameters": {"message_id": message_id}}
        return await self.send(account, body, idempotency_key)

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        """A message in the person's private chat with the bot (its id is their user id).
        It quotes the message it answers when that is in the same chat."""
        chat = thread_ref.recipient_id or thread_ref.thread_key.removeprefix("dm:")
        if not chat.isdigit():
            raise PermanentError("A private Telegram message needs the customer's user id.")
        body: dict[str, Any] = {"chat_id": chat, "text": text}
        answered = telegram_payload.split_key(thread_ref.in_reply_to or "")
        if answered and answered[0] == chat:
            body["reply_parameters"] = {"message_id": answered[1],
                                        "allow_sending_without_reply": True}
        return await self.send(account, body, idempotency_key)

    async def send(self, account: ChannelAccount, body: dict[str, Any], idempotency_key: str
                   ) -> SendResult:
        """sendMessage, at most once per idempotency key.

        Telegram has no idempotency key, so the desk keeps its own promise:
        - a key this process sent is answered from memory (the outbox retries after a lost
          database write, or a second sender takes over an expired lease, with the same key);
        - a request Telegram may have received but did not answer (a read timeout, a dropped
          connection) is not sent again automatically: the error says so, and a person
          looks at the chat before pressing "send again";
        - only a refusal (an error answer) or a connection that never opened is retried.
        What remains is a process that dies between Telegram's answer and the outbox's
        record of it: the next attempt cannot know whether the first one went out.
        """
        if known := self._sent.get(idempotency_key):
            return known
        if _utf16_length(str(body.get("text", ""))) > MAX_TEXT:
            raise PermanentError("The reply is longer than the 4096 characters Telegram "
                                 "allows.")
        message = await self._call(account, "sendMessage", body)
        message_id = message.get("message_id") if isinstance(message, dict) else None
        # Published all the same if Telegram named no message: sending again would post twice.
        external_id = (telegram_payload.message_key(body["chat_id"], message_id)
                       if isinstance(message_id, int) else idempotency_key)
        raw = message if isinstance(message, dict) else {}
        return self._sent.keep(idempotency_key, SendResult(external_id=external_id, raw=raw))

    async def _call(self, account: ChannelAccount, method: str, body: dict[str, Any]) -> Any:
        """One Bot API method; its `result`, or the error as a SendError."""
        token = unpack_secrets(account.secret).get("access_token")
        if not token:
            raise PermanentError("The channel has no bot token; reconnect it.")
        url = f"{self.base_url}/bot{token}/{method}"
        try:
            async with client() as http:
                response = await http.post(url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.WriteError,
                httpx.WriteTimeout):
            # The request never reached Telegram whole: nothing was posted.
            raise TemporaryError("Telegram could not be reached; the desk tries again.") from None
        except httpx.HTTPError as exc:
            if method != "sendMessage":
                raise TemporaryError(
                    f"Telegram did not answer ({exc.__class__.__name__}).") from None
            raise PermanentError("Telegram did not answer, so the message may or may not have "
                                 "been posted. Look at the chat before sending it again."
                                 ) from None
        answer = answer_json(response)
        if response.status_code >= 300 or answer.get("ok") is not True:
            error = bot_error(response)
            log.warning("Telegram refused %s for channel %s: %s", method, account.channel_id,
                        error.message)
            raise error
        return answer.get("result")

