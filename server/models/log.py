"""What happened: the audit trail, the event log, and desk-wide switches."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from server.models.time import utcnow

# SQLite only makes INTEGER PRIMARY KEY a strictly increasing rowid (with AUTOINCREMENT).
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, sa_column=Column(SEQ_TYPE, primary_key=True))
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    action: str = Field(max_length=64)
    thread_id: int | None = Field(default=None, index=True)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The HTTP request or socket command that did it (server/request_ids.py), for the logs.
    request_id: str | None = Field(default=None, max_length=64, index=True)


class Event(SQLModel, table=True):
    """One change, in the order the database committed it; clients replay from here."""

    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, sa_column=Column(SEQ_TYPE, primary_key=True))
    type: str = Field(max_length=64)
    thread_id: int | None = None
    # Set for events meant for one person only (a mention, a personal notice).
    user_id: int | None = None
    payload: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


@dataclass(slots=True)
class NewEvent:
    """An event an action emits, on its way into the event table with its transaction.

    Plain, not the table model: ingest emits two per stored message, and an Event instance
    costs ten times more to make (SQLModel inspects its signature and sets each column
    through the ORM's instrumentation). It has an Event row's attributes; `seq` is set when
    it is written, and after-commit subscribers get these.
    """

    type: str
    payload: dict[str, Any]
    thread_id: int | None = None
    user_id: int | None = None
    created_at: datetime = field(default_factory=utcnow)
    seq: int | None = None


class DeskSetting(SQLModel, table=True):
    """A desk-wide switch an admin or supervisor changes at run time (crisis mode, policies)."""

    __tablename__ = "desk_setting"

    key: str = Field(primary_key=True, max_length=64)
    value: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
