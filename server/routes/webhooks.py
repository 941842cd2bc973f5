"""Webhook endpoints: verify, store, acknowledge."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from channels.base import WebhookRejected
from channels.registry import ADAPTERS
from server.actions.channels import channel_with_secret
from server.actions.ingest import IngestBusy, do_ingest
from server.errors import NotFound
from server.routes.common import desk_of

MAX_BODY = 1024 * 1024


async def read_body(request: Request) -> bytes:
    """The raw body (signatures are over it), refused with 413 past MAX_BODY."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise WebhookRejected(413, "body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise WebhookRejected(413, "body too large")
    return bytes(body)


async def generic(request: Request) -> JSONResponse:
    desk = desk_of(request)
    channel_id = int(request.path_params["channel_id"])
    try:
        channel, secret = await channel_with_secret(desk.db, desk.box, channel_id)
        if channel.adapter != "webhook":
            raise NotFound("There is no channel %(id)s.", id=channel_id)
        body = await read_body(request)
        items = ADAPTERS["webhook"].parse_webhook(
            {k.lower(): v for k, v in request.headers.items()}, body, secret, time.time()
        )
    except WebhookRejected as rejected:
        return JSONResponse({"error": rejected.message}, status_code=rejected.status)
    except NotFound:
        return JSONResponse({"error": "unknown channel"}, status_code=404)
    try:
        result = await do_ingest(desk.db, desk.settings, channel_id, items, channel=channel)
    except IngestBusy as busy:
        return busy_answer(busy)
    return JSONResponse({"stored": len(result.stored), "duplicates": result.duplicates})


def busy_answer(busy: IngestBusy) -> JSONResponse:
    """503 at once when the desk cannot store more now: the network sends it again later."""
    return JSONResponse({"error": "busy, try again later"}, status_code=503,
                        headers={"Retry-After": str(busy.retry_after)})


routes = [Route("/webhooks/generic/{channel_id:int}", generic, methods=["POST"])]
