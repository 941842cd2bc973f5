"""REST for administration: users, API tokens, channels (the same actions as the CLI)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.actions.accounts import do_create_api_token, do_create_user
from server.actions.admin import do_set_active, do_set_user_role
from server.actions.channels import do_add_channel
from server.actions.outbox import webhook_config
from server.errors import Invalid, NotFound
from server.models import Role, User
from server.routes.common import caller, desk_of, json_body


def _text(body: dict, name: str, required: bool = True) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Invalid("%(name)s must be text.", name=name)
    return value


async def list_users(request: Request) -> JSONResponse:
    actor = caller(request)
    actor.require("admin.users")
    async with desk_of(request).db.read() as session:
        rows = (
            await session.execute(
                select(User, col(Role.name))
                .join(Role, col(Role.id) == col(User.role_id))
                .order_by(col(User.id))
            )
        ).all()
    return JSONResponse(
        {"users": [{"id": u.id, "email": u.email, "name": u.name, "role": role,
                    "active": u.active, "team_id": u.team_id} for u, role in rows]}
    )


async def create_user(request: Request) -> JSONResponse:
    actor = caller(request)
    actor.require("admin.users")
    body = await json_body(request)
    async with desk_of(request).db.write() as tx:
        user = await do_create_user(
            tx, email=_text(body, "email"), name=_text(body, "name"),  # type: ignore[arg-type]
            role=_text(body, "role") or "",
            password=_text(body, "password", required=False), actor_id=actor.id,
            language=_text(body, "language", required=False),
        )
    return JSONResponse({"id": user.id, "email": user.email, "name": user.name}, status_code=201)


async def update_user(request: Request) -> JSONResponse:
    """Change a user's role and/or deactivate or reactivate them (same rules as the page)."""
    actor = caller(request)
    actor.require("admin.users")
    body = await json_body(request)
    user_id = int(request.path_params["user_id"])
    active = body.get("active")
    if active is not None and not isinstance(active, bool):
        raise Invalid("%(name)s must be true or false.", name="active")
    role = _text(body, "role", required=False)
    desk = desk_of(request)
    async with desk.db.write() as tx:
        if role is not None:
            await do_set_user_role(tx, actor, user_id, role)
        if active is not None:
            await do_set_active(tx, actor, user_id, active)
        user = await tx.session.get(User, user_id)
        if user is None:
            raise NotFound("There is no user %(id)s.", id=user_id)
    if active is False and desk.realtime is not None:
        await desk.realtime.sign_out(user_id)
    return JSONResponse({"id": user.id, "email": user.email, "name": user.name,
                         "active": user.active})


async def create_token(request: Request) -> JSONResponse:
    actor = caller(request)
    actor.require("admin.users")
    body = await json_body(request)
    user_id = int(request.path_params["user_id"])
    async with desk_of(request).db.write() as tx:
        user = await tx.session.get(User, user_id)
        if user is None:
            raise NotFound("There is no user %(id)s.", id=user_id)
        token = await do_create_api_token(tx, user.email, _text(body, "name", required=False) or "")
        tx.audit("token.issue", actor.id, user_id=user_id)
    return JSONResponse({"token": token}, status_code=201)


async def create_channel(request: Request) -> JSONResponse:
    actor = caller(request)
    body = await json_body(request)
    desk = desk_of(request)
    network = _text(body, "network") or ""
    async with desk.db.write() as tx:
        channel, secret = await do_add_channel(
            tx, desk.box, network=network, adapter="webhook" if network == "webhook" else network,
            name=_text(body, "name") or "", actor=actor,
            config=webhook_config(body.get("reply_url")) if network == "webhook" else None,
        )
    return JSONResponse({"id": channel.id, "network": channel.network, "name": channel.name,
                         "secret": secret}, status_code=201)


routes = [
    Route("/api/users", list_users),
    Route("/api/users", create_user, methods=["POST"]),
    Route("/api/users/{user_id:int}", update_user, methods=["PATCH"]),
    Route("/api/users/{user_id:int}/tokens", create_token, methods=["POST"]),
    Route("/api/channels", create_channel, methods=["POST"]),
]
