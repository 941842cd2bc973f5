"""The bounds every webhook request meets before anything is parsed or stored.

In order: the channel id in the path fits the column (else 404), the body is declared JSON
(else 415), it is at most MAX_BODY bytes (else 413) and nested at most MAX_DEPTH deep
(else 400, checked on the raw bytes, so a hostile body never reaches the parser's
recursion); after the adapter has normalized it, every item's text is storable
(no NUL, which PostgreSQL refuses, no lone surrogate) and its time is within a sane window.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from starlette.requests import Request

from channels.base import InboundItem, WebhookRejected
from channels.webhook import sane_time, storable_text

MAX_BODY = 1024 * 1024
MAX_DEPTH = 32
MAX_ID = 2**31 - 1  # the id columns are 32-bit integers on PostgreSQL

# A JSON string literal: brackets inside strings do not nest.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def channel_id_of(request: Request) -> int:
    """The path's channel id; one past the column's range names no channel."""
    channel_id = int(request.path_params["channel_id"])
    if channel_id > MAX_ID:
        raise WebhookRejected(404, "unknown channel")
    return channel_id


def require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise WebhookRejected(415, "the body must be sent as Content-Type: application/json")


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in a JSON text (for any text, valid or not)."""
    depth = deepest = 0
    for bracket in _STRING.sub(b"", body).translate(None, _NOT_BRACKETS):
        if bracket in b"[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                break
        else:
            depth -= 1
    return deepest


async def read_body(request: Request) -> bytes:
    """The raw body (signatures are over it), declared JSON, bounded in size and depth."""
    require_json(request)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise WebhookRejected(413, "body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise WebhookRejected(413, "body too large")
    if json_depth(bytes(body)) > MAX_DEPTH:
        raise WebhookRejected(400, f"the JSON nests deeper than {MAX_DEPTH} levels")
    return bytes(body)


def check_items(items: Iterable[InboundItem]) -> None:
    """Every normalized item, whichever network sent it, is one the desk can store."""
    for item in items:
        for name in ("external_id", "author_id", "author_name", "author_handle", "text",
                     "thread_key", "reply_to"):
            value = getattr(item, name)
            if value is not None:
                storable_text(value, name)
        if item.created_at is not None:
            sane_time(item.created_at)
