"""Incidents: near-duplicate complaints the desk grouped (server/incidents/)."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class Incident(SQLModel, table=True):
    """Many customers saying the same thing at once: a double debit, an outage."""

    __table_args__ = (Index("ix_incident_updated", "updated_at"),)

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    status: str = Field(default="open", max_length=8)  # open | closed | merged
    # Inbound posts grouped into it, and the networks they came from.
    size: int = 0
    networks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # How often each of its most frequent terms occurs (server/incidents/grouping.py):
    # what new posts are compared with, in every process.
    terms: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    first_at: datetime = Field(default_factory=utcnow)
    last_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    merged_into_id: int | None = Field(default=None, foreign_key="incident.id")
    # Set once a supervisor named it: the title no longer follows its first post.
    named_by_id: int | None = Field(default=None, foreign_key="account.id")


class IncidentPost(SQLModel, table=True):
    """One inbound message in an incident: its timeline, networks and samples."""

    __tablename__ = "incident_post"
    __table_args__ = (Index("ix_incident_post_incident_at", "incident_id", "at"),)

    message_id: int = Field(primary_key=True, foreign_key="message.id")
    incident_id: int = Field(foreign_key="incident.id")
    thread_id: int = Field(foreign_key="thread.id", index=True)
    network: str = Field(max_length=32)
    at: datetime
    negative: bool = False
