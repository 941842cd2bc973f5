"""Webhook endpoints: verify, store, acknowledge."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from channels.base import WebhookRejected
from server.actions.ingest import IngestBusy, do_ingest
from server.errors import NotFound
from server.routes.common import desk_of
from server.routes.webhook_input import channel_id_of, read_body


# Webhook senders are networks, not the desk's clients: a refusal is one line of text
# (docs/webhooks.md), as the OpenAPI document says.
def refused(rejected: WebhookRejected) -> JSONResponse:
    return JSONResponse({"error": rejected.message}, status_code=rejected.status)


def unknown_channel() -> JSONResponse:
    return JSONResponse({"error": "unknown channel"}, status_code=404)


async def generic(request: Request) -> JSONResponse:
    desk = desk_of(request)
    try:
        channel_id = channel_id_of(request)
        channel, secret = await desk.channels.with_secret(channel_id)
        if channel.adapter != "webhook":
            raise NotFound("There is no channel %(id)s.", id=channel_id)
        body = await read_body(request)
        items = desk.adapters["webhook"].parse_webhook(
            {k.lower(): v for k, v in request.headers.items()}, body, secret, time.time()
        )
    except WebhookRejected as rejected:
        return refused(rejected)
    except NotFound:
        return unknown_channel()
    try:
        result = await do_ingest(desk.ingest, channel_id, items, channel=channel)
    except IngestBusy as busy:
        return busy_answer(busy)
    return JSONResponse({"stored": len(result.stored), "duplicates": result.duplicates})


def busy_answer(busy: IngestBusy) -> JSONResponse:
    """503 at once when the desk cannot store more now: the network sends it again later."""
    return JSONResponse({"error": "busy, try again later"}, status_code=503,
                        headers={"Retry-After": str(busy.retry_after)})


routes = [Route("/webhooks/generic/{channel_id:int}", generic, methods=["POST"])]
