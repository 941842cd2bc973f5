"""Who works on what: the members of teams, the rules that route new threads to a team,
and whether each agent is available for new work."""

from datetime import datetime

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class TeamMember(SQLModel, table=True):
    """A person in a team's queue: how much they take at once and what they can do."""

    __tablename__ = "team_member"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id", index=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    supervisor: bool = False  # hears of the team's breaches; takes no automatic work
    # Open threads (not resolved or closed) assigned at once; None: the team's default.
    capacity: int | None = None
    # What they can take: languages (de, en), networks (x, email, ...), topics (free words).
    # Empty: anything.
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    networks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    topics: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The team's turn at which they were last given a thread automatically: round robin
    # gives the next one to the member whose turn lies furthest back.
    last_turn: int = 0


class RoutingRule(SQLModel, table=True):
    """If a new thread matches every condition set, it goes to the team, with the priority
    and tags. Rules are tried by position; the first that matches routes the thread."""

    __tablename__ = "routing_rule"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    position: int = Field(default=0, index=True)
    active: bool = True
    # Conditions (empty or None: any): networks, channel ids, visibility, languages, words in
    # the text (any of them), the customer's VIP flag and tags (any of them), sentiment.
    conditions: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    team_id: int | None = Field(default=None, foreign_key="team.id")
    priority: str | None = Field(default=None, max_length=16)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Availability(SQLModel, table=True):
    """Whether an agent takes new work: online, away, busy or offline; set by hand, or by
    presence (no live connection for a while means away)."""

    user_id: int = Field(foreign_key="account.id", primary_key=True)
    state: str = Field(default="offline", max_length=8)
    by_hand: bool = False
    changed_at: datetime = Field(default_factory=utcnow)
    # When a process last saw them with a live connection (server/services/presence.py).
    seen_at: datetime | None = None
