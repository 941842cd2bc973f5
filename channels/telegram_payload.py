"""Telegram's webhook: the secret token header and Update objects, in the desk's words.

Telegram posts one Update per request, with the secret token given to setWebhook in the
X-Telegram-Bot-Api-Secret-Token header. The desk reads `message` updates:

- a private chat with the bot is a private conversation (one thread per person);
- a message in a group or supergroup is public: a message that answers none opens a thread,
  a reply joins the thread of the message it answers.

Which group messages reach the bot is Telegram's choice, made by the bot's privacy mode
(BotFather, /setprivacy): on (the default), only messages that mention the bot, reply to
it or are commands for it; off (or the bot is a group admin), every message. The desk
stores what Telegram delivers. Edits, channel posts, service messages (members joining, a
title changed) and the /start that opens a private chat are not customers talking to the
desk and are skipped.

Message ids are counted per chat, so a message's external id is "<chat id>:<message id>".
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels.base import InboundItem, WebhookRejected
from channels.json_values import obj

SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_TEXT = 20000
GROUPS = ("group", "supergroup")
# What a message without text or caption carries, so the desk shows that something came.
MEDIA = ("photo", "video", "animation", "document", "audio", "voice", "video_note",
         "sticker", "location", "venue", "contact", "poll", "dice")


def check_secret_token(headers: Mapping[str, str], expected: str) -> None:
    """The header must carry the secret token the desk gave setWebhook (headers lowercased)."""
    given = headers.get(SECRET_HEADER, "")
    if not expected:
        raise WebhookRejected(401, "the channel has no webhook secret token; reconnect it")
    if not given:
        raise WebhookRejected(401, "missing X-Telegram-Bot-Api-Secret-Token")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookRejected(401, "X-Telegram-Bot-Api-Secret-Token does not match")


def message_key(chat_id: object, message_id: object) -> str:
    return f"{chat_id}:{message_id}"


def split_key(external_id: str) -> tuple[str, int] | None:
    """(chat id, message id) of "<chat id>:<message id>"; None for anything else."""
    chat, _, message = external_id.rpartition(":")
    if not chat or not message.isdigit() or not chat.lstrip("-").isdigit():
        return None
    return chat, int(message)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _name(person: dict[str, Any]) -> str:
    """A user's first and last name, or a chat's title (anonymous admins speak as the chat)."""
    parts = [person.get("first_name"), person.get("last_name")]
    name = " ".join(p for p in parts if isinstance(p, str) and p).strip()
    return (name or str(person.get("title") or person.get("username") or "?"))[:200]


def _text(message: dict[str, Any]) -> str | None:
    for field in ("text", "caption"):
        if isinstance(message.get(field), str) and message[field].strip():
            return str(message[field])[:MAX_TEXT]
    kind = next((m for m in MEDIA if m in message), None)
    return f"[{kind}]" if kind else None


def _answers(message: dict[str, Any]) -> dict[str, Any]:
    """The message this one replies to. In a forum topic every message "replies" to the
    topic's opening service message; that is no answer to anyone."""
    replied = obj(message.get("reply_to_message"))
    return {} if "forum_topic_created" in replied else replied


def _item(message: dict[str, Any], bot_id: str | None) -> InboundItem | None:
    chat = obj(message.get("chat"))
    chat_id, message_id = _int(chat.get("id")), _int(message.get("message_id"))
    if chat_id is None or message_id is None or chat.get("type") not in ("private", *GROUPS):
        return None
    # A message sent on behalf of a chat (an anonymous admin, a linked channel) has
    # sender_chat; `from` then names a placeholder user.
    sender = obj(message.get("sender_chat")) or obj(message.get("from"))
    author_id = _int(sender.get("id"))
    text = _text(message)
    if author_id is None or text is None or message.get("is_automatic_forward"):
        return None
    if str(author_id) == bot_id or sender.get("is_bot"):
        return None
    date = _int(message.get("date"))
    handle = sender.get("username") if isinstance(sender.get("username"), str) else None
    public = chat.get("type") in GROUPS
    if not public and text.split()[0] == "/start":
        return None  # the person opened the chat with the bot: nothing to answer yet
    replied = _answers(message)
    replied_id = _int(replied.get("message_id"))
    reply_to = message_key(chat_id, replied_id) if replied_id is not None else None
    return InboundItem(
        external_id=message_key(chat_id, message_id),
        author_id=str(author_id),
        author_name=_name(sender),
        author_handle=handle,
        text=text,
        visibility="public" if public else "private",
        # Private: the person's conversation ("dm:<user id>", as ingest keys it).
        thread_key=reply_to if public else None,
        created_at=datetime.fromtimestamp(date, UTC) if date is not None else None,
        reply_to=reply_to,
        raw=message,
    )


def parse(body: bytes, bot_id: str | None) -> list[InboundItem]:
    """The items of one Update (none for updates the desk does not read)."""
    try:
        update = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WebhookRejected(400, "body is not valid JSON") from None
    if not isinstance(update, dict) or _int(update.get("update_id")) is None:
        raise WebhookRejected(400, "an Update object with an update_id was expected")
    message = obj(update.get("message"))
    item = _item(message, bot_id) if message else None
    return [item] if item else []
