"""The sign-on pages: off to the OpenID provider and back, and its back-channel logout.

GET /login/sso/start sends the browser to the provider (authorization code, PKCE, nonce);
GET /login/sso/callback takes the code back and signs the person in; POST
/login/sso/backchannel-logout is the provider ending a session of its own accord. The flow's
state waits in the database; the browser's short-lived `tandem_sso` cookie holds only its
marker (Starlette's session cookie is signed, not encrypted).
"""

from __future__ import annotations

import logging

from authlib.integrations.base_client.errors import OAuthError
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from server.actions.sign_on import Replayed, do_backchannel_logout, do_sign_on
from server.auth.middleware import set_session_cookies
from server.auth.oidc import InvalidLogoutToken, SignOn, map_claims
from server.desk import Desk
from server.errors import N_, DeskError, Unauthenticated
from server.routes.common import desk_of
from web.forms import error_text
from web.templating import render

log = logging.getLogger("tandem.sign_on")
FAILED = N_("Signing in with single sign-on failed. Try again.")
STATE_COOKIE = "tandem_sso"


def sign_on_of(request: Request) -> SignOn:
    return request.app.state.sign_on


async def start(request: Request) -> Response:
    desk = desk_of(request)
    callback = desk.settings.base_url.rstrip("/") + "/login/sso/callback"
    return await sign_on_of(request).client.authorize_redirect(request, callback)


async def callback(request: Request) -> Response:
    desk = desk_of(request)
    try:
        token = await sign_on_of(request).client.authorize_access_token(request)
    except OAuthError as error:
        log.warning("sign-on refused: %s", error)
        return _refused(request, Unauthenticated(FAILED))
    claims = dict(token.get("userinfo") or {})
    mapped = map_claims(claims, desk.settings)
    ip = request.client.host if request.client else ""
    try:
        session_token, _ = await do_sign_on(
            desk.db, desk.settings, mapped, id_token=token.get("id_token"),
            sid=claims.get("sid"), ip=ip)
    except DeskError as error:
        return _refused(request, error)
    response = RedirectResponse("/", status_code=303)
    set_session_cookies(response, desk.settings, session_token)
    return response


def _refused(request: Request, error: DeskError) -> Response:
    return render(request, "login.html", status_code=error.status,
                  error=error_text(request, error), next="/")


async def backchannel_logout(request: Request) -> Response:
    desk = desk_of(request)
    form = await request.form()
    logout_token = form.get("logout_token")
    headers = {"Cache-Control": "no-store"}
    if not isinstance(logout_token, str) or not logout_token:
        return _logout_refused("logout_token is missing", headers)
    try:
        claims = await sign_on_of(request).logout_claims(logout_token)
        ended = await do_backchannel_logout(desk.db, claims)
    except InvalidLogoutToken as error:
        return _logout_refused(str(error), headers)
    except Replayed:
        return _logout_refused("this logout token was used before", headers)
    for user_id in ended:
        await desk.live.sign_out(user_id)  # their open boards close too
    return Response(status_code=200, headers=headers)


def _logout_refused(reason: str, headers: dict[str, str]) -> Response:
    log.warning("back-channel logout refused: %s", reason)
    return JSONResponse({"error": "invalid_request", "error_description": reason},
                        status_code=400, headers=headers)


async def end_session_url(request: Request, id_token: str | None) -> str | None:
    """Where the browser goes to sign out at the provider too (RP-initiated logout)."""
    sign_on: SignOn | None = getattr(request.app.state, "sign_on", None)
    if sign_on is None or not id_token:
        return None
    if not (await sign_on.metadata()).get("end_session_endpoint"):
        return None
    back = desk_of(request).settings.base_url.rstrip("/") + "/login"
    made = await sign_on.client.create_logout_url(
        post_logout_redirect_uri=back, id_token_hint=id_token,
        client_id=desk_of(request).settings.oidc_client_id)
    return str(made["url"])


def routes(desk: Desk) -> list[BaseRoute]:
    settings = desk.settings
    if not settings.oidc_issuer:
        return []
    return [Mount("/login/sso", routes=[
        Route("/start", start),
        Route("/callback", callback),
        Route("/backchannel-logout", backchannel_logout, methods=["POST"]),
    ], middleware=[Middleware(
        SessionMiddleware, secret_key=settings.signing_key, session_cookie=STATE_COOKIE,
        path="/login/sso", max_age=900, same_site="lax", https_only=settings.secure_cookies,
    )])]
