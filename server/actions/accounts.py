"""Users, roles, sign-in, sessions and API tokens."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlmodel import col

from server.actions.login_throttle import check_not_throttled, forget_failures, note_failure
from server.db import Database, Tx
from server.errors import N_, Conflict, Invalid, NotFound, Unauthenticated
from server.models import ApiToken, Role, User, UserSession, utcnow
from server.permissions import DEFAULT_ROLES, PERMISSIONS, Actor
from server.secrets import new_token, token_hash
from server.settings import Settings

_hasher = PasswordHasher()
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
WRONG_LOGIN = N_("Wrong e-mail or password.")


@cache
def _dummy_hash() -> str:
    """Verifying against a fixed hash for unknown e-mails keeps the timing of both answers
    alike. Made on the first sign-in, not at import: every process would pay for it."""
    return _hasher.hash("not a real password")


async def hash_password(password: str) -> str:
    """Argon2 in a worker thread: on the event loop it would stall every other request."""
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid("The password needs at least %(count)d characters.", count=MIN_PASSWORD)


def check_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL.match(email):
        raise Invalid("%(email)s is not an e-mail address.", email=email)
    return email


async def ensure_default_roles(tx: Tx) -> None:
    existing = set((await tx.session.scalars(select(col(Role.name)))).all())
    for name, permissions in DEFAULT_ROLES.items():
        if name not in existing:
            tx.session.add(Role(name=name, permissions=permissions, builtin=True))
    await tx.session.flush()


async def role_by_name(tx: Tx, name: str) -> Role:
    role = await tx.session.scalar(select(Role).where(col(Role.name) == name))
    if role is None:
        raise NotFound("There is no role %(role)s.", role=name)
    return role


async def do_create_user(
    tx: Tx,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None,
    actor_id: int | None = None,
    language: str | None = None,
    service_account: bool = False,
) -> User:
    email = check_email(email)
    if not name.strip():
        raise Invalid("A user needs a name.")
    if password is not None:
        check_password(password)
    if await tx.session.scalar(select(col(User.id)).where(col(User.email) == email)) is not None:
        raise Conflict("A user with the e-mail %(email)s exists already.", email=email)
    role_row = await role_by_name(tx, role)
    user = User(
        email=email,
        name=name.strip(),
        role_id=role_row.id,  # type: ignore[arg-type]
        password_hash=await hash_password(password) if password else None,
        language=language,
        service_account=service_account,
    )
    tx.session.add(user)
    await tx.session.flush()
    tx.audit("user.create", actor_id, user_id=user.id, email=email, role=role,
             service_account=service_account)
    return user


async def do_set_role_permissions(tx: Tx, actor: Actor, role: str, permissions: list[str]) -> Role:
    actor.require("admin.users")
    unknown = sorted(set(permissions) - set(PERMISSIONS))
    if unknown:
        raise Invalid("Unknown permissions: %(names)s.", names=", ".join(unknown))
    role_row = await role_by_name(tx, role)
    role_row.permissions = sorted(set(permissions))
    tx.audit("role.update", actor.id, role=role, permissions=role_row.permissions)
    return role_row


async def actor_for_user(tx_or_session: object, user_id: int) -> Actor | None:
    session = getattr(tx_or_session, "session", tx_or_session)
    row = (
        await session.execute(  # type: ignore[attr-defined]
            select(User, Role)
            .join(Role, col(Role.id) == col(User.role_id))
            .where(col(User.id) == user_id)
        )
    ).first()
    if row is None or not row[0].active:
        return None
    user, role = row
    return Actor(
        id=user.id,
        name=user.name,
        email=user.email,
        role=role.name,
        permissions=frozenset(role.permissions),
        language=user.language,
        team_id=user.team_id,
        service_account=user.service_account,
    )


async def sign_in(
    db: Database, settings: Settings, email: str, password: str, ip: str
) -> tuple[str, UserSession]:
    """Check a password; return a new session token (for the cookie) and its row.

    No transaction is open while the password is hashed: the hash takes tens of
    milliseconds in a worker thread, and a write lock held that long would stall the desk.
    """
    key = email.strip().lower()
    async with db.read() as session:
        await check_not_throttled(session, settings, ip, key)
        user = await session.scalar(select(User).where(col(User.email) == key))
    right = await password_matches(user.password_hash if user else None, password)
    async with db.write() as tx:
        if not (right and user and user.active):
            note_failure(tx, ip, key)
            tx.audit("user.sign_in_failed", None, email=key, ip=ip)
            failed = True
        else:
            failed = False
            await forget_failures(tx, ip, key)
            token, session_row = start_session(tx, user.id, settings)  # type: ignore[arg-type]
            tx.audit("user.sign_in", user.id, ip=ip)
    # Raised outside the block so the failure row above is committed, not rolled back.
    if failed:
        raise Unauthenticated(WRONG_LOGIN)
    return token, session_row


def start_session(tx: Tx, user_id: int, settings: Settings) -> tuple[str, UserSession]:
    """A new browser session: the token goes into the cookie, only its hash into the table."""
    token = new_token()
    session_row = UserSession(
        token_hash=token_hash(token),
        user_id=user_id,
        expires_at=utcnow() + timedelta(days=settings.session_days),
    )
    tx.session.add(session_row)
    return token, session_row


async def password_matches(stored: str | None, password: str) -> bool:
    return await anyio.to_thread.run_sync(_verify, stored, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def sign_out(db: Database, token: str) -> None:
    async with db.write() as tx:
        await tx.session.execute(
            delete(UserSession).where(col(UserSession.token_hash) == token_hash(token))
        )


async def session_for_token(db: Database, token: str) -> tuple[Actor, UserSession] | None:
    async with db.read() as session:
        row = await session.scalar(
            select(UserSession).where(col(UserSession.token_hash) == token_hash(token))
        )
        if row is None or row.expires_at <= utcnow():
            return None
        actor = await actor_for_user(session, row.user_id)
    return (actor, row) if actor else None


async def actor_for_api_token(db: Database, token: str) -> Actor | None:
    async with db.read() as session:
        row = await session.scalar(
            select(ApiToken).where(
                col(ApiToken.token_hash) == token_hash(token), col(ApiToken.revoked_at).is_(None)
            )
        )
        return await actor_for_user(session, row.user_id) if row else None


async def do_set_password(tx: Tx, email: str, password: str, actor_id: int | None = None) -> None:
    check_password(password)
    user = await tx.session.scalar(select(User).where(col(User.email) == check_email(email)))
    if user is None:
        raise NotFound("There is no user with the e-mail %(email)s.", email=email)
    user.password_hash = await hash_password(password)
    # A new password signs the user out everywhere.
    await tx.session.execute(delete(UserSession).where(col(UserSession.user_id) == user.id))
    tx.audit("user.password", actor_id, user_id=user.id)
