"""What the desk works on: channels, customers and their contacts, threads and messages."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class Channel(SQLModel, table=True):
    """A connected account on one network (or the generic webhook, or the simulator)."""

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=32)  # facebook, instagram, x, youtube, whatsapp, webhook, ...
    adapter: str = Field(max_length=32)  # which module in channels/ speaks for it
    name: str = Field(max_length=120)
    external_account_id: str | None = Field(default=None, max_length=255)
    # Tokens and webhook secrets, encrypted with the desk's key (see server/crypto.py).
    secret_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    config: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class Customer(SQLModel, table=True):
    """One person or company, known through one or more contacts on different channels."""

    id: int | None = Field(default=None, primary_key=True)
    display_name: str = Field(max_length=200)
    language: str | None = Field(default=None, max_length=8)
    vip: bool = False
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Values of the attributes admins define (server/models/customers.py), by their key.
    attributes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Set while this customer is merged into another: its contacts and threads are there,
    # and a split (server/actions/customer_merges.py) brings them back.
    merged_into_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Contact(SQLModel, table=True):
    """A customer's identity on one channel."""

    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    external_id: str = Field(max_length=255)
    name: str = Field(max_length=200)
    handle: str | None = Field(default=None, max_length=200)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Thread(SQLModel, table=True):
    """A conversation: a public post with its comments, or a private message exchange."""

    __table_args__ = (
        UniqueConstraint("channel_id", "external_key"),
        Index("ix_thread_status_last", "status", "last_message_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    external_key: str = Field(max_length=255)
    visibility: str = Field(max_length=8)  # public | private
    # new | open | waiting | pending_approval | resolved | closed (server/statuses.py)
    status: str = Field(default="new", max_length=16)
    priority: str = Field(default="normal", max_length=16)  # low | normal | high | urgent
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, max_length=64)  # contact reason, for statistics
    contact_id: int = Field(foreign_key="contact.id", index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    subject: str = Field(default="", max_length=300)
    excerpt: str = Field(default="", max_length=300)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    routed_by: str | None = Field(default=None, max_length=120)  # the routing rule's name
    assignee_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # The claim: who holds the thread, until when, and a fencing token that grows with
    # every change of holder so a stale holder's writes can be refused.
    claim_holder_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    claim_expires_at: datetime | None = Field(default=None, index=True)
    claim_token: int = 0
    # Escalation: a public thread points at the private thread it was taken to, and back.
    private_thread_id: int | None = Field(default=None, foreign_key="thread.id")
    public_thread_id: int | None = Field(default=None, foreign_key="thread.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    last_message_at: datetime = Field(default_factory=utcnow)
    # Set while the customer waits for an answer; the SLA clock runs from here.
    waiting_since: datetime | None = None
    sla_due_at: datetime | None = None
    message_count: int = 0
    # When it was resolved: it closes, and stops reopening, so many days later.
    resolved_at: datetime | None = None
    # The closed thread whose customer wrote again, which this thread carries on.
    previous_thread_id: int | None = Field(default=None, foreign_key="thread.id")
    # The incident its complaints were grouped into (server/incidents/), if any.
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)


class Message(SQLModel, table=True):
    """One post, comment, reply or direct message, inbound or outbound."""

    __table_args__ = (
        UniqueConstraint("channel_id", "external_id"),
        Index("ix_message_thread_created", "thread_id", "id"),
        # The war room's windows (server/warroom/kpis.py): the last hour, the last day.
        Index("ix_message_created", "created_at"),
        Index("ix_message_contact_created", "contact_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id")
    channel_id: int = Field(foreign_key="channel.id")
    external_id: str | None = Field(default=None, max_length=255)
    direction: str = Field(max_length=3)  # in | out
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    author_user_id: int | None = Field(default=None, foreign_key="account.id")
    # An outgoing reply's authors: [{id, name}] of the submitter, the draft's co-authors and
    # an approver who corrected it, as they were named when it was sent.
    authors: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    visibility: str = Field(max_length=8)  # public | private
    reply_to_external_id: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(default_factory=utcnow)  # the network's time
    received_at: datetime = Field(default_factory=utcnow)
    # received | queued | sending | sent | delivered | read | failed
    delivery_status: str = Field(default="received", max_length=16)
    delivery_error: str | None = Field(default=None, max_length=500)
    # The reading of an inbound message (server/reading/), set at ingest; None on replies.
    language: str | None = Field(default=None, max_length=2)  # de | en
    sentiment_score: float | None = None  # -1 .. 1
    sentiment_label: str | None = Field(default=None, max_length=8)  # negative|neutral|positive
