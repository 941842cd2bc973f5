"""What ingest hands to the steps that act on new messages inside its transaction.

Routing, service levels and incident grouping decide something about each thread a batch of
inbound messages touched, and their decision must land with the messages: a board must never
see a new thread before it has its team, or a message before its thread's clock moved. So
ingest runs its steps (IngestStep) in the batch's transaction, after the messages are stored
and before the events are emitted: a column a step sets is written with the batch's one
UPDATE of its threads and shows on the cards of the events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from channels.base import InboundItem
from server.db import Tx
from server.models import Channel
from server.reading import Reading

# What a step may change on a thread; the rest (counts, excerpt, claim) is ingest's own.
STEP_COLUMNS = frozenset({
    "status", "priority", "tags", "team_id", "assignee_id", "reason", "waiting_since",
    "sla_due_at", "incident_id", "routed_by",
})


@dataclass(frozen=True, slots=True)
class Someone:
    """A person as a card names them: the author (with a handle), the holder, the assignee.
    Plain, not a model: ingest makes several per batch, and a model costs ten times more."""

    id: int
    name: str
    handle: str | None = None


@dataclass
class ArrivingThread:
    """A thread as the batch leaves it, and what its card shows besides the thread row."""

    row: dict[str, Any]  # the thread's columns, advanced item by item
    author: Someone
    holder: Someone | None
    assignee: Someone | None
    customer_last_at: datetime | None
    opened: bool  # created by this batch (its first stored item announces it)
    touched: bool = False
    awaiting_approval: bool = False  # a reply to it waits for a supervisor
    changed: set[str] = field(default_factory=set)  # columns steps set

    @property
    def id(self) -> int:
        return int(self.row["id"])

    def set(self, column: str, value: object) -> None:
        if column not in STEP_COLUMNS:
            raise ValueError(f"an ingest step may not set thread.{column}")
        self.row[column] = value
        self.changed.add(column)

    def assign(self, user_id: int | None, name: str = "") -> None:
        """Give the thread to a person (or to nobody), as its card will show."""
        self.set("assignee_id", user_id)
        self.assignee = None if user_id is None else Someone(user_id, name)


@dataclass(frozen=True)
class Arrival:
    """One inbound message the batch stored (a provider's retry is not one)."""

    message_id: int
    channel: Channel
    item: InboundItem
    reading: Reading
    contact_id: int
    customer_id: int | None
    thread: ArrivingThread  # shared by the arrivals of one thread, in their order


class IngestStep(Protocol):
    """Acts on a batch's new messages in its transaction (see the module's note). Called
    once per batch with its arrivals in the order they came; must not commit."""

    async def arrived(self, tx: Tx, arrivals: Sequence[Arrival], now: datetime) -> None: ...
