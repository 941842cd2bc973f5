"""create_app(): the one place where the desk is wired together."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from channels.registry import configure as configure_adapters
from channels.sender import start_sender
from realtime.bus import make_bus
from realtime.drafts import install_drafts
from realtime.replies import install_replies
from realtime.server import Realtime
from server.actions.quota import install_quota_ledger
from server.auth.middleware import CallerMiddleware
from server.crypto import SecretBox
from server.db import Database
from server.desk import Desk
from server.errors import DeskError
from server.i18n import gettext
from server.pauses import freeze_startup_objects
from server.routes import admin_api, api, escalation, health, network_webhooks, replies, webhooks
from server.routes.common import error_response
from server.routes.failures import HANDLERS as FAILURE_HANDLERS
from server.settings import Settings
from server.simulation import start_simulator
from server.watching import start_watching
from web import admin, admin_channels, assets, pages, replies_pages
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
    desk.realtime = Realtime(desk)
    install_drafts(desk.realtime)
    install_replies(desk.realtime)
    escalation.install_escalation(desk.realtime)
    configure_adapters({
        "meta_graph_url": settings.meta_graph_url, "x_api_url": settings.x_api_url,
        "telegram_api_url": settings.telegram_api_url,
        "youtube_api_url": settings.youtube_api_url,
    })
    install_quota_ledger(db)
    background: list[Starter] = [start_sender, start_watching, *(starters or [])]
    if settings.simulator_rate > 0:
        background.append(start_simulator)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await desk.realtime.start()  # type: ignore[union-attr]
        stops = [await start(desk) for start in background]
        freeze_startup_objects()
        try:
            yield
        finally:
            for stop in reversed(stops):
                await stop()
            await desk.realtime.stop()  # type: ignore[union-attr]
            await db.dispose()

    async def desk_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DeskError)
        if request.url.path.startswith("/api/") or getattr(request.state, "via_token", False):
            return error_response(request, exc)
        message = gettext(getattr(request.state, "language", "en"), exc.message)
        if exc.params:
            message = message % exc.params
        return render(request, "error.html", status_code=exc.status, message=message)

    app = Starlette(
        routes=[
            *health.routes,
            *api.routes,
            *admin_api.routes,
            *webhooks.routes,
            *network_webhooks.routes,
            *escalation.routes,
            *replies.routes,
            *replies_pages.routes,
            *pages.routes,
            *admin.routes,
            *admin_channels.routes,
            *assets.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={**FAILURE_HANDLERS, DeskError: desk_error},
    )
    app.add_middleware(CallerMiddleware, desk=desk)
    app.state.desk = desk
    app.state.templates = make_templates(settings.assets)
    # Socket.IO answers under /socket.io/ on the same port; everything else is Starlette.
    return socketio.ASGIApp(desk.realtime.sio, other_asgi_app=app)
