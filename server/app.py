"""create_app(): the one place where the desk is wired together."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import socketio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from channels.registry import NetworkUrls, build_adapters
from realtime.bus import make_bus
from realtime.drafts import install_drafts
from realtime.server import Realtime
from server.actions.channels import ChannelCache
from server.actions.claims import ClaimCoalescer
from server.actions.escalation_links import EscalationLinker
from server.actions.ingest import IngestWriter
from server.actions.post_comments import PostComments
from server.actions.quota import DatabaseQuota
from server.actions.routing import Routing
from server.actions.service_levels import ServiceLevels
from server.auth.middleware import CallerMiddleware
from server.auth.oidc import SignOn
from server.bus import Bus
from server.commands import Registry, desk_commands
from server.crypto import SecretBox
from server.db import Database
from server.desk import Desk
from server.errors import N_, DeskError, MethodNotAllowed, NotFound
from server.i18n import gettext
from server.incidents.step import IncidentGrouping
from server.metrics import (
    LatencyMiddleware,
    events_committed,
    process_ended,
    process_started,
)
from server.pauses import freeze_startup_objects
from server.rate_limits import RateLimitMiddleware
from server.request_ids import RequestIdMiddleware
from server.routes import commands, documents, health, metrics, network_webhooks, webhooks
from server.routes.common import error_response
from server.routes.failures import HANDLERS as FAILURE_HANDLERS
from server.security_headers import SecurityHeadersMiddleware
from server.services import Service, Services
from server.services.claims_keeper import ClaimKeeper
from server.services.closer import ThreadCloser
from server.services.hooks import HookSender
from server.services.listening import ListeningService
from server.services.presence import PresenceKeeper
from server.services.publishing import PublishService
from server.services.sender import OutboxSender
from server.services.simulation import SimulatorService
from server.services.sla_timer import SlaTimer
from server.services.warm_up import ReadingWarmUp
from server.services.watching import WatchService
from server.settings import Settings
from server.warroom.service import KpiService
from web import (
    admin,
    admin_attributes,
    admin_channels,
    assets,
    audit_pages,
    customer_pages,
    escalation_panel,
    pages,
    publishing_page,
    replies_pages,
    report_pages,
    sso,
)
from web.templating import make_templates, render

log = logging.getLogger("tandem")
STATIC = Path(__file__).resolve().parent.parent / "web" / "static"


def build_desk(settings: Settings, bus: Bus) -> Desk:
    """The desk's parts that hold per-process state, each made once for this app."""
    db = Database(settings.database)
    box = SecretBox(settings.signing_key)
    channels = ChannelCache(db, box)
    urls = NetworkUrls(meta_graph=settings.meta_graph_url, x_api=settings.x_api_url,
                       telegram_api=settings.telegram_api_url,
                       youtube_api=settings.youtube_api_url)
    return Desk(
        settings=settings, db=db, bus=bus, box=box,
        adapters=build_adapters(urls, quota=DatabaseQuota(db)), channels=channels,
        ingest=IngestWriter(db, settings, channels,
                            steps=[PostComments(), IncidentGrouping(), Routing(),
                                   ServiceLevels(settings)]),
        claims=ClaimCoalescer(db),
    )


def create_app(settings: Settings | None = None) -> Any:
    settings = settings or Settings()
    desk = build_desk(settings, make_bus(settings.redis_url))
    db = desk.db
    realtime = Realtime(desk)
    desk.live = realtime
    drafts = install_drafts(realtime)
    # Every command once: REST routes, socket commands and the pages' forms all serve these.
    registry = desk.commands = Registry()
    registry.add(*desk_commands(), *realtime.commands(), *drafts.commands())
    realtime.serve_commands(registry)

    # The long-running services, started in this order after the realtime side.
    sender = OutboxSender(desk)
    keeper = ClaimKeeper(db, settings.claim_grace_seconds, realtime.connected_users)
    realtime.on_user_left(keeper.holder_left)  # the holder's grace period starts
    hooks = HookSender(desk)
    figures = KpiService(db, settings, realtime.sio, realtime.connected_users, realtime.online)
    listed: list[Service] = [ReadingWarmUp(), keeper, sender, WatchService(desk),
                             ThreadCloser(db, settings.close_after_days), ListeningService(desk),
                             hooks,
                             PresenceKeeper(db, settings.away_after_minutes,
                                            realtime.connected_users),
                             SlaTimer(db), figures, PublishService(desk)]
    if settings.simulator_rate > 0:
        listed.append(SimulatorService(desk))
    services = desk.services = Services(listed)

    # Who hears of every committed transaction's events, in this order.
    db.after_commit.extend([
        EscalationLinker(db),  # a private message sent in an escalation: link its threads
        realtime.committed,  # boards: fan the events out, here and through the bus
        sender.committed,  # an outgoing message: the sender looks now, not at its next poll
        events_committed,  # /metrics: events per second
        hooks.committed,  # outgoing webhooks: deliveries of what just committed
    ])

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await realtime.start()
        await services.start()
        freeze_startup_objects()
        process_started()
        try:
            yield
        finally:
            await services.stop()
            await realtime.stop()
            await db.dispose()
            process_ended()

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
            # The networks' webhooks first: Starlette tries routes in order, and they are
            # most of the requests at crisis rates (the API's routes are a hundred patterns).
            *webhooks.routes,
            *network_webhooks.routes,
            *health.routes,
            *metrics.routes,
            *documents.routes(registry),
            *commands.routes(registry),
            *escalation_panel.routes,
            *replies_pages.routes,
            *sso.routes(desk),
            *publishing_page.routes,
            *pages.routes,
            *admin.routes,
            *admin_channels.routes,
            *admin_attributes.routes,
            *customer_pages.routes,
            *audit_pages.routes,
            *report_pages.routes,
            *assets.routes,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={**FAILURE_HANDLERS, DeskError: desk_error, HTTPException: http_error},
    )
    # The last added runs first: the caller is known before the rate limits count it.
    app.add_middleware(RateLimitMiddleware, settings=settings)
    app.add_middleware(CallerMiddleware, desk=desk)
    app.add_middleware(SecurityHeadersMiddleware, settings=settings)
    app.add_middleware(LatencyMiddleware)  # the whole time a request takes
    app.add_middleware(RequestIdMiddleware)  # outermost: everything below logs with the id
    app.state.desk = desk
    app.state.sign_on = SignOn(settings, db) if settings.oidc_issuer else None
    app.state.templates = make_templates(settings.assets)
    # Socket.IO answers under /socket.io/ on the same port; everything else is Starlette.
    return socketio.ASGIApp(realtime.sio, other_asgi_app=app)
