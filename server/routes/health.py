"""Liveness and readiness, for load balancers and orchestrators."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.routes.common import desk_of


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    desk = desk_of(request)
    problems = {}
    try:
        await desk.db.ping()
    except Exception as exc:
        problems["database"] = type(exc).__name__
    if desk.settings.redis_url:
        try:
            await desk.bus.ping()
        except Exception as exc:
            problems["redis"] = type(exc).__name__
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready"})


routes = [Route("/healthz", healthz), Route("/readyz", readyz)]
