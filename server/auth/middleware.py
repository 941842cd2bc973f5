"""Per request: who is calling, in which language, and is a form post really ours (CSRF)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.auth import SESSION_COOKIE, bearer_token, resolve_caller
from server.desk import Desk
from server.i18n import gettext, negotiate
from server.secrets import new_token
from server.settings import Settings

CSRF_COOKIE = "tandem_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Webhooks are authenticated by their own signatures, not by cookies: no caller, no CSRF
# token, no cookie (a network is not a browser, and ingest is the desk's hot path).
WEBHOOKS = "/webhooks/"
# The OpenID provider's back-channel logout is authenticated by its signed logout token.
CSRF_EXEMPT_PREFIXES = ("/login/sso/backchannel-logout",)
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
        if scope["path"].startswith(WEBHOOKS):
            scope.setdefault("state", {}).update(
                actor=None, session=None, language=self.desk.settings.default_language,
                csrf_token="", via_token=False)
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
        session_token = request.cookies.get(SESSION_COOKIE)
        cookie_csrf = request.cookies.get(CSRF_COOKIE) or ""
        if session is not None and session_token:
            # Signed in: the token is the session's own, whatever the tandem_csrf cookie says
            # (an attacker who can plant cookies cannot plant this one).
            csrf = session_csrf(self.desk.settings.signing_key, session_token)
        else:
            # Before sign-in (the sign-in and invitation forms): a double-submit cookie.
            csrf = cookie_csrf or new_token()
        # A post with no token cookie cannot come from a page of ours, before sign-in.
        fresh_csrf = not cookie_csrf and session is None
        send_csrf_cookie = csrf != cookie_csrf
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
            if message["type"] == "http.response.start" and send_csrf_cookie:
                headers = message.setdefault("headers", [])
                # A response that sets its own (the sign-in's new session's) keeps it.
                if not any(k == b"set-cookie" and v.startswith(CSRF_COOKIE.encode() + b"=")
                           for k, v in headers):
                    headers.append((b"set-cookie", csrf_cookie(csrf, self.desk.settings)))
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


def session_csrf(signing_key: str, session_token: str) -> str:
    """The CSRF token of a signed-in session: new with every sign-in, unknown to anyone
    without the session cookie and the desk's key."""
    return hmac.new(signing_key.encode(), b"csrf:" + session_token.encode(),
                    hashlib.sha256).hexdigest()


def csrf_cookie(token: str, settings: Settings) -> bytes:
    """The cookie that hands the page's token to scripts and test clients alike."""
    cookie = f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax"
    if settings.secure_cookies:
        cookie += "; Secure"
    return cookie.encode()


def set_session_cookies(response: Response, settings: Settings, session_token: str) -> None:
    """Sign a browser in: the session cookie and, rotated with it, the session's CSRF token."""
    response.set_cookie(
        SESSION_COOKIE, session_token, max_age=settings.session_days * 86400, httponly=True,
        samesite="lax", secure=settings.secure_cookies,
    )
    csrf = session_csrf(settings.signing_key, session_token)
    response.raw_headers.append((b"set-cookie", csrf_cookie(csrf, settings)))


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


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
