"""The state of channels the desk reads by polling or a stream (Mastodon, YouTube, e-mail)."""

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from server.models.time import utcnow


class ChannelWatch(SQLModel, table=True):
    """Which process reads a channel (a lease), where it got to, and how it is going."""

    channel_id: int = Field(foreign_key="channel.id", primary_key=True)
    # The process holding the lease; another may take over once `lease_until` has passed.
    holder: str | None = Field(default=None, max_length=80)
    lease_until: datetime | None = None
    # Where the network's reader resumes (the last delivered batch), as the adapter wrote it.
    cursor: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Facts the adapter reports for people (quota used, the stream's state).
    report: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="starting", max_length=16)  # starting running retrying stopped
    error: str | None = Field(default=None, max_length=500)
    retry_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
