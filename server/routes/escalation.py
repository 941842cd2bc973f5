"""Escalation over every transport: REST, the thread page's htmx panel, Socket.IO.

Handlers parse, call one action and serialize; `install_escalation` adds the socket commands
and the after-commit hook that links a private thread once the network names the customer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from server.actions.cards import cards_by_id
from server.actions.escalation import capabilities_of, do_back_to_public, do_take_private
from server.actions.escalation_links import EscalationLinker
from server.actions.windows import aware, window_template
from server.errors import N_, DeskError, Invalid, NotFound
from server.models import Channel, Thread, utcnow
from server.permissions import Actor
from server.routes.common import caller, desk_of, json_body
from web.forms import error_text, is_htmx
from web.templating import render

if TYPE_CHECKING:
    from realtime.server import Realtime

# What the panel says after an action (translated in the template).
DONE = {
    "private:none": N_("The private message is on its way."),
    "private:queued": N_("The private message and the public holding reply are on their way."),
    "private:pending_approval": N_("The private message is on its way; the public holding reply "
                                   "waits for approval."),
    "public:queued": N_("The public follow-up is on its way."),
    "public:pending_approval": N_("The public follow-up waits for approval."),
}


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str):
        raise Invalid("%(name)s must be text.", name=name)
    return value


def _flag(data: dict[str, Any], name: str, default: bool) -> bool:
    value = data.get(name, default)
    if not isinstance(value, bool):
        raise Invalid("%(name)s must be true or false.", name=name)
    return value


def _thread_id(request: Request) -> int:
    return int(request.path_params["thread_id"])


async def api_take_private(request: Request) -> JSONResponse:
    body = await json_body(request)
    desk = desk_of(request)
    done = await do_take_private(
        desk.db, caller(request), _thread_id(request), _text(body, "text"),
        holding_reply=_flag(body, "holding_reply", False),
        language=getattr(request.state, "language", "en"),
    )
    return JSONResponse(done.as_json())


async def api_back_to_public(request: Request) -> JSONResponse:
    body = await json_body(request)
    done = await do_back_to_public(desk_of(request).db, caller(request), _thread_id(request),
                                   _text(body, "text"), resolve=_flag(body, "resolve", True))
    return JSONResponse(done.as_json())


# -- the thread page's panel -----------------------------------------------------------


def _span(seconds: float) -> str:
    minutes = int(abs(seconds)) // 60
    days, hours, mins = minutes // 1440, minutes // 60 % 24, minutes % 60
    return f"{days} d {hours} h" if days else f"{hours} h {mins} min" if hours else f"{mins} min"


def deadline(value: str | None, now: datetime) -> dict[str, Any] | None:
    """A window's end for people: when (UTC), whether still open, and how long from now."""
    if not value:
        return None
    moment = aware(datetime.fromisoformat(value.replace("Z", "+00:00")))
    left = (moment - now).total_seconds()
    return {"iso": value, "label": moment.strftime("%Y-%m-%d %H:%M UTC"), "open": left > 0,
            "span": _span(left)}


async def _private_channels(session: AsyncSession) -> list[Channel]:
    """The desk's active channels that take private messages: where a customer of a network
    without a private path (YouTube) can be asked to write instead."""
    active = await session.scalars(select(Channel).where(col(Channel.active))
                                   .order_by(col(Channel.network), col(Channel.name)))
    return [c for c in active.all()
            if (caps := capabilities_of(c)) is not None and caps.direct_messages]


