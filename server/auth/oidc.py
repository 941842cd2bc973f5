"""Single sign-on with OpenID Connect, through authlib's Starlette client.

Discovery, the authorization code flow with PKCE (S256) and a nonce, and the ID token's
checks (signature from the provider's JWKS, issuer, audience, nonce, expiry) are authlib's.
The desk adds: where the flow's state waits between the two requests (the database, so any
worker takes the callback), how the provider's claims become a role and a team, and the
checks of a back-channel logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from authlib.integrations.starlette_client import OAuth
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, select
from sqlmodel import col

from server.db import Database
from server.models import SignOnState, utcnow
from server.models.time import aware
from server.settings import Settings

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# A logout token issued longer ago than this is refused (its jti is kept as long).
LOGOUT_TOKEN_MAX_AGE = 300
NAME = "desk"


class StateStore:
    """authlib's cache interface over the sign_on_state table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        async with self.db.read() as session:
            row = await session.scalar(select(SignOnState).where(col(SignOnState.key) == key))
        if row is None or aware_after(row.expires_at):
            return None
        return row.value

    async def set(self, key: str, value: str, expires_in: int | None = None) -> None:
        now = utcnow()
        async with self.db.write() as tx:
            # Abandoned sign-ins are cleared on the way: a handful of rows at most.
            await tx.session.execute(
                delete(SignOnState).where(col(SignOnState.expires_at) < now))
            await tx.session.merge(SignOnState(
                key=key, value=value, expires_at=now + timedelta(seconds=expires_in or 3600)))

    async def delete(self, key: str) -> None:
        async with self.db.write() as tx:
            await tx.session.execute(delete(SignOnState).where(col(SignOnState.key) == key))


def aware_after(moment: datetime) -> bool:
    """Whether a stored time has passed (SQLite hands times back naive)."""
    return aware(moment) <= utcnow()


@dataclass(frozen=True)
class Mapped:
    """What the provider's claims say about a person."""

    subject: str
    email: str
    name: str
    email_verified: bool
    role: str | None  # None: no claim value names a desk role
    team: str | None


def claim_values(claims: dict[str, Any], name: str) -> list[str]:
    """A claim as a list of strings: "a", ["a", "b"] and "a b" (space-separated) alike;
    a dotted name reaches into objects (realm_access.roles)."""
    value: Any = claims
    for part in name.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def role_map(raw: str) -> list[tuple[str, str]]:
    """TANDEM_OIDC_ROLE_MAP: "provider value=desk role" pairs, comma-separated, in order of
    precedence (the first pair whose value the person has wins)."""
    pairs = []
    for pair in raw.split(","):
        if "=" in pair:
            value, role = pair.split("=", 1)
            pairs.append((value.strip(), role.strip()))
    return pairs


def map_claims(claims: dict[str, Any], settings: Settings) -> Mapped:
    values = set(claim_values(claims, settings.oidc_role_claim))
    role = next((r for value, r in role_map(settings.oidc_role_map) if value in values), None)
    if role is None and settings.oidc_default_role:
        role = settings.oidc_default_role
    teams = claim_values(claims, settings.oidc_team_claim) if settings.oidc_team_claim else []
    email = str(claims.get("email") or "").strip().lower()
    return Mapped(
        subject=str(claims["sub"]), email=email,
        name=str(claims.get("name") or claims.get("preferred_username") or email)[:120],
        email_verified=claims.get("email_verified") is True, role=role,
        team=teams[0][:120] if teams else None,
    )


class SignOn:
    """The desk's OpenID provider, as this app talks to it."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.oauth = OAuth(cache=StateStore(db))
        self.oauth.register(
            NAME,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            server_metadata_url=settings.oidc_issuer.rstrip("/")
            + "/.well-known/openid-configuration",
            client_kwargs={"scope": settings.oidc_scopes, "code_challenge_method": "S256"},
        )
        self.client: Any = self.oauth.create_client(NAME)

    async def metadata(self) -> dict[str, Any]:
        return await self.client.load_server_metadata()

    async def logout_claims(self, logout_token: str) -> dict[str, Any]:
        """The claims of a valid back-channel logout token; raises InvalidLogoutToken."""
        metadata = await self.metadata()
        token = None
        for fresh in (False, True):  # the second time with keys fetched anew (a rotation)
            keys = KeySet.import_key_set(await self.client.fetch_jwk_set(force=fresh))
            try:
                token = jwt.decode(logout_token, keys, algorithms=["RS256", "ES256", "PS256"])
                break
            except (JoseError, ValueError) as error:
                failure = str(error) or type(error).__name__
        if token is None:
            raise InvalidLogoutToken(f"bad token: {failure}")
        claims = token.claims
        if token.header.get("typ") not in (None, "logout+jwt", "JWT"):
            raise InvalidLogoutToken("not a logout token")
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        now = time.time()
        problems = [
            (claims.get("iss") != metadata.get("issuer"), "wrong issuer"),
            (self.settings.oidc_client_id not in audiences, "not for this desk"),
            (not isinstance(claims.get("iat"), int | float)
             or claims["iat"] < now - LOGOUT_TOKEN_MAX_AGE or claims["iat"] > now + 60,
             "issued too long ago or in the future"),
            (isinstance(claims.get("exp"), int | float) and claims["exp"] < now, "expired"),
            (not isinstance(claims.get("events"), dict)
             or BACKCHANNEL_EVENT not in claims["events"], "no back-channel logout event"),
            ("nonce" in claims, "a nonce is not allowed"),
            (not (claims.get("sub") or claims.get("sid")), "names neither sub nor sid"),
            (not isinstance(claims.get("jti"), str) or not claims["jti"], "no jti"),
        ]
        for failed, reason in problems:
            if failed:
                raise InvalidLogoutToken(reason)
        return dict(claims)


class InvalidLogoutToken(Exception):
    """A back-channel logout token the desk refuses (400 invalid_request)."""


