"""Answering: drafts, approvals, internal notes, templates and the outbox."""

from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.time import utcnow

# An approval still open: waiting for an approver, for a correction's confirmation, or
# approved but held for messages that came in meanwhile.
OPEN_APPROVAL = ("pending", "corrected", "held")


class Draft(SQLModel, table=True):
    """The reply being written on a thread, co-edited live."""

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", unique=True)
    state: str = Field(default="editing", max_length=16)  # editing | pending
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The collaborative document (CRDT update) the text is derived from.
    document: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    version: int = 0
    # The newest message the authors had seen when they last touched the draft.
    seen_message_id: int | None = None
    # Everyone whose keystrokes are in the draft (user ids, in order of first edit).
    authors: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # People the claim holder invited to co-edit; they count only under the claim they were
    # invited under (`invited_claim_token`), so a new holder starts with nobody invited.
    invited: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    invited_claim_token: int | None = None
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")
    updated_at: datetime = Field(default_factory=utcnow)


class Approval(SQLModel, table=True):
    """A submitted reply waiting for (or decided by) a second pair of eyes."""

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    submitted_by_id: int = Field(foreign_key="account.id")
    authors: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_text: str = Field(sa_column=Column(Text, nullable=False))
    final_text: str | None = Field(default=None, sa_column=Column(Text))
    # pending | corrected (an approver changed the text: a second person confirms it) |
    # held (approved, but new messages came in) | approved | rejected | withdrawn
    status: str = Field(default="pending", max_length=16, index=True)
    # Who corrected the text, and who must confirm it: "author" or "approver" (the policy's
    # `corrections` when it was corrected).
    corrected_by_id: int | None = Field(default=None, foreign_key="account.id")
    confirm_by: str | None = Field(default=None, max_length=16)
    # The colleague a supervisor handed the approval to (they are told; anyone eligible may
    # still decide).
    handed_to_id: int | None = Field(default=None, foreign_key="account.id")
    # The newest message the authors had seen when they submitted (or confirmed).
    seen_message_id: int | None = None
    # The outgoing message, once the reply was approved and queued.
    message_id: int | None = Field(default=None, foreign_key="message.id")
    decided_by_id: int | None = Field(default=None, foreign_key="account.id")
    comment: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class Note(SQLModel, table=True):
    """An internal note on a thread; never leaves the desk."""

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    author_id: int = Field(foreign_key="account.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    mentions: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Template(SQLModel, table=True):
    """A canned reply with variables; crisis holding statements are templates too."""

    __table_args__ = (UniqueConstraint("name", "language"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    language: str = Field(max_length=8)
    body: str = Field(sa_column=Column(Text, nullable=False))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    holding_statement: bool = False
    updated_by_id: int | None = Field(default=None, foreign_key="account.id")
    updated_at: datetime = Field(default_factory=utcnow)


class OutboxItem(SQLModel, table=True):
    """A reply on its way to a network: sent once, retried with backoff."""

    __tablename__ = "outbox_item"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    channel_id: int = Field(foreign_key="channel.id")
    idempotency_key: str = Field(unique=True, max_length=64)
    status: str = Field(default="queued", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_error: str | None = Field(default=None, max_length=500)
    # What the network answered when it published the reply (ids it assigned, such as the
    # Messenger id a Facebook private reply reached), kept for what follows the send.
    answer: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
