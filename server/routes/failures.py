"""How the desk answers when a request fails outside the actions' own errors.

Every failure has the documented shape: `{"error": {"code", "message"}}` for API callers,
`{"error": "message"}` on the webhooks (docs/webhooks.md), the error page for a browser
asking for a page:

- the database unreachable (PostgreSQL stopped or restarting, a dropped connection): 503
  `unavailable` with `Retry-After`, so networks that retry only on 503/429 send again;
- anything else: 500 `internal`, with `Connection: close`, because the server closes a
  kept-alive connection after an unhandled error and the sender must not wait on it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from web.templating import render

log = logging.getLogger("tandem.failures")

RETRY_AFTER_SECONDS = 5
# Paths whose callers are programs: they get JSON whatever they accept.
WEBHOOKS = "/webhooks/"
MACHINE_PREFIXES = ("/api/", WEBHOOKS, "/healthz", "/readyz")


def database_unreachable(exc: BaseException) -> bool:
    """Whether an error means the database cannot be reached now (not a bad statement)."""
    seen: BaseException | None = exc
    for _ in range(5):  # the driver's error may sit under SQLAlchemy's or a task's
        if seen is None:
            return False
        if isinstance(seen, OperationalError | InterfaceError | OSError):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        if type(seen).__module__.startswith("asyncpg") and (
            "Connection" in type(seen).__name__ or "CannotConnect" in type(seen).__name__
            or "Shutdown" in type(seen).__name__
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _wants_page(request: Request) -> bool:
    return (not request.url.path.startswith(MACHINE_PREFIXES)
            and "text/html" in request.headers.get("accept", ""))


def _answer(request: Request, status: int, code: str, message: str,
            headers: Mapping[str, str] | None = None) -> Response:
    if _wants_page(request):
        page = render(request, "error.html", status_code=status, message=message)
        page.headers.update(headers or {})
        return page
    body: dict[str, Any] = (
        {"error": message} if request.url.path.startswith(WEBHOOKS)
        else {"error": {"code": code, "message": message}})
    return JSONResponse(body, status_code=status, headers=headers)


def unavailable(request: Request, close: bool = False) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if close:
        headers["Connection"] = "close"
    return _answer(request, 503, "unavailable", "The desk cannot reach its database right "
                   "now; try again in a few seconds.", headers=headers)


async def database_error(request: Request, exc: Exception) -> Response:
    """Driver and SQLAlchemy errors raised inside a route: 503 when the database is gone."""
    if not database_unreachable(exc):
        raise exc
    log.warning("database unreachable during %s %s: %r", request.method, request.url.path, exc)
    return unavailable(request)


async def server_error(request: Request, exc: Exception) -> Response:
    """The last resort (Starlette's ServerErrorMiddleware): the connection closes after it."""
    if database_unreachable(exc):
        return unavailable(request, close=True)
    return _answer(request, 500, "internal", "Something went wrong on the desk; it has been "
                   "logged.", headers={"Connection": "close"})


# Registered in create_app() (which answers Starlette's own 404/405 itself); the
# `Exception` entry is Starlette's outermost handler.
HANDLERS: dict[Any, Any] = {
    OperationalError: database_error,
    InterfaceError: database_error,
    DBAPIError: database_error,
    OSError: database_error,  # the driver's own (refused, reset, timed out)
    Exception: server_error,
}
