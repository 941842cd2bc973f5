"""Commands for administration: users, their roles and API tokens, channels."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from sqlalchemy import select
from sqlmodel import col

from server.actions.accounts import do_create_user
from server.actions.admin import do_set_active, do_set_user_role
from server.actions.channels import do_add_channel
from server.actions.outbox import webhook_config
from server.actions.tokens import NotAServiceAccount, do_create_own_token, do_create_token_for
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.commands.results import ChannelMade, TokenMade, UserChanged, UserMade, Users
from server.errors import Conflict, NotFound
from server.models import Role, User

# The columns' lengths (server/models/accounts.py, desk.py).
EMAIL_LENGTH = 254
NAME_LENGTH = 120


class NewUser(CommandInput):
    email: Annotated[str, Chars(EMAIL_LENGTH, min_length=1)]
    name: Annotated[str, Chars(NAME_LENGTH, min_length=1)]
    role: Annotated[str, Chars(64)] = Field("service agent", description="a role's name")
    password: Annotated[str, Chars(1024)] | None = Field(
        None, description="none: the user signs in otherwise")
    language: Literal["en", "de"] | None = None
    service_account: bool = Field(
        False, description="a script, not a person: admins may issue its tokens; it never "
        "approves. Fixed when the account is made")


class UserChange(CommandInput):
    user_id: Id
    role: Annotated[str, Chars(64)] | None = None
    active: bool | None = Field(None, description="false deactivates: sessions end at once")


class OwnTokenInput(CommandInput):
    name: Annotated[str, Chars(120)] = Field("", description="what the token is for")


class TokenInput(OwnTokenInput):
    user_id: Id


class NewChannel(CommandInput):
    network: Literal["webhook"] = Field(
        description="the generic signed webhook; networks are connected at /admin/channels")
    name: Annotated[str, Chars(120, min_length=1)]
    reply_url: Annotated[str, Chars(2000)] | None = Field(
        None, description="where replies are POSTed, signed")


async def list_users(call: Call, _: NoInput) -> dict[str, object]:
    async with call.desk.db.read() as session:
        rows = (await session.execute(
            select(User, col(Role.name)).join(Role, col(Role.id) == col(User.role_id))
            .order_by(col(User.id))
        )).all()
    return {"users": [{"id": u.id, "email": u.email, "name": u.name, "role": role,
                       "active": u.active, "team_id": u.team_id,
                       "service_account": u.service_account} for u, role in rows]}


async def create_user(call: Call, data: NewUser) -> dict[str, object]:
    async with call.desk.db.write() as tx:
        user = await do_create_user(tx, email=data.email, name=data.name, role=data.role,
                                    password=data.password, actor_id=call.actor.id,
                                    language=data.language,
                                    service_account=data.service_account)
    return {"id": user.id, "email": user.email, "name": user.name,
            "service_account": user.service_account}


async def change_user(call: Call, data: UserChange) -> dict[str, object]:
    """Change a user's role and/or deactivate or reactivate them (same rules as the page)."""
    async with call.desk.db.write() as tx:
        if data.role is not None:
            await do_set_user_role(tx, call.actor, data.user_id, data.role)
        if data.active is not None:
            await do_set_active(tx, call.actor, data.user_id, data.active)
        user = await tx.session.get(User, data.user_id)
        if user is None:
            raise NotFound("There is no user %(id)s.", id=data.user_id)
    if data.active is False:
        await call.desk.live.sign_out(data.user_id)
    elif data.role is not None:
        await call.desk.live.refresh_people([data.user_id])
    return {"id": user.id, "email": user.email, "name": user.name, "active": user.active}


async def create_token(call: Call, data: TokenInput) -> dict[str, object]:
    async with call.desk.db.write() as tx:
        return {"token": await do_create_token_for(tx, call.actor, data.user_id, data.name)}


async def create_own_token(call: Call, data: OwnTokenInput) -> dict[str, object]:
    async with call.desk.db.write() as tx:
        return {"token": await do_create_own_token(tx, call.actor, data.name)}


async def create_channel(call: Call, data: NewChannel) -> dict[str, object]:
    async with call.desk.db.write() as tx:
        channel, secret = await do_add_channel(
            tx, call.desk.box, network=data.network, adapter="webhook", name=data.name,
            actor=call.actor, config=webhook_config(data.reply_url))
    return {"id": channel.id, "network": channel.network, "name": channel.name,
            "secret": secret}


USER = "/api/users/{user_id}"
COMMANDS = [
    Command("user.list", NoInput, list_users, "Every user with role and state.",
            permission="admin.users", result=Users, rest=Rest("GET", "/api/users"),
            tags=("administration",)),
    Command("user.create", NewUser, create_user, "Add a user.", permission="admin.users",
            result=UserMade, rest=Rest("POST", "/api/users", status=201), errors=(Conflict,),
            tags=("administration",)),
    Command("user.update", UserChange, change_user,
            "Change a user's role, or deactivate or reactivate them; an admin cannot lock "
            "themselves out.", permission="admin.users", result=UserChanged,
            rest=Rest("PATCH", USER), errors=(NotFound, Conflict), tags=("administration",)),
    Command("token.create", TokenInput, create_token,
            "Issue an API token for a service account (or yourself); it is shown once. A "
            "person's tokens are made by that person only (token.create_own).",
            permission="admin.users", result=TokenMade,
            rest=Rest("POST", f"{USER}/tokens", status=201),
            errors=(NotFound, NotAServiceAccount), tags=("administration",)),
    Command("token.create_own", OwnTokenInput, create_own_token,
            "Make an API token for yourself; it acts with your rights and is shown once.",
            permission=None, result=TokenMade, rest=Rest("POST", "/api/me/tokens", status=201),
            tags=("caller",)),
    Command("channel.create", NewChannel, create_channel,
            "Connect a generic signed-webhook channel; its signing secret is shown once.",
            permission="admin.channels", result=ChannelMade,
            rest=Rest("POST", "/api/channels", status=201), tags=("administration",)),
]
