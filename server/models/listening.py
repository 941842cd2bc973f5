"""Listening: the rules that say what to look for in public posts, and what they found."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class ListeningRule(SQLModel, table=True):
    """Words, phrases and hashtags a brand listens for, with any/all/none logic."""

    __tablename__ = "listening_rule"

    id: int | None = Field(default=None, primary_key=True)
    brand: str = Field(max_length=80)
    name: str = Field(max_length=120)
    any_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    all_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    none_terms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    languages: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    networks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ListeningMatch(SQLModel, table=True):
    """A public post that matched at least one rule: once per (channel, post)."""

    __tablename__ = "listening_match"

    __table_args__ = (UniqueConstraint("channel_id", "external_id"),
                      Index("ix_listening_match_at", "matched_at"))

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    network: str = Field(max_length=32)
    external_id: str = Field(max_length=255)
    author_id: str = Field(max_length=255)
    author_name: str = Field(max_length=200)
    author_handle: str | None = Field(default=None, max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    url: str | None = Field(default=None, max_length=500)
    posted_at: datetime | None = None
    language: str | None = Field(default=None, max_length=8)
    sentiment_score: float = 0.0
    sentiment_label: str = Field(default="neutral", max_length=8)
    # The post as ingest takes it when someone engages (channels.base.InboundItem's fields).
    item: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rule_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    matched_at: datetime = Field(default_factory=utcnow)
    # Set once someone engaged: the match is then a normal thread of the board.
    thread_id: int | None = Field(default=None, foreign_key="thread.id")


class ListeningHit(SQLModel, table=True):
    """One rule's share of a match, for the volume per rule over time."""

    __tablename__ = "listening_hit"

    __table_args__ = (Index("ix_listening_hit_rule_at", "rule_id", "matched_at"),)

    rule_id: int = Field(foreign_key="listening_rule.id", primary_key=True)
    match_id: int = Field(foreign_key="listening_match.id", primary_key=True)
    matched_at: datetime = Field(default_factory=utcnow)


class ListeningWatch(SQLModel, table=True):
    """Which process reads a channel's public search (a lease) and where it got to."""

    __tablename__ = "listening_watch"

    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    holder: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = None
    cursor: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    report: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="starting", max_length=16)  # starting running retrying stopped
    error: str | None = Field(default=None, max_length=500)
    retry_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
