"""What the desk knows about customers beyond their contacts: the identities their
profiles and messages reveal, notes, the attributes admins define, and the merges made."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class ContactIdentity(SQLModel, table=True):
    """Something that points at a person: an e-mail address, a phone number, a handle, a
    word of a name, or a link the network proved. Two contacts of different customers
    sharing one (kind, value) is a suggested merge (server/queries/customer_matches.py)."""

    __tablename__ = "contact_identity"
    __table_args__ = (
        UniqueConstraint("contact_id", "kind", "value"),
        Index("ix_contact_identity_kind_value", "kind", "value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id")
    kind: str = Field(max_length=16)  # email | phone | handle | name | link
    value: str = Field(max_length=255)  # normalized (server/identities.py)
    source: str = Field(max_length=16)  # profile | message | network
    message_id: int | None = Field(default=None, foreign_key="message.id")
    created_at: datetime = Field(default_factory=utcnow)


class CustomerNote(SQLModel, table=True):
    """An internal note about the customer (not about one thread); never leaves the desk."""

    __tablename__ = "customer_note"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    author_id: int = Field(foreign_key="account.id")
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class AttributeDefinition(SQLModel, table=True):
    """A custom customer attribute an admin defined: its key, label, kind and choices."""

    __tablename__ = "customer_attribute"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=64)
    label: str = Field(max_length=120)
    kind: str = Field(max_length=8)  # text | number | choice | date
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class CustomerMerge(SQLModel, table=True):
    """One merge: what moved from `source` to `target`, so a split puts back exactly that."""

    __tablename__ = "customer_merge"

    id: int | None = Field(default=None, primary_key=True)
    target_id: int = Field(foreign_key="customer.id", index=True)
    source_id: int = Field(foreign_key="customer.id", index=True)
    contact_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    thread_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reason: str | None = Field(default=None, max_length=200)
    merged_by_id: int | None = Field(default=None, foreign_key="account.id")
    merged_at: datetime = Field(default_factory=utcnow)
    split_by_id: int | None = Field(default=None, foreign_key="account.id")
    split_at: datetime | None = None
