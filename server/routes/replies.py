"""REST for answering: the same actions as the socket commands in realtime/replies.py."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from realtime.commands import number
from realtime.replies import flag, flush_draft, text
from server.actions.notes import do_add_note, mentionable, thread_notes
from server.actions.outbox import do_retry_send
from server.actions.replies import do_approve, do_reject, do_submit, do_withdraw
from server.actions.reply_policy import do_set_crisis, do_set_policy, read_crisis, read_policy
from server.actions.reply_views import approvals_queue, thread_reply
from server.actions.templates import (
    do_create_template,
    do_delete_template,
    do_update_template,
    render_template,
    search_templates,
)
from server.errors import Invalid
from server.routes.common import caller, desk_of, json_body


def _id(request: Request, name: str) -> int:
    return int(request.path_params[name])


def _query_flag(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name, "").lower()
    if value in ("", "any"):
        return None
    if value not in ("1", "0", "true", "false", "yes", "no"):
        raise Invalid("%(name)s must be true or false.", name=name)
    return value in ("1", "true", "yes")


# -- replies ---------------------------------------------------------------------------


async def get_reply(request: Request) -> JSONResponse:
    desk = desk_of(request)
    return JSONResponse({"reply": await thread_reply(desk.db, caller(request),
                                                     _id(request, "thread_id"))})


async def submit(request: Request) -> JSONResponse:
    actor, body, desk = caller(request), await json_body(request), desk_of(request)
    thread_id = _id(request, "thread_id")
    await flush_draft(desk, thread_id)
    outcome = await do_submit(
        desk.db, actor, thread_id, seen_upto=number(body, "seen_upto", required=False),
        confirm_seen_upto=number(body, "confirm_seen_upto", required=False),
    )
    return JSONResponse(outcome.as_json())


async def approve(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    outcome = await do_approve(desk_of(request).db, actor, _id(request, "approval_id"),
                               text(body, "text", required=False))
    return JSONResponse(outcome.as_json())


async def reject(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    outcome = await do_reject(desk_of(request).db, actor, _id(request, "approval_id"),
                              text(body, "comment", required=False) or "")
    return JSONResponse(outcome.as_json())


async def withdraw(request: Request) -> JSONResponse:
    outcome = await do_withdraw(desk_of(request).db, caller(request), _id(request, "approval_id"))
    return JSONResponse(outcome.as_json())


async def retry(request: Request) -> JSONResponse:
    message_id = _id(request, "message_id")
    await do_retry_send(desk_of(request).db, caller(request), message_id)
    return JSONResponse({"message_id": message_id, "status": "queued"})


async def list_approvals(request: Request) -> JSONResponse:
    params = request.query_params
    thread = params.get("thread_id")
    if thread is not None and not thread.isdigit():
        raise Invalid("%(name)s must be a number.", name="thread_id")
    views = await approvals_queue(desk_of(request).db, caller(request),
                                  params.get("status") or "open", int(thread) if thread else None)
    return JSONResponse({"approvals": [v.model_dump(mode="json") for v in views]})


# -- notes -----------------------------------------------------------------------------


async def list_notes(request: Request) -> JSONResponse:
    notes = await thread_notes(desk_of(request).db, caller(request), _id(request, "thread_id"))
    return JSONResponse({"notes": [n.model_dump(mode="json") for n in notes]})


async def add_note(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    note = await do_add_note(desk_of(request).db, actor, _id(request, "thread_id"),
                             text(body, "text") or "")
    return JSONResponse({"note": note.model_dump(mode="json")}, status_code=201)


async def people(request: Request) -> JSONResponse:
    return JSONResponse({"people": await mentionable(desk_of(request).db, caller(request))})


# -- templates -------------------------------------------------------------------------


async def list_templates(request: Request) -> JSONResponse:
    params = request.query_params
    found = await search_templates(
        desk_of(request).db, caller(request), q=params.get("q"),
        language=params.get("language") or None, holding=_query_flag(request, "holding"),
    )
    return JSONResponse({"templates": found})


async def create_template(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    made = await do_create_template(desk_of(request).db, actor, body)
    return JSONResponse({"template": made}, status_code=201)


async def update_template(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    changed = await do_update_template(desk_of(request).db, actor, _id(request, "template_id"),
                                       body)
    return JSONResponse({"template": changed})


async def delete_template(request: Request) -> JSONResponse:
    template_id = _id(request, "template_id")
    await do_delete_template(desk_of(request).db, caller(request), template_id)
    return JSONResponse({"deleted": template_id})


async def render(request: Request) -> JSONResponse:
    actor, body, desk = caller(request), await json_body(request), desk_of(request)
    rendered = await render_template(
        desk.db, desk.settings, actor, _id(request, "template_id"),
        number(body, "thread_id", required=False), text(body, "language", required=False),
    )
    return JSONResponse(rendered)


# -- desk switches ---------------------------------------------------------------------


async def get_crisis(request: Request) -> JSONResponse:
    crisis = await read_crisis(desk_of(request).db, caller(request))
    return JSONResponse({"crisis": crisis.as_json()})


async def set_crisis(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    on = flag(body, "on")
    if on is None:
        raise Invalid("on must be true or false.")
    state = await do_set_crisis(desk_of(request).db, actor, on,
                                text(body, "message", required=False) or "")
    return JSONResponse({"crisis": state.as_json()})


async def get_policy(request: Request) -> JSONResponse:
    return JSONResponse({"policy": await read_policy(desk_of(request).db, caller(request))})


async def set_policy(request: Request) -> JSONResponse:
    actor, body = caller(request), await json_body(request)
    policy: Any = body.get("policy", body)
    return JSONResponse({"policy": await do_set_policy(desk_of(request).db, actor, policy)})


routes = [
    Route("/api/threads/{thread_id:int}/reply", get_reply),
    Route("/api/threads/{thread_id:int}/reply/submit", submit, methods=["POST"]),
    Route("/api/approvals", list_approvals),
    Route("/api/approvals/{approval_id:int}/approve", approve, methods=["POST"]),
    Route("/api/approvals/{approval_id:int}/reject", reject, methods=["POST"]),
    Route("/api/approvals/{approval_id:int}/withdraw", withdraw, methods=["POST"]),
    Route("/api/messages/{message_id:int}/retry", retry, methods=["POST"]),
    Route("/api/threads/{thread_id:int}/notes", list_notes),
    Route("/api/threads/{thread_id:int}/notes", add_note, methods=["POST"]),
    Route("/api/notes/people", people),
    Route("/api/templates", list_templates),
    Route("/api/templates", create_template, methods=["POST"]),
    Route("/api/templates/{template_id:int}", update_template, methods=["PATCH"]),
    Route("/api/templates/{template_id:int}", delete_template, methods=["DELETE"]),
    Route("/api/templates/{template_id:int}/render", render, methods=["POST"]),
    Route("/api/crisis", get_crisis),
    Route("/api/crisis", set_crisis, methods=["POST"]),
    Route("/api/approval-policy", get_policy),
    Route("/api/approval-policy", set_policy, methods=["PUT"]),
]
