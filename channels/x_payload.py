"""X's Account Activity webhooks: the CRC answer, the signature, and the payload shapes.

CRC: GET ?crc_token=... is answered with {"response_token": "sha256=" + base64 HMAC-SHA256
of the token keyed with the consumer secret}. Every POST carries x-twitter-webhooks-signature,
"sha256=" + base64 HMAC-SHA256 of the raw body with the same key. Payloads name the account
(`for_user_id`) and carry `tweet_create_events` (v1.1 tweets) or `direct_message_events`
(with a `users` map for names); what the account itself wrote is skipped.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels.base import InboundItem, WebhookRejected
from channels.json_values import obj, short_str

MAX_TEXT = 20000
TWEET_TIME = "%a %b %d %H:%M:%S %z %Y"


def sign(consumer_secret: str, data: bytes) -> str:
    mac = hmac.new(consumer_secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(mac).decode()


def crc_answer(query: Mapping[str, str], consumer_secret: str) -> dict[str, str]:
    token = query.get("crc_token", "")
    if not token or len(token) > 512:
        raise WebhookRejected(400, "crc_token is missing")
    if not consumer_secret:
        raise WebhookRejected(403, "the channel has no consumer secret")
    return {"response_token": sign(consumer_secret, token.encode())}


def check_signature(headers: Mapping[str, str], body: bytes, consumer_secret: str) -> None:
    offered = headers.get("x-twitter-webhooks-signature", "")
    if not offered:
        raise WebhookRejected(401, "missing x-twitter-webhooks-signature")
    if not consumer_secret or not hmac.compare_digest(sign(consumer_secret, body),
                                                      offered.strip()):
        raise WebhookRejected(401, "signature does not match")


def _tweet_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, TWEET_TIME).astimezone(UTC)
    except ValueError:
        return None


def _tweet(event: dict[str, Any], account_id: str) -> InboundItem | None:
    user = obj(event.get("user"))
    author_id = short_str(user.get("id_str") or user.get("id"))
    tweet_id = short_str(event.get("id_str") or event.get("id"))
    if not author_id or not tweet_id or author_id == account_id:
        return None
    if isinstance(event.get("retweeted_status"), dict):
        return None  # a plain retweet says nothing new
    extended = obj(event.get("extended_tweet"))
    text = extended.get("full_text") or event.get("full_text") or event.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    replied = short_str(event.get("in_reply_to_status_id_str"))
    # A customer continuing their own thread stays in it; anything else opens a thread.
    own_thread = replied and short_str(event.get("in_reply_to_user_id_str")) == author_id
    handle = short_str(user.get("screen_name"))
    return InboundItem(
        external_id=tweet_id, author_id=author_id,
        author_name=short_str(user.get("name")) or handle or author_id, author_handle=handle,
        text=text[:MAX_TEXT], visibility="public", thread_key=replied if own_thread else None,
        reply_to=replied, created_at=_tweet_time(event.get("created_at")), raw=event,
    )


def _direct_message(event: dict[str, Any], users: dict[str, Any], account_id: str
                    ) -> InboundItem | None:
    create = event.get("message_create")
    if event.get("type") != "message_create" or not isinstance(create, dict):
        return None
    sender = short_str(create.get("sender_id"))
    event_id = short_str(event.get("id"))
    if not sender or not event_id or sender == account_id:
        return None  # our own sends come back as events too
    data = obj(create.get("message_data"))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    user = obj(users.get(sender))
    handle = short_str(user.get("screen_name"))
    created = None
    stamp = short_str(event.get("created_timestamp"))
    if stamp and stamp.isdigit():
        created = datetime.fromtimestamp(int(stamp) / 1000, UTC)
    return InboundItem(
        external_id=event_id, author_id=sender,
        author_name=short_str(user.get("name")) or handle or sender, author_handle=handle,
        text=text[:MAX_TEXT], visibility="private", created_at=created, raw=event,
    )


def parse(body: bytes, account_id: str | None) -> list[InboundItem]:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WebhookRejected(400, "body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise WebhookRejected(400, "expected a JSON object")
    for_user = short_str(payload.get("for_user_id"))
    if account_id and for_user and for_user != account_id:
        return []  # an event for another account of the same app
    own = account_id or for_user or ""
    items: list[InboundItem] = []
    for event in payload.get("tweet_create_events") or []:
        if isinstance(event, dict) and (item := _tweet(event, own)):
            items.append(item)
    users = obj(payload.get("users"))
    for event in payload.get("direct_message_events") or []:
        if isinstance(event, dict) and (item := _direct_message(event, users, own)):
            items.append(item)
    return items
