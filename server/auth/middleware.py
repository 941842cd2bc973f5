"""Per request: who is calling, in which language, and is a form post really ours (CSRF)."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth import SESSION_COOKIE, bearer_token, resolve_caller
from server.desk import Desk
from server.i18n import gettext, negotiate
from server.secrets import new_token

CSRF_COOKIE = "tandem_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Webhooks are authenticated by their own signatures, not by cookies.
CSRF_EXEMPT_PREFIXES = ("/webhooks/",)
MAX_FORM = 1024 * 1024


class CallerMiddleware:
    """Resolve the caller once; refuse cross-site form posts with a double-submit token."""

    def __init__(self, app: ASGIApp, desk: Desk) -> None:
        self.app = app
        self.desk = desk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        headers = Headers(scope=scope)
        token = bearer_token(headers.get("authorization"))
        actor, session = await resolve_caller(
            self.desk.db, token=token, session_cookie=request.cookies.get(SESSION_COOKIE)
        )
        language = negotiate(
            headers.get("accept-language"), actor.language if actor else None,
            self.desk.settings.default_language,
        )
        csrf = request.cookies.get(CSRF_COOKIE) or ""
        fresh_csrf = not csrf
        if fresh_csrf:
            csrf = new_token()
        state = scope.setdefault("state", {})
        state.update(actor=actor, session=session, language=language, csrf_token=csrf,
                     via_token=token is not None)

        needs_check = (
            scope["method"] not in SAFE_METHODS
            and token is None
            and not scope["path"].startswith(CSRF_EXEMPT_PREFIXES)
            # An API call with no valid sign-in has no session to forge: it gets the API's
            # 401 unauthenticated rather than a CSRF refusal.
            and not (actor is None and scope["path"].startswith("/api/"))
        )
        if needs_check:
            body, passed = await self._check(headers, receive, csrf, fresh_csrf)
            if not passed:
                message = gettext(language, "The form expired. Reload the page and try again.")
                response: Any = (
                    JSONResponse({"error": {"code": "csrf", "message": message}}, status_code=403)
                    if "json" in headers.get("accept", "") or headers.get(CSRF_HEADER) is not None
                    or "json" in headers.get("content-type", "")
                    else PlainTextResponse(message, status_code=403)
                )
                await response(scope, receive, send)
                return
            receive = _replay(body, receive)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and fresh_csrf:
                cookie = f"{CSRF_COOKIE}={csrf}; Path=/; HttpOnly; SameSite=Lax"
                if self.desk.settings.secure_cookies:
                    cookie += "; Secure"
                message.setdefault("headers", []).append((b"set-cookie", cookie.encode()))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _check(
        self, headers: Headers, receive: Receive, csrf: str, fresh: bool
    ) -> tuple[bytes, bool]:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM:
                return body, False
        if fresh:
            return body, False  # a post without our cookie cannot be ours
        offered = headers.get(CSRF_HEADER)
        if offered is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            values = parse_qs(body.decode("latin-1")).get(CSRF_FIELD)
            offered = values[0] if values else None
        return body, bool(offered) and hmac.compare_digest(offered or "", csrf)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hand the already-read body to the app once, then wait on the real connection."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
