"""Meta's webhooks (Facebook Pages, Messenger, Instagram): verification and payload shapes.

Verification (Graph API Webhooks): a GET handshake with hub.mode=subscribe, hub.verify_token
and hub.challenge (echoed back), and on every POST an X-Hub-Signature-256 header,
"sha256=" + hex HMAC-SHA256 of the raw body keyed with the app secret.

Payloads: {"object": "page" | "instagram", "entry": [...]}, where an entry carries either
`changes` (field "feed" for Page posts and comments, field "comments" for Instagram) or
`messaging` (Messenger and Instagram direct messages; echoes of our own sends are skipped).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from channels.base import InboundItem, WebhookRejected
from channels.json_values import iso_moment, obj, short_str

MAX_TEXT = 20000
OBJECTS = {"facebook": "page", "instagram": "instagram"}


def sign(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 value Meta sends with a body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def check_signature(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    offered = headers.get("x-hub-signature-256", "")
    if not offered:
        raise WebhookRejected(401, "missing X-Hub-Signature-256")
    if not app_secret or not hmac.compare_digest(sign(app_secret, body), offered.strip()):
        raise WebhookRejected(401, "signature does not match")


def answer_challenge(query: Mapping[str, str], verify_token: str) -> str:
    """The subscription handshake: echo hub.challenge when the verify token matches."""
    if query.get("hub.mode") != "subscribe":
        raise WebhookRejected(400, "hub.mode must be subscribe")
    offered = query.get("hub.verify_token", "")
    if not verify_token or not hmac.compare_digest(offered.encode(), verify_token.encode()):
        raise WebhookRejected(403, "hub.verify_token does not match")
    challenge = query.get("hub.challenge", "")
    if not challenge or len(challenge) > 512:
        raise WebhookRejected(400, "hub.challenge is missing")
    return challenge


def _moment(value: Any) -> datetime | None:
    """Meta sends unix seconds (feed), milliseconds (messaging) or ISO 8601 (some fields)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        return iso_moment(value)
    return None


def _text(value: Any) -> str:
    return value[:MAX_TEXT] if isinstance(value, str) else ""


def _facebook_change(value: dict[str, Any], page_id: str, when: Any) -> InboundItem | None:
    if value.get("verb") != "add" or value.get("item") not in ("comment", "post", "status"):
        return None
    author = obj(value.get("from"))
    author_id = short_str(author.get("id"))
    item_id = short_str(value.get("comment_id") or value.get("post_id"))
    if not author_id or not item_id or author_id == page_id:
        return None  # our own comments and posts are not customers talking
    text = _text(value.get("message"))
    if not text.strip():
        return None
    parent, post = short_str(value.get("parent_id")), short_str(value.get("post_id"))
    # A reply to a comment joins the comment's thread; a top-level comment opens its own.
    thread_key = parent if value.get("item") == "comment" and parent and parent != post else None
    return InboundItem(
        external_id=item_id, author_id=author_id,
        author_name=short_str(author.get("name")) or author_id, text=text, visibility="public",
        thread_key=thread_key, reply_to=parent,
        created_at=_moment(value.get("created_time")) or _moment(when), raw=value,
    )


def _instagram_change(value: dict[str, Any], account_id: str, when: Any) -> InboundItem | None:
    author = obj(value.get("from"))
    author_id, item_id = short_str(author.get("id")), short_str(value.get("id"))
    if not author_id or not item_id or author_id == account_id:
        return None
    text = _text(value.get("text"))
    if not text.strip():
        return None
    parent = short_str(value.get("parent_id"))
    media = obj(value.get("media"))
    username = short_str(author.get("username"))
    return InboundItem(
        external_id=item_id, author_id=author_id, author_name=username or author_id,
        author_handle=username, text=text, visibility="public", thread_key=parent,
        reply_to=parent or short_str(media.get("id")), created_at=_moment(when), raw=value,
    )


def _message(event: dict[str, Any], account_id: str, network: str) -> InboundItem | None:
    message = event.get("message")
    sender = obj(event.get("sender"))
    sender_id = short_str(sender.get("id"))
    if not isinstance(message, dict) or message.get("is_echo") or not sender_id:
        return None  # deliveries, reads, reactions and our own echoes
    if sender_id == account_id or message.get("is_deleted"):
        return None
    mid = short_str(message.get("mid"))
    if not mid:
        return None
    text = _text(message.get("text"))
    if not text.strip():
        kinds = [a.get("type", "file") for a in message.get("attachments") or []
                 if isinstance(a, dict)]
        text = "[" + ", ".join(kinds or ["attachment"]) + "]"
    reply = obj(message.get("reply_to"))
    # Messaging webhooks carry no names; the route keeps the name of a contact it knows.
    label = "Messenger" if network == "facebook" else "Instagram"
    return InboundItem(
        external_id=mid, author_id=sender_id, author_name=f"{label} {sender_id[-6:]}",
        text=text, visibility="private", reply_to=short_str(reply.get("mid")),
        created_at=_moment(event.get("timestamp")), raw=event,
    )


def load(body: bytes, expected: str, channel: str) -> dict[str, Any]:
    """A verified body as a webhook payload of Meta's platform (Facebook, Instagram and
    WhatsApp all send {"object": ..., "entry": [...]}), or WebhookRejected. `expected` is
    the object this channel takes, `channel` its name in the rejection."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise WebhookRejected(400, "body is not valid JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise WebhookRejected(400, "expected an object with an entry list")
    if payload.get("object") != expected:
        raise WebhookRejected(400, f"object must be {expected} for a {channel} channel")
    return payload


def parse(body: bytes, network: str, account_id: str | None) -> list[InboundItem]:
    """Normalize a verified body; entries of other accounts of the same app are skipped."""
    payload = load(body, OBJECTS[network], network)
    items: list[InboundItem] = []
    for entry in payload["entry"]:
        if not isinstance(entry, dict):
            raise WebhookRejected(400, "each entry must be an object")
        entry_id = short_str(entry.get("id")) or ""
        if account_id and entry_id and entry_id != account_id:
            continue
        own = account_id or entry_id
        for change in entry.get("changes") or []:
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                continue
            value, field = change["value"], change.get("field")
            item = None
            if network == "facebook" and field == "feed":
                item = _facebook_change(value, own, entry.get("time"))
            elif network == "instagram" and field in ("comments", "live_comments"):
                item = _instagram_change(value, own, entry.get("time"))
            if item:
                items.append(item)
        for event in entry.get("messaging") or []:
            if isinstance(event, dict) and (item := _message(event, own, network)):
                items.append(item)
    return items
