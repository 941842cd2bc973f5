"""create_app(): the one place where the desk is wired together."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from channels.registry import configure as configure_adapters
from channels.sender import start_sender
from realtime.bus import make_bus
from realtime.drafts import install_drafts
from realtime.server import Realtime
from server.actions.escalation_links import EscalationLinker
from server.actions.quota import install_quota_ledger
from server.auth.middleware import CallerMiddleware
from server.commands import Registry, desk_commands
from server.crypto import SecretBox
from server.db import Database
from server.desk import Desk
from server.errors import N_, DeskError, MethodNotAllowed, NotFound
from server.i18n import gettext
from server.pauses import freeze_startup_objects
from server.reading import start_warming
from server.routes import commands, documents, health, network_webhooks, webhooks
from server.routes.common import error_response
from server.routes.failures import HANDLERS as FAILURE_HANDLERS
from server.settings import Settings
from server.simulation import start_simulator
from server.watching import start_watching
from web import admin, admin_channels, assets, escalation_panel, pages, replies_pages
from web.templating import make_templates, render

log = logging.getLogger("tandem")
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"

# Background work started with the app (the simulator, the outbox sender, ...).
Starter = Callable[[Desk], Awaitable[Callable[[], Awaitable[None]]]]


def create_app(settings: Settings | None = None, starters: list[Starter] | None = None) -> Any:
    settings = settings or Settings()
    db = Database(settings.database)
    desk = Desk(
        settings=settings, db=db, bus=make_bus(settings.redis_url),
        box=SecretBox(settings.signing_key),
    )
    realtime = Realtime(desk)
    desk.live = realtime
    drafts = install_drafts(realtime)
    # Every command once: REST routes, socket commands and the pages' forms all serve these.
    registry = desk.commands = Registry()
    registry.add(*desk_commands(), *realtime.commands(), *drafts.commands())
    realtime.serve_commands(registry)
    db.after_commit.append(EscalationLinker(db))
    configure_adapters({
        "meta_graph_url": settings.meta_graph_url, "x_api_url": settings.x_api_url,
        "telegram_api_url": settings.telegram_api_url,
        "youtube_api_url": settings.youtube_api_url,
    })
    install_quota_ledger(db)
    background: list[Starter] = [start_sender, start_watching, start_warming,
                                 *(starters or [])]
    if settings.simulator_rate > 0:
        background.append(start_simulator)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await realtime.start()
        stops = [await start(desk) for start in background]
        freeze_startup_objects()
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()
            await realtime.stop()
            await db.dispose()

    async def desk_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DeskError)
        if request.url.path.startswith("/api/") or getattr(request.state, "via_token", False):
            return error_response(request, exc)
        message = gettext(getattr(request.state, "language", "en"), exc.message)
        if exc.params:
            message = message % exc.params
        return render(request, "error.html", status_code=exc.status, message=message)

    async def http_error(request: Request, exc: Exception) -> Response:
        """Starlette's own refusals (no such route, wrong method) in the documented shapes."""
        assert isinstance(exc, HTTPException)
        path = request.url.path
        if path.startswith("/webhooks/"):
            return JSONResponse({"error": exc.detail.lower()}, status_code=exc.status_code)
        if path.startswith("/api/") or getattr(request.state, "via_token", False):
            refusal: DeskError = NotFound(N_("There is nothing at %(path)s."), path=path)
            if exc.status_code == 405:
                refusal = MethodNotAllowed(N_("%(method)s is not allowed here."),
                                           method=request.method)
            return error_response(request, refusal)
        return PlainTextResponse(exc.detail, status_code=exc.status_code)

    app = Starlette(
        routes=[
            *health.routes,
            *documents.routes(registry),
            *commands.routes(registry),
            *webhooks.routes,
            *network_webhooks.routes,
            *escalation_panel.routes,
            *replies_pages.routes,
            *pages.routes,
            *admin.routes,
            *admin_channels.routes,
            *assets.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={**FAILURE_HANDLERS, DeskError: desk_error, HTTPException: http_error},
    )
    app.add_middleware(CallerMiddleware, desk=desk)
    app.state.desk = desk
    app.state.templates = make_templates(settings.assets)
    # Socket.IO answers under /socket.io/ on the same port; everything else is Starlette.
    return socketio.ASGIApp(realtime.sio, other_asgi_app=app)
