"""Who is calling: a session cookie (browsers) or a bearer API token (REST, Socket.IO)."""

from __future__ import annotations

from http.cookies import SimpleCookie

from server.actions.accounts import actor_for_api_token, session_for_token
from server.db import Database
from server.models import UserSession
from server.permissions import Actor

SESSION_COOKIE = "tandem_session"


def bearer_token(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    if not cookie_header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header)
    except Exception:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


async def resolve_caller(
    db: Database, *, token: str | None, session_cookie: str | None
) -> tuple[Actor | None, UserSession | None]:
    """An API token wins over a cookie; an invalid token is not rescued by a cookie."""
    if token is not None:
        return await actor_for_api_token(db, token), None
    if session_cookie:
        found = await session_for_token(db, session_cookie)
        if found:
            return found
    return None, None
