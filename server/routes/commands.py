"""REST over the command registry: one route per command that declares a path.

Path parameters become input fields, read like query values (so /api/threads/abc is a 400
naming thread_id, not an unmatched route); GET and DELETE read the rest of the input from
the query string, the others from a JSON object body. Errors leave through the app's
DeskError handler as the documented JSON.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.commands.registry import Call, Command, Registry
from server.routes.common import caller, desk_of, json_body

QUERY_METHODS = {"GET", "DELETE"}
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,30}")


def _path_values(params: dict[str, str]) -> dict[str, object]:
    """Path segments that are whole numbers as ints (the model bounds them); anything else
    stays text, which a number field refuses with its name."""
    return {k: int(v) if WHOLE_NUMBER.fullmatch(v) else v for k, v in params.items()}


def endpoint(command: Command) -> Callable[[Request], Awaitable[JSONResponse]]:
    assert command.rest is not None
    rest = command.rest

    async def handle(request: Request) -> JSONResponse:
        actor = caller(request)
        call = Call(desk=desk_of(request), actor=actor,
                    language=getattr(request.state, "language", "en"), transport="rest")
        data: dict[str, Any]
        if rest.method in QUERY_METHODS:
            # An empty query value means "not given", as it does in a form.
            data = {k: v for k, v in request.query_params.items() if v != ""}
            answer = await command.serve(call, data | request.path_params, strings=True)
        else:
            data = await json_body(request) | _path_values(request.path_params)
            answer = await command.serve(call, data)
        return JSONResponse(answer, status_code=rest.status)

    handle.__name__ = command.name.replace(".", "_")
    return handle


def routes(registry: Registry) -> list[Route]:
    return [Route(c.rest.path, endpoint(c), methods=[c.rest.method])
            for c in registry if c.rest is not None]
