"""Admin pages: users (invite, role, deactivate) and roles (their permissions).

Forms work without JavaScript (post, then redirect); with htmx the same endpoints answer
with the fragment that changed. Errors keep their HTTP status either way (the admin pages
tell htmx to swap 4xx answers too, so the message shows where the form is).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.actions import admin as actions
from server.desk import Desk
from server.errors import DeskError
from server.i18n import gettext
from server.permissions import PERMISSIONS, Actor
from server.routes.common import desk_of
from web import account
from web.forms import error_text, field, guard, is_htmx, page, path_id

admin_only = guard(actions.ADMIN_PERMISSION)


def _invite_link(desk: Desk, token: str) -> str:
    return f"{desk.settings.base_url.rstrip('/')}/invite/{token}"


# -- users -----------------------------------------------------------------------------


async def _users_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    async with desk_of(request).db.read() as session:
        users = await actions.users_overview(session)
        roles = await actions.roles_overview(session)
    template = "admin/_users_panel.html" if is_htmx(request) else "admin/users.html"
    return page(request, template, status_code=status_code, users=users,
                roles=[r.name for r in roles], **context)


@admin_only
async def users_page(request: Request, actor: Actor) -> Response:
    return await _users_page(request)


@admin_only
async def invite(request: Request, actor: Actor) -> Response:
    form = await request.form()
    entered = {k: field(form, k) for k in ("email", "name", "role")}
    desk = desk_of(request)
    try:
        async with desk.db.write() as tx:
            invited = await actions.do_invite(tx, actor, **entered)
    except DeskError as error:
        return await _users_page(request, status_code=error.status, entered=entered,
                                 invite_error=error_text(request, error))
    return await _users_page(request, status_code=201, invited=invited.user,
                             invite_link=_invite_link(desk, invited.token))


@admin_only
async def renew_invitation(request: Request, actor: Actor) -> Response:
    desk = desk_of(request)
    try:
        async with desk.db.write() as tx:
            invited = await actions.do_renew_invitation(tx, actor, path_id(request, "user_id"))
    except DeskError as error:
        return await _users_page(request, status_code=error.status,
                                 invite_error=error_text(request, error))
    return await _users_page(request, status_code=201, invited=invited.user,
                             invite_link=_invite_link(desk, invited.token))


async def _row_answer(request: Request, user_id: int, error: DeskError | None) -> Response:
    if not is_htmx(request):
        if error is not None:
            raise error
        return RedirectResponse("/admin/users", status_code=303)
    async with desk_of(request).db.read() as session:
        rows = await actions.users_overview(session, user_id)
        roles = await actions.roles_overview(session)
    if not rows:
        return page(request, "admin/_alert.html", status_code=404,
                    message=error_text(request, error) if error else "")
    return page(request, "admin/_user_row.html", status_code=error.status if error else 200,
                user=rows[0], roles=[r.name for r in roles],
                row_error=error_text(request, error) if error else None)


@admin_only
async def set_role(request: Request, actor: Actor) -> Response:
    form = await request.form()
    user_id = path_id(request, "user_id")
    desk = desk_of(request)
    try:
        async with desk.db.write() as tx:
            await actions.do_set_user_role(tx, actor, user_id, field(form, "role"))
    except DeskError as error:
        return await _row_answer(request, user_id, error)
    await desk.live.refresh_people([user_id])
    return await _row_answer(request, user_id, None)


@admin_only
async def set_active(request: Request, actor: Actor) -> Response:
    form = await request.form()
    user_id = path_id(request, "user_id")
    active = field(form, "active") == "1"
    desk = desk_of(request)
    try:
        async with desk.db.write() as tx:
            await actions.do_set_active(tx, actor, user_id, active)
    except DeskError as error:
        return await _row_answer(request, user_id, error)
    if not active:
        await desk.live.sign_out(user_id)
    return await _row_answer(request, user_id, None)


# -- roles -----------------------------------------------------------------------------


def _permission_labels(request: Request) -> dict[str, str]:
    return {name: gettext(request.state.language, text) for name, text in PERMISSIONS.items()}


async def _roles_page(request: Request, status_code: int = 200, **context: Any) -> Response:
    async with desk_of(request).db.read() as session:
        roles = await actions.roles_overview(session)
    template = "admin/_roles_panel.html" if is_htmx(request) else "admin/roles.html"
    return page(request, template, status_code=status_code, roles=roles,
                permissions=_permission_labels(request), **context)


@admin_only
async def roles_page(request: Request, actor: Actor) -> Response:
    return await _roles_page(request)


@admin_only
async def create_role(request: Request, actor: Actor) -> Response:
    form = await request.form()
    try:
        async with desk_of(request).db.write() as tx:
            role = await actions.do_create_role(tx, actor, field(form, "name"))
    except DeskError as error:
        return await _roles_page(request, status_code=error.status, new_name=field(form, "name"),
                                 create_error=error_text(request, error))
    if not is_htmx(request):
        return RedirectResponse(f"/admin/roles#role-{role.id}", status_code=303)
    return await _roles_page(request, status_code=201, created=role.id)


@admin_only
async def save_role(request: Request, actor: Actor) -> Response:
    form = await request.form()
    role_id = path_id(request, "role_id")
    chosen = [p for p in form.getlist("permission") if isinstance(p, str)]
    error: DeskError | None = None
    desk = desk_of(request)
    try:
        async with desk.db.write() as tx:
            await actions.do_save_role(tx, actor, role_id, chosen)
            members = await actions.role_members(tx.session, role_id)
    except DeskError as caught:
        error = caught
    else:
        await desk.live.refresh_people(members)
    if not is_htmx(request):
        if error is not None:
            raise error
        return RedirectResponse(f"/admin/roles#role-{role_id}", status_code=303)
    async with desk_of(request).db.read() as session:
        role = next((r for r in await actions.roles_overview(session) if r.id == role_id), None)
    if role is None:
        return page(request, "admin/_alert.html", status_code=404,
                    message=error_text(request, error) if error else "")
    return page(request, "admin/_role.html", status_code=error.status if error else 200,
                role=role, permissions=_permission_labels(request), saved=error is None,
                role_error=error_text(request, error) if error else None)


routes = [
    Route("/admin/users", users_page),
    Route("/admin/users/invite", invite, methods=["POST"]),
    Route("/admin/users/{user_id:int}/role", set_role, methods=["POST"]),
    Route("/admin/users/{user_id:int}/active", set_active, methods=["POST"]),
    Route("/admin/users/{user_id:int}/invitation", renew_invitation, methods=["POST"]),
    Route("/admin/roles", roles_page),
    Route("/admin/roles", create_role, methods=["POST"]),
    Route("/admin/roles/{role_id:int}", save_role, methods=["POST"]),
    # Wired here because create_app() mounts this module's routes.
    *account.routes,
]
