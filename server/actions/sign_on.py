"""Signing in through the desk's OpenID provider, and its back-channel logout.

The provider's word decides who someone is (their subject), their role (when the role
claim names a mapped role) and their team; the desk decides whether a newcomer gets an
account (TANDEM_OIDC_JIT) and never links a provider identity to a local account by an
e-mail address the provider has not verified.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from server.actions.accounts import do_create_user, role_by_name, start_session
from server.auth.oidc import LOGOUT_TOKEN_MAX_AGE, Mapped
from server.db import Database, Tx
from server.errors import N_, Forbidden, Invalid
from server.models import LogoutTokenSeen, Team, User, UserSession, utcnow
from server.settings import Settings

NO_ACCOUNT = N_("There is no account for you on this desk. Ask an admin to add you.")
NO_ROLE = N_("Your sign-in names no role on this desk. Ask an admin.")
INACTIVE = N_("Your account is switched off. Ask an admin.")


async def _team_id(tx: Tx, name: str | None) -> int | None:
    if not name:
        return None
    team = await tx.session.scalar(select(Team).where(col(Team.name) == name))
    if team is None:
        team = Team(name=name)
        tx.session.add(team)
        await tx.session.flush()
    return team.id


async def _account(tx: Tx, mapped: Mapped, settings: Settings) -> User:
    """The person's account: theirs by subject, linked by a verified address, or new."""
    user = await tx.session.scalar(select(User).where(col(User.oidc_subject) == mapped.subject))
    if user is None and mapped.email and mapped.email_verified:
        user = await tx.session.scalar(select(User).where(col(User.email) == mapped.email))
        if user is not None and user.oidc_subject is None:
            user.oidc_subject = mapped.subject
            tx.audit("user.link_sign_on", None, user_id=user.id, subject=mapped.subject)
        elif user is not None:
            user = None  # linked to another identity of the provider: not this one's
    if user is None:
        if not settings.oidc_jit:
            raise Forbidden(NO_ACCOUNT)
        role = mapped.role or settings.oidc_default_role
        if not role:
            raise Forbidden(NO_ROLE)
        user = await do_create_user(tx, email=mapped.email, name=mapped.name, role=role,
                                    password=None)
        user.oidc_subject = mapped.subject
    elif mapped.role:
        role_row = await role_by_name(tx, mapped.role)
        if role_row.id != user.role_id:
            tx.audit("user.role_from_sign_on", None, user_id=user.id, role=mapped.role)
            user.role_id = role_row.id  # type: ignore[assignment]
    if not user.active:
        raise Forbidden(INACTIVE)
    if settings.oidc_team_claim and mapped.team:
        user.team_id = await _team_id(tx, mapped.team)
    return user


async def do_sign_on(db: Database, settings: Settings, mapped: Mapped, *, id_token: str | None,
                     sid: str | None, ip: str) -> tuple[str, UserSession]:
    """A session for whoever the provider vouched for; returns its cookie token."""
    if not mapped.email:
        raise Invalid(N_("Your sign-in carries no e-mail address."))
    async with db.write() as tx:
        user = await _account(tx, mapped, settings)
        token, session_row = start_session(tx, user.id, settings)  # type: ignore[arg-type]
        session_row.oidc_sid = sid
        session_row.id_token = id_token
        tx.audit("user.sign_in", user.id, ip=ip, via="oidc")
    return token, session_row


class Replayed(Exception):
    """A logout token whose jti the desk has taken before."""


async def do_backchannel_logout(db: Database, claims: dict[str, object]) -> set[int]:
    """End the sessions a valid logout token names; returns whose sessions ended."""
    now = utcnow()
    sid, sub = claims.get("sid"), claims.get("sub")
    async with db.write() as tx:
        table = LogoutTokenSeen.__table__  # type: ignore[attr-defined]
        insert = postgresql.insert(table) if tx.dialect == "postgresql" else sqlite.insert(table)
        taken = await tx.session.execute(
            insert.values(jti=str(claims["jti"]),
                          expires_at=now.replace(microsecond=0)
                          + timedelta(seconds=LOGOUT_TOKEN_MAX_AGE * 2))
            .on_conflict_do_nothing(index_elements=["jti"]).returning(table.c.jti))
        if taken.first() is None:
            raise Replayed()
        await tx.session.execute(delete(LogoutTokenSeen).where(
            col(LogoutTokenSeen.expires_at) < now))
        user_id = None
        if sub:
            user_id = await tx.session.scalar(
                select(col(User.id)).where(col(User.oidc_subject) == str(sub)))
        conditions = []
        if sid:
            conditions.append(col(UserSession.oidc_sid) == str(sid))
        elif user_id is not None:
            conditions.append(col(UserSession.user_id) == user_id)
        if not conditions:
            return set()
        ended = (await tx.session.execute(
            delete(UserSession).where(or_(*conditions)).returning(col(UserSession.user_id))
        )).scalars().all()
        for ended_user in set(ended):
            tx.audit("user.sign_out", ended_user, via="oidc-backchannel")
    return set(ended)
