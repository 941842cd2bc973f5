"""The networks' webhooks (every WebhookReceiver adapter): verify, store, acknowledge.

GET answers the network's subscription check (Meta's hub.challenge, X's CRC); POST checks
the signature over the raw body, normalizes it through the channel's adapter and ingests it
before answering 200, so nothing acknowledged is lost, and a provider's retry is stored once
(ingest dedupes by channel and external id). A refused request stores nothing.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from sqlalchemy import select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from channels.base import ChannelAdapter, InboundItem, WebhookRejected
from server.actions.deliveries import do_record_deliveries, read_webhook
from server.actions.ingest import IngestBusy, do_ingest
from server.db import Database
from server.errors import NotFound
from server.models import Channel, Contact
from server.routes.common import desk_of
from server.routes.webhook_input import channel_id_of, check_items, read_body
from server.routes.webhooks import busy_answer, refused, unknown_channel

log = logging.getLogger("tandem.webhooks")


async def _channel(request: Request) -> tuple[Channel, ChannelAdapter, str]:
    """The channel the URL names, if its adapter answers on this webhook path."""
    path = request.path_params["path"]
    channel_id = channel_id_of(request)
    desk = desk_of(request)
    channel, secret = await desk.channels.with_secret(channel_id)
    if desk.adapters.webhook_path(channel.adapter) != path:
        raise NotFound("There is no channel %(id)s.", id=channel_id)
    return channel, desk.adapters[channel.adapter], secret


async def _keep_known_names(db: Database, channel_id: int, items: list[InboundItem]
                            ) -> list[InboundItem]:
    """Private messages often come without a name (Meta's do): a known contact keeps theirs."""
    private = {i.author_id for i in items if i.visibility == "private"}
    if not private:
        return items
    async with db.read() as session:
        rows = await session.execute(
            select(col(Contact.external_id), col(Contact.name)).where(
                col(Contact.channel_id) == channel_id, col(Contact.external_id).in_(private)))
        known: dict[str, str] = {row[0]: row[1] for row in rows.all()}
    return [replace(i, author_name=known[i.author_id])
            if i.visibility == "private" and i.author_id in known else i for i in items]


async def handshake(request: Request) -> Response:
    try:
        _, adapter, secret = await _channel(request)
        reply = adapter.answer_handshake(dict(request.query_params), secret)
    except WebhookRejected as rejected:
        return refused(rejected)
    except NotFound:
        return unknown_channel()
    return Response(reply.body, media_type=reply.media_type)


async def events(request: Request) -> Response:
    desk = desk_of(request)
    try:
        channel, adapter, secret = await _channel(request)
        body = await read_body(request)
        headers = {k.lower(): v for k, v in request.headers.items()}
        # Delivery reports (WhatsApp's statuses) ride on the same webhook.
        items, updates = read_webhook(adapter, headers, body, secret, time.time())
        check_items(items)
        await do_record_deliveries(desk.db, channel.id, updates)  # type: ignore[arg-type]
    except WebhookRejected as rejected:
        log.info("webhook for %s refused: %s", request.url.path, rejected.message)
        return refused(rejected)
    except NotFound:
        return unknown_channel()
    if not items:
        return JSONResponse({"stored": 0, "duplicates": 0})
    items = await _keep_known_names(desk.db, channel.id, items)  # type: ignore[arg-type]
    try:
        result = await do_ingest(desk.ingest, channel.id,  # type: ignore[arg-type]
                                 items, channel=channel)
    except IngestBusy as busy:
        return busy_answer(busy)
    return JSONResponse({"stored": len(result.stored), "duplicates": result.duplicates})


# Every WebhookReceiver adapter answers at /webhooks/<path>/<channel id>.
routes = [
    Route("/webhooks/{path:str}/{channel_id:int}", handshake, methods=["GET"]),
    Route("/webhooks/{path:str}/{channel_id:int}", events, methods=["POST"]),
]
