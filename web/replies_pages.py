"""Pages of answering: the approvals queue and the reply templates."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.actions.reply_policy import approval_policy, crisis_state
from server.i18n import LANGUAGES
from server.queries.replies import approvals_queue
from server.queries.templates import VARIABLES, search_templates
from server.routes.common import desk_of
from web.templating import render


def _me(request: Request) -> dict[str, object]:
    actor = request.state.actor
    return {"id": actor.id, "name": actor.name, "permissions": sorted(actor.permissions)}


def _to_login(request: Request) -> RedirectResponse:
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def approvals_page(request: Request) -> Response:
    if getattr(request.state, "actor", None) is None:
        return _to_login(request)
    desk = desk_of(request)
    # The seq is read before the queue: a replayed event can repeat, never be missed.
    request.state.actor.require("reply.approve")
    seq = desk.live.stream_position()
    queue = await approvals_queue(desk.db)
    async with desk.db.read() as session:
        crisis = await crisis_state(session)
        policy = await approval_policy(session)
    data = {"seq": seq, "me": _me(request), "approvals": [a.model_dump(mode="json") for a in queue],
            "crisis": crisis.as_json(), "policy": policy,
            "online": sorted(await desk.live.online())}
    return render(request, "approvals.html", approvals_data=data, approvals=queue, crisis=crisis)


async def templates_page(request: Request) -> Response:
    if getattr(request.state, "actor", None) is None:
        return _to_login(request)
    desk = desk_of(request)
    request.state.actor.require("thread.view")
    found = await search_templates(desk.db, limit=1000)
    data = {"me": _me(request), "templates": found, "languages": list(LANGUAGES),
            "variables": list(VARIABLES)}
    return render(request, "templates.html", templates_data=data, templates=found,
                  languages=LANGUAGES, variables=VARIABLES)


routes = [
    Route("/approvals", approvals_page),
    Route("/templates", templates_page),
]
