"""Administration of people and roles, and each person's own settings.

Tiers as elsewhere: `check_*` validates and authorizes without writing, `do_*` writes the
rows and an audit row inside the caller's transaction, `notify_*` runs after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlmodel import col

from server.actions.accounts import (
    check_password,
    do_create_user,
    do_set_role_permissions,
    hash_password,
    password_matches,
    role_by_name,
    start_session,
)
from server.actions.login_throttle import check_not_throttled, note_failure
from server.db import Database, Tx
from server.errors import Conflict, Invalid, NotFound
from server.i18n import LANGUAGES
from server.models import Invitation, Role, Team, User, UserSession, utcnow
from server.permissions import Actor
from server.secrets import new_token, token_hash
from server.settings import Settings

INVITATION_DAYS = 7
NAME_MAX = 120
ROLE_NAME_MAX = 64
# Without this permission nobody could undo the change, so an admin may not drop it for
# themselves (a second admin can).
ADMIN_PERMISSION = "admin.users"


@dataclass(frozen=True)
class Invited:
    user: User
    token: str  # shown once to the admin; only its hash is stored


@dataclass(frozen=True)
class UserRow:
    id: int
    name: str
    email: str
    role: str
    team: str | None
    active: bool
    invited: bool  # has not set a password yet
    service_account: bool = False  # a script: signs in with tokens only, never approves


# -- reading ---------------------------------------------------------------------------


async def users_overview(session: Any, user_id: int | None = None) -> list[UserRow]:
    query = (
        select(User, col(Role.name), col(Team.name))
        .join(Role, col(Role.id) == col(User.role_id))
        .outerjoin(Team, col(Team.id) == col(User.team_id))
        .order_by(func.lower(col(User.name)), col(User.id))
    )
    if user_id is not None:
        query = query.where(col(User.id) == user_id)
    rows = (await session.execute(query)).all()
    return [
        UserRow(id=u.id, name=u.name, email=u.email, role=role, team=team, active=u.active,
                invited=u.password_hash is None and not u.service_account,
                service_account=u.service_account)
        for u, role, team in rows
    ]


async def roles_overview(session: Any) -> list[Role]:
    return list((await session.scalars(select(Role).order_by(col(Role.id)))).all())


# -- users -----------------------------------------------------------------------------


def check_admin(actor: Actor) -> None:
    actor.require(ADMIN_PERMISSION)


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("A user needs a name.")
    if len(name) > NAME_MAX:
        raise Invalid("A name has at most %(count)d characters.", count=NAME_MAX)
    return name


async def _user(tx: Tx, user_id: int) -> User:
    user = await tx.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no user %(id)s.", id=user_id)
    return user


async def _new_invitation(tx: Tx, user_id: int) -> str:
    # One open link per person: a new one replaces any earlier unused link.
    await tx.session.execute(
        delete(Invitation).where(
            col(Invitation.user_id) == user_id, col(Invitation.used_at).is_(None)
        )
    )
    token = new_token()
    tx.session.add(Invitation(
        token_hash=token_hash(token), user_id=user_id,
        expires_at=utcnow() + timedelta(days=INVITATION_DAYS),
    ))
    return token


async def do_invite(tx: Tx, actor: Actor, *, email: str, name: str, role: str) -> Invited:
    check_admin(actor)
    user = await do_create_user(
        tx, email=email, name=check_name(name), role=role, password=None, actor_id=actor.id
    )
    token = await _new_invitation(tx, user.id)  # type: ignore[arg-type]
    tx.audit("user.invite", actor.id, user_id=user.id)
    return Invited(user, token)


async def do_renew_invitation(tx: Tx, actor: Actor, user_id: int) -> Invited:
    check_admin(actor)
    user = await _user(tx, user_id)
    if user.password_hash is not None:
        raise Conflict("%(name)s has set a password already.", name=user.name)
    if not user.active:
        raise Conflict("%(name)s is deactivated.", name=user.name)
    token = await _new_invitation(tx, user_id)
    tx.audit("user.invite", actor.id, user_id=user_id, renewed=True)
    return Invited(user, token)


async def do_set_user_role(tx: Tx, actor: Actor, user_id: int, role: str) -> User:
    check_admin(actor)
    user = await _user(tx, user_id)
    role_row = await role_by_name(tx, role)
    if user.id == actor.id and ADMIN_PERMISSION not in role_row.permissions:
        raise Conflict("You cannot take away your own user administration; ask another admin.")
    user.role_id = role_row.id  # type: ignore[assignment]
    tx.audit("user.role", actor.id, user_id=user_id, role=role_row.name)
    return user


async def do_set_active(tx: Tx, actor: Actor, user_id: int, active: bool) -> User:
    check_admin(actor)
    user = await _user(tx, user_id)
    if user.id == actor.id and not active:
        raise Conflict("You cannot deactivate yourself; ask another admin.")
    user.active = active
    if not active:
        # API tokens stay in the table but stop working: the caller lookup refuses
        # inactive users. Sessions go, so a reactivation does not revive old browsers.
        await tx.session.execute(delete(UserSession).where(col(UserSession.user_id) == user_id))
    tx.audit("user.activate" if active else "user.deactivate", actor.id, user_id=user_id)
    return user


# -- roles -----------------------------------------------------------------------------


async def do_create_role(tx: Tx, actor: Actor, name: str) -> Role:
    check_admin(actor)
    name = " ".join(name.split())
    if not name or len(name) > ROLE_NAME_MAX:
        raise Invalid("A role needs a name of up to %(count)d characters.", count=ROLE_NAME_MAX)
    if await tx.session.scalar(select(col(Role.id)).where(col(Role.name) == name)) is not None:
        raise Conflict("There is a role %(role)s already.", role=name)
    role = Role(name=name, permissions=[], builtin=False)
    tx.session.add(role)
    await tx.session.flush()
    tx.audit("role.create", actor.id, role=name)
    return role


async def role_members(session: Any, role_id: int) -> list[int]:
    """Who has this role (whose live connections a change of it concerns)."""
    return list((await session.scalars(
        select(col(User.id)).where(col(User.role_id) == role_id)
    )).all())


async def do_save_role(tx: Tx, actor: Actor, role_id: int, permissions: list[str]) -> Role:
    check_admin(actor)
    role = await tx.session.get(Role, role_id)
    if role is None:
        raise NotFound("There is no role %(role)s.", role=role_id)
    if role.name == actor.role and ADMIN_PERMISSION not in permissions:
        raise Conflict("You cannot take away your own user administration; ask another admin.")
    return await do_set_role_permissions(tx, actor, role.name, permissions)


# -- invitations -----------------------------------------------------------------------


async def check_invitation(session: Any, token: str) -> tuple[Invitation, User]:
    invitation = await session.scalar(
        select(Invitation).where(col(Invitation.token_hash) == token_hash(token))
    )
    if invitation is None:
        raise NotFound("This invitation link is not valid. Ask an admin for a new one.")
    if invitation.used_at is not None:
        raise Invalid("This invitation link was used already. Sign in with your password.")
    if invitation.expires_at <= utcnow():
        raise Invalid("This invitation link has expired. Ask an admin for a new one.")
    user = await session.get(User, invitation.user_id)
    if user is None or not user.active:
        raise Invalid("This account is deactivated.")
    return invitation, user


async def do_accept_invitation(
    tx: Tx, settings: Settings, token: str, *, name: str, password: str
) -> tuple[str, User]:
    """Set name and password, use up the link, and start a session (its cookie token)."""
    invitation, user = await check_invitation(tx.session, token)
    name = check_name(name)
    check_password(password)
    # Conditional, so two tabs racing on one link cannot both use it.
    used = await tx.session.execute(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.used_at).is_(None))
        .values(used_at=utcnow())
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise Invalid("This invitation link was used already. Sign in with your password.")
    user.name = name
    user.password_hash = await hash_password(password)
    session_token, _ = start_session(tx, user.id, settings)  # type: ignore[arg-type]
    tx.audit("user.accept_invitation", user.id)
    return session_token, user


# -- own settings ----------------------------------------------------------------------


async def do_set_language(tx: Tx, actor: Actor, language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise Invalid("Unknown language %(value)s.", value=language)
    user = await _user(tx, actor.id)
    user.language = language
    tx.audit("user.language", actor.id, language=language)


async def change_password(
    db: Database, settings: Settings, actor: Actor, *, current: str, new: str,
    keep_session_id: int | None, ip: str = "",
) -> None:
    """Change one's own password; other browsers are signed out, this one stays.

    A wrong current password counts as a failed sign-in, so a borrowed session cannot be
    used to guess the password. The hashing runs with no transaction open (see sign_in).
    """
    async with db.read() as session:
        user = await session.get(User, actor.id)
        if user is None:
            raise NotFound("There is no user %(id)s.", id=actor.id)
        await check_not_throttled(session, settings, ip, user.email)
    if not await password_matches(user.password_hash, current):
        async with db.write() as tx:
            note_failure(tx, ip, user.email)
            tx.audit("user.password_failed", actor.id)
        raise Invalid("Your current password is not correct.")
    check_password(new)
    new_hash = await hash_password(new)
    async with db.write() as tx:
        await tx.session.execute(
            update(User).where(col(User.id) == actor.id).values(password_hash=new_hash)
        )
        others = delete(UserSession).where(col(UserSession.user_id) == actor.id)
        if keep_session_id is not None:
            others = others.where(col(UserSession.id) != keep_session_id)
        await tx.session.execute(others)
        tx.audit("user.password", actor.id, user_id=actor.id)
