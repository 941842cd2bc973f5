"""Rate limits: per channel for webhooks, per token or session for the API (429, Retry-After).

Counted by the `limits` package: in this process's memory on one process, in Redis when
TANDEM_REDIS_URL is set, so the limits hold across workers. A Redis that does not answer
lets requests through: the limits protect the desk, and must not take it down with Redis.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.auth import bearer_token
from server.errors import N_, Throttled
from server.i18n import gettext
from server.secrets import token_hash
from server.settings import Settings

log = logging.getLogger("tandem.rate_limits")
REDIS_TIMEOUT = 0.5
TOO_MANY = N_("Too many requests. Try again in %(retry_after)d s.")


def make_storage(settings: Settings) -> Storage:
    if settings.redis_url:
        return RedisStorage(
            "async+" + settings.redis_url, implementation="redispy", key_prefix="tandem-limits",
            socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT,
        )
    return MemoryStorage()


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.webhook = _items(settings.webhook_rate_limit)
        self.api = _items(settings.api_rate_limit)
        self.limiter = (
            SlidingWindowCounterRateLimiter(make_storage(settings))
            if self.webhook or self.api else None
        )

    async def retry_after(self, items: list[RateLimitItem], key: str) -> int | None:
        """Count one request under key; seconds to wait if it is one too many, else None."""
        if self.limiter is None:
            return None
        for item in items:
            try:
                if await self.limiter.hit(item, key):
                    continue
                stats = await self.limiter.get_window_stats(item, key)
            except Exception:
                log.warning("rate limits not counted (storage unreachable)", exc_info=True)
                return None
            return max(1, math.ceil(stats.reset_time - time.time()))
        return None


class RateLimitMiddleware:
    """Runs inside CallerMiddleware, which has told who is calling."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limits = RateLimits(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = await self._refusal(scope)
            if refusal is not None:
                await refusal(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _refusal(self, scope: Scope) -> JSONResponse | None:
        path: str = scope["path"]
        if path.startswith("/webhooks/"):
            channel = path.rstrip("/").rsplit("/", 1)[-1]
            wait = await self.limits.retry_after(self.limits.webhook, f"channel:{channel}")
            if wait is None:
                return None
            # The webhook endpoints' own one-line refusals (docs/webhooks.md).
            return JSONResponse({"error": "rate limited, try again later"}, status_code=429,
                                headers={"Retry-After": str(wait)})
        if path.startswith("/api/"):
            request = Request(scope)
            wait = await self.limits.retry_after(self.limits.api, _caller_key(request))
            if wait is None:
                return None
            error = Throttled(TOO_MANY, retry_after=wait)
            language = getattr(request.state, "language", "en")
            return JSONResponse({"error": error.payload(lambda m: gettext(language, m))},
                                status_code=429, headers={"Retry-After": str(wait)})
        return None


def _caller_key(request: Request) -> str:
    """Per token, per browser session, or (signed out) per client address."""
    token = bearer_token(request.headers.get("authorization"))
    if token is not None:
        return "token:" + token_hash(token)
    session: Any = getattr(request.state, "session", None)
    if session is not None:
        return f"session:{session.id}"
    return "address:" + (request.client.host if request.client else "")


def _items(setting: str) -> list[RateLimitItem]:
    return parse_many(setting) if setting else []
