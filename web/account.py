"""A person's own account: accepting an invitation link, and the "my settings" page."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.actions import admin as actions
from server.auth.middleware import set_session_cookies
from server.errors import DeskError, Invalid
from server.permissions import Actor
from server.routes.common import desk_of
from web.forms import client_ip, error_text, field, page, signed_in

# Autonyms: a language is named in itself, whatever the page's language.
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}


# -- invitation links ------------------------------------------------------------------


async def invite_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        async with desk_of(request).db.read() as session:
            _, user = await actions.check_invitation(session, token)
    except DeskError as error:
        return page(request, "invite.html", status_code=error.status,
                    fatal=error_text(request, error))
    return page(request, "invite.html", invited=user, entered_name=user.name)


async def accept_invite(request: Request) -> Response:
    token = request.path_params["token"]
    form = await request.form()
    name, password = field(form, "name"), field(form, "password")
    desk = desk_of(request)
    try:
        if password != field(form, "password_again"):
            raise Invalid("The two passwords differ.")
        async with desk.db.write() as tx:
            session_token, _ = await actions.do_accept_invitation(
                tx, desk.settings, token, name=name, password=password
            )
    except DeskError as error:
        async with desk.db.read() as session:
            try:
                _, user = await actions.check_invitation(session, token)
            except DeskError as fatal:
                return page(request, "invite.html", status_code=fatal.status,
                            fatal=error_text(request, fatal))
        return page(request, "invite.html", status_code=error.status, invited=user,
                    entered_name=name, error=error_text(request, error))
    response = RedirectResponse("/", status_code=303)
    set_session_cookies(response, desk.settings, session_token)
    return response


# -- own settings ----------------------------------------------------------------------


def _profile(request: Request, status_code: int = 200, **context: Any) -> Response:
    return page(request, "profile.html", status_code=status_code, languages=LANGUAGE_NAMES,
                saved=request.query_params.get("saved"), **context)


@signed_in
async def profile_page(request: Request, actor: Actor) -> Response:
    return _profile(request)


@signed_in
async def set_language(request: Request, actor: Actor) -> Response:
    form = await request.form()
    language = field(form, "language") or None
    try:
        async with desk_of(request).db.write() as tx:
            await actions.do_set_language(tx, actor, language)
    except DeskError as error:
        return _profile(request, status_code=error.status,
                        language_error=error_text(request, error))
    return RedirectResponse("/profile?saved=language", status_code=303)


@signed_in
async def set_password(request: Request, actor: Actor) -> Response:
    form = await request.form()
    desk = desk_of(request)
    session = getattr(request.state, "session", None)
    new = field(form, "new_password")
    try:
        if new != field(form, "new_password_again"):
            raise Invalid("The two new passwords differ.")
        await actions.change_password(
            desk.db, desk.settings, actor, current=field(form, "current_password"), new=new,
            keep_session_id=session.id if session else None,
            ip=client_ip(request),
        )
    except DeskError as error:
        return _profile(request, status_code=error.status,
                        password_error=error_text(request, error))
    return RedirectResponse("/profile?saved=password", status_code=303)


routes = [
    Route("/invite/{token}", invite_page),
    Route("/invite/{token}", accept_invite, methods=["POST"]),
    Route("/profile", profile_page),
    Route("/profile/language", set_language, methods=["POST"]),
    Route("/profile/password", set_password, methods=["POST"]),
]
