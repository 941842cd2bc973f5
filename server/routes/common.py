"""What every HTTP handler shares: the caller, the desk, JSON errors."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from server.desk import Desk
from server.errors import DeskError, Invalid, Unauthenticated
from server.i18n import gettext
from server.permissions import Actor

MAX_JSON = 256 * 1024


def desk_of(request: Request) -> Desk:
    return request.app.state.desk


def caller(request: Request) -> Actor:
    actor = getattr(request.state, "actor", None)
    if actor is None:
        raise Unauthenticated()
    return actor


def error_response(request: Request, error: DeskError) -> JSONResponse:
    language = getattr(request.state, "language", "en")
    return JSONResponse(
        {"error": error.payload(lambda m: gettext(language, m))}, status_code=error.status
    )


async def json_body(request: Request) -> dict[str, Any]:
    body = await request.body()
    if len(body) > MAX_JSON:
        raise Invalid("The request body is too large.")
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise Invalid("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise Invalid("The request body must be a JSON object.")
    return data
