"""Publishing: the brand's own posts, composed, approved, scheduled and published once."""

from datetime import datetime

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import Field, SQLModel

from server.models.time import utcnow

POST_STATES = ("draft", "pending", "approved", "rejected", "publishing", "published",
               "failed", "unsure")


class ScheduledPost(SQLModel, table=True):
    """One post for one network account, at its time.

    Publishing takes the row with a conditional UPDATE (approved, not paused, due, no retry
    waiting) that sets a lease, calls the network outside any transaction with the post's
    idempotency key, and records the answer only while it still holds the lease.
    """

    __tablename__ = "scheduled_post"
    __table_args__ = (Index("ix_scheduled_post_due", "status", "publish_at"),)

    id: int | None = Field(default=None, primary_key=True)
    channel_id: int = Field(foreign_key="channel.id")
    campaign: str = Field(default="", max_length=64)  # the tag its comments' threads get
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    publish_at: datetime
    time_zone: str = Field(default="UTC", max_length=64)  # as the author planned it
    status: str = Field(default="draft", max_length=16)
    paused: bool = False  # "pause all scheduled": never goes out by itself while set
    author_id: int = Field(foreign_key="account.id")
    approved_by_id: int | None = Field(default=None, foreign_key="account.id")
    comment: str | None = Field(default=None, max_length=500)  # why it was rejected
    idempotency_key: str = Field(max_length=64, unique=True)
    attempts: int = 0
    holder: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = None
    retry_at: datetime | None = None
    external_id: str | None = Field(default=None, max_length=255, index=True)
    url: str | None = Field(default=None, max_length=500)
    answer: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = Field(default=None, max_length=500)
    published_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class PostThread(SQLModel, table=True):
    """A thread of comments on a published post."""

    __tablename__ = "post_thread"

    post_id: int = Field(foreign_key="scheduled_post.id", primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", primary_key=True)
