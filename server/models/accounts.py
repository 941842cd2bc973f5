"""People and what they may do: roles, teams, users, sessions, API tokens."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class Role(SQLModel, table=True):
    """A named set of permissions, editable by an admin."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    permissions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    builtin: bool = False


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    # Automatic assignment of the team's new threads (server/actions/assignment.py):
    # round robin among the available members with room and the skills.
    auto_assign: bool = False
    capacity: int = 5  # a member's open threads at most, unless theirs says otherwise
    turns: int = 0  # threads assigned automatically so far: round robin's clock
    # When the team works, for its service-level clocks (server/business_hours.py): a time
    # zone, {"mon": [["09:00", "17:00"]], ...} (empty: around the clock), and whose public
    # holidays it keeps (a country such as DE, AT, CH, and optionally a state such as BY).
    time_zone: str = Field(default="UTC", max_length=64)
    hours: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    holiday_country: str | None = Field(default=None, max_length=2)
    holiday_subdivision: str | None = Field(default=None, max_length=8)


class User(SQLModel, table=True):
    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    name: str = Field(max_length=120)
    password_hash: str | None = None
    role_id: int = Field(foreign_key="role.id", index=True)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    language: str | None = Field(default=None, max_length=8)
    active: bool = True
    oidc_subject: str | None = Field(default=None, unique=True, max_length=255)
    # A script or integration, not a person: an admin may issue its API tokens, and it can
    # never approve a reply (whatever its role). Set when the account is made, never changed.
    service_account: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A browser sign-in; the cookie carries a random token, the table only its hash."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # A single sign-on: the provider's session id (for its back-channel logout) and the ID
    # token (the hint of a logout started here).
    oidc_sid: str | None = Field(default=None, max_length=255, index=True)
    id_token: str | None = None


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="account.id", index=True)
    name: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class LoginFailure(SQLModel, table=True):
    """One failed sign-in, counted per client address and per (address, e-mail) to throttle
    guessing (server/actions/login_throttle.py)."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_key_at", "key", "at"),
        Index("ix_login_failure_ip_at", "ip", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=254)
    ip: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow)


class Invitation(SQLModel, table=True):
    """A one-time link with which an invited user sets their password."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="account.id", index=True)
    expires_at: datetime
    used_at: datetime | None = None
