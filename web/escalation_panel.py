"""The thread page's escalation panel (htmx): the windows, and the forms that take a
thread private and back, which run the same commands as REST and Socket.IO."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.actions.escalation import capabilities_of, holding_texts
from server.actions.windows import aware, window_template
from server.errors import N_, DeskError, NotFound
from server.models import Channel, Contact, Thread, utcnow
from server.queries.cards import cards_by_id
from server.routes.common import caller, desk_of
from web.forms import error_text, is_htmx, path_id, run_command
from web.templating import render

# What the panel says after an action (translated in the template).
DONE = {
    "private:none": N_("The private message is on its way."),
    "private:queued": N_("The private message and the public holding reply are on their way."),
    "private:pending_approval": N_("The private message is on its way; the public holding reply "
                                   "waits for approval."),
    "public:queued": N_("The public follow-up is on its way."),
    "public:pending_approval": N_("The public follow-up waits for approval."),
}


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
        if thread_id not in found or channel is None or thread is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        holding = None
        if thread.visibility == "public" and not thread.private_thread_id:
            contact = await session.get(Contact, thread.contact_id)
            assert contact is not None
            language, texts = await holding_texts(session, actor, thread, contact,
                                                  desk_of(request).settings.default_language)
            holding = {"language": language, "texts": texts}
    card = found[thread_id].model_dump(mode="json")
    holder = card["holder"]
    now = utcnow()
    return {
        "card": card, "caps": caps, "elsewhere": elsewhere, "holding": holding,
        "may_escalate": actor.can("thread.escalate"),
        # The server refuses anyway; the panel says so before anyone types.
        "held_by": holder["name"] if holder and holder["id"] != actor.id else None,
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
    return await _panel(request, path_id(request, "thread_id"))


def _checked(form: dict[str, str], name: str) -> bool:
    return form.get(name) in ("on", "true", "1")


async def _form_action(request: Request, command: str) -> Response:
    """Run a form's command; htmx gets the panel back (with the error), others a redirect."""
    thread_id = path_id(request, "thread_id")
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    data: dict[str, Any] = {"thread_id": thread_id, "text": values.get("text", "")}
    if command == "take_private":
        data["holding_reply"] = _checked(values, "holding_reply")
        if data["holding_reply"] and values.get("holding_text", "").strip():
            data["holding_text"] = values["holding_text"]
    else:
        data["resolve"] = _checked(values, "resolve")
    try:
        done = await run_command(request, command, data)
    except DeskError as error:
        if not is_htmx(request):
            raise
        # The panel comes back with the refusal and with what the person typed.
        return await _panel(request, thread_id, status_code=error.status,
                            error=error_text(request, error), typed=values)
    if command == "take_private":
        target, message = done["private_thread_id"], DONE[f"private:{done['holding_reply']}"]
    else:
        target, message = done["public_thread_id"], DONE[f"public:{done['outcome']}"]
    if not is_htmx(request):
        return RedirectResponse(f"/threads/{target}", status_code=303)
    response = await _panel(request, thread_id, done=message)
    response.headers["HX-Trigger"] = "escalation-changed"
    return response


async def page_take_private(request: Request) -> Response:
    return await _form_action(request, "take_private")


async def page_back_to_public(request: Request) -> Response:
    return await _form_action(request, "back_to_public")


routes = [
    Route("/threads/{thread_id:int}/escalation", panel),
    Route("/threads/{thread_id:int}/take-private", page_take_private, methods=["POST"]),
    Route("/threads/{thread_id:int}/back-to-public", page_back_to_public, methods=["POST"]),
]