async def panel_context(request: Request, thread_id: int) -> dict[str, Any]:
    actor = caller(request)
    actor.require("thread.view")
    async with desk_of(request).db.read() as session:
        found = await cards_by_id(session, [thread_id])
        thread = await session.get(Thread, thread_id)
        channel = await session.get(Channel, thread.channel_id) if thread else None
        caps = capabilities_of(channel) if channel else None
        no_private_path = thread is not None and thread.visibility == "public" and not (
            caps and caps.private_reply_to_public)
        elsewhere = await _private_channels(session) if no_private_path else []
    if thread_id not in found or channel is None:
        raise NotFound("There is no thread %(id)s.", id=thread_id)
    card = found[thread_id].model_dump(mode="json")
    now = utcnow()
    return {
        "card": card, "caps": caps, "elsewhere": elsewhere,
        "may_escalate": actor.can("thread.escalate"),
        "private_reply": deadline(card["private_reply_until"], now),
        "message_window": deadline(card["message_window_until"], now),
        "window_template": window_template(channel.adapter, channel.config),
    }


async def _panel(request: Request, thread_id: int, status_code: int = 200,
                 **extra: Any) -> Response:
    context = await panel_context(request, thread_id)
    return render(request, "_escalation.html", status_code=status_code, escalation=context,
                  **extra)


async def panel(request: Request) -> Response:
    return await _panel(request, _thread_id(request))


async def _form_action(request: Request, act: Any) -> Response:
    """Run a form's action; htmx gets the panel back (with the error), others a redirect."""
    thread_id = _thread_id(request)
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        target, message = await act(caller(request), thread_id, values)
    except DeskError as error:
        if not is_htmx(request):
            raise
        return await _panel(request, thread_id, status_code=error.status,
                            error=error_text(request, error))
    if not is_htmx(request):
        return RedirectResponse(f"/threads/{target}", status_code=303)
    response = await _panel(request, thread_id, done=message)
    response.headers["HX-Trigger"] = "escalation-changed"
    return response


async def page_take_private(request: Request) -> Response:
    async def act(actor: Actor, thread_id: int, form: dict[str, str]) -> tuple[int, str]:
        done = await do_take_private(
            desk_of(request).db, actor, thread_id, form.get("text", ""),
            holding_reply=form.get("holding_reply") in ("on", "true", "1"),
            language=getattr(request.state, "language", "en"))
        return done.private_thread_id, DONE[f"private:{done.holding_reply}"]

    return await _form_action(request, act)


async def page_back_to_public(request: Request) -> Response:
    async def act(actor: Actor, thread_id: int, form: dict[str, str]) -> tuple[int, str]:
        done = await do_back_to_public(
            desk_of(request).db, actor, thread_id, form.get("text", ""),
            resolve=form.get("resolve") in ("on", "true", "1"))
        return done.public_thread_id, DONE[f"public:{done.outcome}"]

    return await _form_action(request, act)


routes = [
    Route("/api/threads/{thread_id:int}/take-private", api_take_private, methods=["POST"]),
    Route("/api/threads/{thread_id:int}/back-to-public", api_back_to_public, methods=["POST"]),
    Route("/threads/{thread_id:int}/escalation", panel),
    Route("/threads/{thread_id:int}/take-private", page_take_private, methods=["POST"]),
    Route("/threads/{thread_id:int}/back-to-public", page_back_to_public, methods=["POST"]),
]


# -- Socket.IO -------------------------------------------------------------------------


def install_escalation(realtime: Realtime) -> None:
    desk = realtime.desk
    desk.db.after_commit.append(EscalationLinker(desk.db))

    def thread_id(data: dict[str, Any]) -> int:
        value = data.get("thread_id")
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid("%(name)s must be a number.", name="thread_id")
        return value

    async def take_private(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        done = await do_take_private(
            desk.db, actor, thread_id(data), _text(data, "text"),
            holding_reply=_flag(data, "holding_reply", False),
            language=actor.language or desk.settings.default_language)
        return {"escalation": done.as_json()}

    async def back_to_public(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
        done = await do_back_to_public(desk.db, actor, thread_id(data), _text(data, "text"),
                                       resolve=_flag(data, "resolve", True))
        return {"escalation": done.as_json()}

    realtime.add_command("take_private", take_private)
    realtime.add_command("back_to_public", back_to_public)
