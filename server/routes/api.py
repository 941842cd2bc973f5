"""The REST API: the same commands as the board, for scripts and integrations."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.actions.cards import BoardFilter, board_cards, cards_by_id
from server.actions.claims import do_assign, do_claim, do_release
from server.actions.threads import do_update_thread, thread_messages
from server.errors import Invalid, NotFound
from server.routes.common import caller, desk_of, json_body


def _thread_id(request: Request) -> int:
    return int(request.path_params["thread_id"])


async def me(request: Request) -> JSONResponse:
    actor = caller(request)
    return JSONResponse(
        {
            "id": actor.id, "email": actor.email, "name": actor.name, "role": actor.role,
            "permissions": sorted(actor.permissions), "language": actor.language,
            "team_id": actor.team_id,
        }
    )


async def list_threads(request: Request) -> JSONResponse:
    actor = caller(request)
    flt = BoardFilter.from_query(dict(request.query_params))
    desk = desk_of(request)
    seq = desk.realtime.stream.upto if desk.realtime else 0
    async with desk.db.read() as session:
        cards = await board_cards(session, actor, flt)
    return JSONResponse({"seq": seq, "threads": [c.model_dump(mode="json") for c in cards]})


async def get_thread(request: Request) -> JSONResponse:
    actor = caller(request)
    actor.require("thread.view")
    thread_id = _thread_id(request)
    desk = desk_of(request)
    async with desk.db.read() as session:
        found = await cards_by_id(session, [thread_id])
    if thread_id not in found:
        raise NotFound("There is no thread %(id)s.", id=thread_id)
    messages = await thread_messages(desk.db, actor, thread_id)
    return JSONResponse({"thread": found[thread_id].model_dump(mode="json"), "messages": messages})


async def claim(request: Request) -> JSONResponse:
    actor = caller(request)
    body = await json_body(request)
    desk = desk_of(request)
    result = await do_claim(
        desk.db, actor, _thread_id(request), desk.settings.claim_grace_seconds,
        take_over=bool(body.get("take_over")),
    )
    return JSONResponse({"claim": result.as_json()})


async def release(request: Request) -> JSONResponse:
    await do_release(desk_of(request).db, caller(request), _thread_id(request))
    return JSONResponse({"released": True})


async def assign(request: Request) -> JSONResponse:
    actor = caller(request)
    body = await json_body(request)
    user_id = body.get("user_id")
    if user_id is not None and (isinstance(user_id, bool) or not isinstance(user_id, int)):
        raise Invalid("user_id must be a number or null.")
    await do_assign(desk_of(request).db, actor, _thread_id(request), user_id)
    return JSONResponse({"assigned": user_id})


async def update(request: Request) -> JSONResponse:
    actor = caller(request)
    body = await json_body(request)
    fields: dict[str, Any] = {}
    for name in ("status", "priority", "reason"):
        if body.get(name) is not None:
            if not isinstance(body[name], str):
                raise Invalid("%(name)s must be text.", name=name)
            fields[name] = body[name]
    if body.get("tags") is not None:
        tags = body["tags"]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise Invalid("tags must be a list of words.")
        fields["tags"] = tags
    await do_update_thread(desk_of(request).db, actor, _thread_id(request), **fields)
    return JSONResponse({"updated": sorted(fields)})


routes = [
    Route("/api/me", me),
    Route("/api/threads", list_threads),
    Route("/api/threads/{thread_id:int}", get_thread),
    Route("/api/threads/{thread_id:int}/claim", claim, methods=["POST"]),
    Route("/api/threads/{thread_id:int}/release", release, methods=["POST"]),
    Route("/api/threads/{thread_id:int}/assign", assign, methods=["POST"]),
    Route("/api/threads/{thread_id:int}", update, methods=["PATCH"]),
]
