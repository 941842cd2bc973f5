"""The generic signed webhook: any system can push items into a channel.

Signature: X-Tandem-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>,
with X-Tandem-Timestamp in unix seconds, refused when more than five minutes off.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from channels.base import Capabilities, InboundItem, WebhookRejected

TOLERANCE_SECONDS = 300
MAX_ITEMS = 500
MAX_TEXT = 20000


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _text(value: Any, name: str, limit: int = 255, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise WebhookRejected(400, f"{name} must be text of 1 to {limit} characters")
    return value


def _item(raw: Any) -> InboundItem:
    if not isinstance(raw, dict):
        raise WebhookRejected(400, "each item must be an object")
    author = raw.get("author")
    if not isinstance(author, dict):
        raise WebhookRejected(400, "author must be an object with id and name")
    visibility = raw.get("visibility", "public")
    if visibility not in ("public", "private"):
        raise WebhookRejected(400, "visibility must be public or private")
    created_at = None
    if raw.get("created_at") is not None:
        try:
            created_at = datetime.fromisoformat(str(raw["created_at"]).replace("Z", "+00:00"))
        except ValueError:
            raise WebhookRejected(400, "created_at must be an ISO 8601 time") from None
        # A time without an offset is taken as UTC.
        created_at = (
            created_at.replace(tzinfo=UTC)
            if created_at.tzinfo is None
            else created_at.astimezone(UTC)
        )
    return InboundItem(
        external_id=_text(raw.get("id"), "id"),  # type: ignore[arg-type]
        author_id=_text(author.get("id"), "author.id"),  # type: ignore[arg-type]
        author_name=_text(author.get("name"), "author.name", 200),  # type: ignore[arg-type]
        author_handle=_text(author.get("handle"), "author.handle", 200, required=False),
        text=_text(raw.get("text"), "text", MAX_TEXT),  # type: ignore[arg-type]
        visibility=visibility,
        thread_key=_text(raw.get("thread"), "thread", required=False),
        created_at=created_at,
        raw=raw,
    )


class GenericWebhook:
    network = "webhook"
    capabilities = Capabilities(
        public_reply=False, private_reply_to_public=False, direct_messages=False
    )

    def parse_webhook(
        self, headers: dict[str, str], body: bytes, secret: str, now: float
    ) -> list[InboundItem]:
        timestamp = headers.get("x-tandem-timestamp", "")
        signature = headers.get("x-tandem-signature", "")
        if not timestamp or not signature:
            raise WebhookRejected(401, "missing X-Tandem-Timestamp or X-Tandem-Signature")
        try:
            moment = int(timestamp)
        except ValueError:
            raise WebhookRejected(401, "X-Tandem-Timestamp must be unix seconds") from None
        if abs(now - moment) > TOLERANCE_SECONDS:
            raise WebhookRejected(401, "X-Tandem-Timestamp is more than five minutes off")
        if not hmac.compare_digest(sign(secret, timestamp, body), signature):
            raise WebhookRejected(401, "signature does not match")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise WebhookRejected(400, "body is not valid JSON") from None
        raws = payload if isinstance(payload, list) else [payload]
        if not raws or len(raws) > MAX_ITEMS:
            raise WebhookRejected(400, f"send 1 to {MAX_ITEMS} items")
        return [_item(raw) for raw in raws]
