"""The generic signed webhook: any system can push items into a channel.

Signature: X-Tandem-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>,
with X-Tandem-Timestamp in unix seconds, refused when more than five minutes off.

Replies go the other way with the same signature: a channel with config `reply_url` gets
POST {id, thread, in_reply_to, text, visibility}, where `id` is the reply's idempotency key
(the receiver must publish each id once); it answers 2xx with {"id": <its message id>}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from channels.base import (
    Capabilities,
    ChannelAccount,
    Handshake,
    InboundItem,
    PermanentError,
    SendResult,
    TemporaryError,
    ThreadRef,
    WebhookRejected,
)

TOLERANCE_SECONDS = 300
MAX_ITEMS = 500
MAX_TEXT = 20000
SEND_TIMEOUT = 15.0
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)  # a sender's clock may run ahead of ours, not by more


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def storable_text(value: str, name: str) -> None:
    """Refuse what no database column holds: NUL (PostgreSQL refuses it), invalid Unicode."""
    if "\x00" in value:
        raise WebhookRejected(400, f"{name} must not contain the NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise WebhookRejected(400, f"{name} is not valid Unicode (a lone surrogate)") from None


def sane_time(moment: datetime, name: str = "created_at") -> None:
    """A network's time lies between 1970 and tomorrow; anything else is a broken sender."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    if not EARLIEST <= moment <= datetime.now(UTC) + FUTURE_SLACK:
        raise WebhookRejected(400, f"{name} must lie between 1970 and tomorrow")


def _text(value: Any, name: str, limit: int = 255, required: bool = True) -> str | None:
    if value is None and not required:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise WebhookRejected(400, f"{name} must be text of 1 to {limit} characters")
    storable_text(value, name)
    return value


def _time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise WebhookRejected(400, "created_at must be an ISO 8601 time") from None
    # Compared before converting: year 1 or 9999 with an offset has no UTC equivalent.
    sane_time(moment)
    # A time without an offset is taken as UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _item(raw: Any) -> InboundItem:
    if not isinstance(raw, dict):
        raise WebhookRejected(400, "each item must be an object")
    author = raw.get("author")
    if not isinstance(author, dict):
        raise WebhookRejected(400, "author must be an object with id and name")
    visibility = raw.get("visibility", "public")
    if visibility not in ("public", "private"):
        raise WebhookRejected(400, "visibility must be public or private")
    created_at = _time(raw["created_at"]) if raw.get("created_at") is not None else None
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
    # Whether a channel can answer depends on its `reply_url`; the sender reports a
    # channel without one as a permanent failure.
    capabilities = Capabilities(
        public_reply=True, private_reply_to_public=False, direct_messages=True
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
        except RecursionError:  # the route bounds depth first; this keeps the adapter safe
            raise WebhookRejected(400, "the JSON nests too deep") from None
        raws = payload if isinstance(payload, list) else [payload]
        if not raws or len(raws) > MAX_ITEMS:
            raise WebhookRejected(400, f"send 1 to {MAX_ITEMS} items")
        return [_item(raw) for raw in raws]

    def answer_handshake(self, query: Mapping[str, str], secret: str) -> Handshake:
        raise WebhookRejected(405, "the generic webhook has no handshake")

    async def send_public_reply(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        return await post_reply(account, thread_ref, text, idempotency_key, "public")

    async def send_private_message(
        self, account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str
    ) -> SendResult:
        return await post_reply(account, thread_ref, text, idempotency_key, "private")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


async def post_reply(
    account: ChannelAccount, thread_ref: ThreadRef, text: str, idempotency_key: str,
    visibility: str,
) -> SendResult:
    """POST one signed reply to the channel's `reply_url`; 2xx is sent, 429/5xx retryable."""
    url = account.config.get("reply_url")
    if not url:
        raise PermanentError("this channel has no reply_url to send replies to")
    body = json.dumps({
        "id": idempotency_key, "thread": thread_ref.thread_key,
        "in_reply_to": thread_ref.in_reply_to, "text": text, "visibility": visibility,
    }).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": idempotency_key,
        "X-Tandem-Timestamp": stamp,
        "X-Tandem-Signature": sign(account.secret, stamp, body),
    }
    try:
        async with httpx.AsyncClient(timeout=SEND_TIMEOUT) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise TemporaryError("the network did not answer in time") from None
    except httpx.HTTPError as exc:
        raise TemporaryError(f"could not reach the network: {exc.__class__.__name__}") from None
    status = response.status_code
    if status == 429 or status >= 500:
        raise TemporaryError(f"the network answered {status}", _retry_after(response))
    if status >= 300:
        raise PermanentError(f"the network refused the reply ({status}): {response.text[:300]}")
    try:
        answer = response.json()
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    # A receiver that keeps no ids of its own is still bound to the idempotency key.
    return SendResult(external_id=str(answer.get("id") or idempotency_key), raw=answer)
