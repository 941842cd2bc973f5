"""The request id: one per HTTP request or socket command, carried into its logs and audit.

An HTTP caller may send X-Request-ID (a proxy's or a client's own id); the desk keeps it if
it is a sane token and makes one otherwise, and answers with it in X-Request-ID. A socket
command may name one as `request_id` in its object. The id lives in a context variable, so
every log line and audit row written while the request is served carries it (tasks started
meanwhile inherit it: a reply the sender sends because of a request logs that request's id).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_RAW_HEADER = HEADER.lower().encode("latin-1")
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,64}")

request_id: ContextVar[str | None] = ContextVar("tandem_request_id", default=None)
log = logging.getLogger("tandem.http")


def accepted(given: object) -> str:
    """The caller's id if it is a plain token of up to 64 characters, else a new one."""
    if isinstance(given, str) and _SANE.fullmatch(given):
        return given
    return uuid.uuid4().hex


def current() -> str | None:
    return request_id.get()


class RequestIdFilter(logging.Filter):
    """Puts the request id (or None outside a request) on every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class RequestIdMiddleware:
    """Sets the id for the request, answers with it, and logs one line per request (the
    access log: uvicorn's own line is written outside the request and cannot know the id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The raw pairs, not starlette's Headers: this runs for every webhook.
        given = next((v for k, v in scope["headers"] if k == _RAW_HEADER), None)
        rid = accepted(given.decode("latin-1") if given is not None else None)
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: the response object may be sent again.
                message["headers"] = [*(pair for pair in message.get("headers", ())
                                        if pair[0].lower() != _RAW_HEADER),
                                      (_RAW_HEADER, rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if log.isEnabledFor(logging.INFO):  # webhooks at crisis rates: skip the work
                log.info("%s %s %s", scope["method"], scope["path"], status, extra={
                    "method": scope["method"], "path": scope["path"], "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                })
            request_id.reset(token)
