"""Outgoing webhooks: who wants which desk events, and every delivery with its attempts."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class HookSubscription(SQLModel, table=True):
    """An admin's URL that hears of some event types, signed with its own secret."""

    __tablename__ = "hook_subscription"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str  # sealed with the desk's key (server/crypto.py)
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow)


class HookDelivery(SQLModel, table=True):
    """One event for one subscription: sent until answered 2xx, retried with backoff."""

    __tablename__ = "hook_delivery"
    __table_args__ = (Index("ix_hook_delivery_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="hook_subscription.id", index=True)
    event_seq: int
    event_type: str = Field(max_length=64)
    # The receiver's idempotency key: the same for every attempt and for "send again".
    idempotency_key: str = Field(unique=True, max_length=64)
    body: str  # the JSON sent, fixed when the delivery is made
    status: str = Field(default="queued", max_length=16)  # queued retry sending delivered failed
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None


class HookAttempt(SQLModel, table=True):
    """One try of a delivery and what the receiver answered: the delivery log."""

    __tablename__ = "hook_attempt"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="hook_delivery.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    status_code: int | None = None  # None: no answer (refused, timed out)
    answer: str = Field(default="", max_length=2000)  # the start of the body, or the error


class HookCursor(SQLModel, table=True):
    """How far the event log has been read for subscriptions: one row, moved by a
    conditional update, so each event becomes deliveries once across processes."""

    __tablename__ = "hook_cursor"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
