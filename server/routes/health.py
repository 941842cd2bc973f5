"""Liveness and readiness, for load balancers and orchestrators.

/readyz answers 503 only when this process cannot serve: its database is gone. Without
Redis the desk still takes webhooks and serves boards (processes then hear of each
other's events by polling), so it answers 200 "degraded" and names the problem: a load
balancer must not take the whole desk offline because the bus is down.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.routes.common import desk_of

# Each check gives up after this long, so /readyz answers quickly even when a part hangs.
CHECK_TIMEOUT = 1.5


async def healthz(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def _problem(check: asyncio.Future[None] | asyncio.Task[None]) -> str | None:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            await check
    except TimeoutError:
        return "timeout"
    except Exception as exc:
        return type(exc).__name__
    return None


async def readyz(request: Request) -> JSONResponse:
    desk = desk_of(request)
    checks = {"database": asyncio.ensure_future(desk.db.ping())}
    if desk.settings.redis_url:
        checks["redis"] = asyncio.ensure_future(desk.bus.ping())
    found = await asyncio.gather(*(_problem(c) for c in checks.values()))
    problems = {name: problem for name, problem in zip(checks, found, strict=True) if problem}
    if "database" in problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    if problems:
        return JSONResponse({"status": "degraded", "problems": problems})
    return JSONResponse({"status": "ready"})


routes = [Route("/healthz", healthz), Route("/readyz", readyz)]
