"""Service levels: the policies (how soon a thread must be answered and solved) and each
thread's running clocks, which the timer (server/services/sla_timer.py) watches."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from server.models.time import utcnow

TARGETS = ("first_response", "next_response", "resolution")


class SlaPolicy(SQLModel, table=True):
    """Targets in minutes of the team's working time. A thread gets the first active policy
    by position whose team, network, priority and VIP flag (each when set) are its own."""

    __tablename__ = "sla_policy"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    position: int = 0
    active: bool = True
    team_id: int | None = Field(default=None, foreign_key="team.id")
    network: str | None = Field(default=None, max_length=32)
    priority: str | None = Field(default=None, max_length=16)
    vip: bool | None = None
    first_response_minutes: int | None = None
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class SlaClock(SQLModel, table=True):
    """One target of one thread: due at `due_at`, warned at `warn_at`. The timer takes a due
    row with a conditional UPDATE, so each warning and breach is announced once."""

    __tablename__ = "sla_clock"
    __table_args__ = (
        UniqueConstraint("thread_id", "target"),
        Index("ix_sla_clock_warn", "warn_at"),
        Index("ix_sla_clock_due", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id")
    target: str = Field(max_length=16)  # first_response | next_response | resolution
    policy_id: int | None = Field(default=None, foreign_key="sla_policy.id")
    started_at: datetime
    due_at: datetime | None  # None while paused or stopped
    warn_at: datetime | None
    paused_at: datetime | None = None  # waiting on the customer: the clock stands
    warned_at: datetime | None = None
    breached_at: datetime | None = None
