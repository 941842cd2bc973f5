"""REST over the command registry: one route per command that declares a path.

Path parameters become input fields (Starlette's int convertor keeps /api/threads/abc a 404);
GET and DELETE read the rest of the input from the query string, the others from a JSON
object body. Errors leave through the app's DeskError handler as the documented JSON.
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

PARAMETER = re.compile(r"\{(\w+)\}")
QUERY_METHODS = {"GET", "DELETE"}


def starlette_path(command: Command) -> str:
    """The declared path with int convertors for the input's integer fields."""
    assert command.rest is not None
    fields = command.input.model_fields

    def convert(match: re.Match[str]) -> str:
        name = match.group(1)
        annotation = fields[name].annotation
        return f"{{{name}:int}}" if annotation is int else match.group(0)

    return PARAMETER.sub(convert, command.rest.path)


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
            data |= {k: str(v) for k, v in request.path_params.items()}
            answer = await command.serve(call, data, strings=True)
        else:
            data = await json_body(request) | request.path_params
            answer = await command.serve(call, data)
        return JSONResponse(answer, status_code=rest.status)

    handle.__name__ = command.name.replace(".", "_")
    return handle


def routes(registry: Registry) -> list[Route]:
    return [Route(starlette_path(c), endpoint(c), methods=[c.rest.method])
            for c in registry if c.rest is not None]
