"""Events that change the board: threads opened, messages added, claims, assignment, status.

Every thread event carries the thread's whole card, so a board applies it by replacing one
card: the board is a function of its events.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from server.events.base import DeskEvent, Strict


class UserRef(Strict):
    id: int
    name: str


class Author(Strict):
    contact_id: int
    name: str
    handle: str | None


class ReadingView(Strict):
    """The reading of an inbound message (server/reading/): its language and sentiment."""

    language: Literal["de", "en"] | None
    score: float  # -1 (angry) .. 1 (delighted)
    label: Literal["negative", "neutral", "positive"]


class ThreadCard(Strict):
    id: int
    network: str
    channel_id: int
    channel_name: str
    visibility: Literal["public", "private"]
    status: str
    priority: str
    tags: list[str]
    reason: str | None
    author: Author
    customer_id: int | None
    excerpt: str
    team_id: int | None
    assignee: UserRef | None
    holder: UserRef | None
    claim_token: int
    private_thread_id: int | None
    public_thread_id: int | None
    created_at: str
    last_message_at: str
    waiting_since: str | None
    sla_due_at: str | None
    message_count: int
    # The networks' windows (server/actions/windows.py): until when a private reply to the
    # customer's comment, or a message in a private thread, is still possible.
    private_reply_until: str | None = None
    message_window_until: str | None = None
    # A reply to this thread waits for a supervisor's approval.
    awaiting_approval: bool = False
    # The reading of the thread's newest inbound message: how the customer sounded last.
    reading: ReadingView | None = None
    # The incident its complaints were grouped into (server/incidents/).
    incident_id: int | None = None
    # The routing rule that gave the thread its team ("routed by rule 'Billing DE'").
    routed_by: str | None = None


class ReplyAuthor(Strict):
    """Someone whose words are in a sent reply: who submitted it, co-wrote the draft, or
    corrected it while approving."""

    id: int
    name: str
    part: Literal["submitted", "co-wrote", "corrected"]


class MessageView(Strict):
    id: int
    thread_id: int
    direction: Literal["in", "out"]
    visibility: Literal["public", "private"]
    author_name: str
    text: str
    created_at: str
    delivery_status: str
    # An outgoing reply's authors (empty for the customer's messages).
    authors: list[ReplyAuthor] = []
    reading: ReadingView | None = None  # inbound messages only


class ThreadOpened(DeskEvent):
    type: ClassVar[str] = "thread.opened"
    card: ThreadCard


class MessageAdded(DeskEvent):
    type: ClassVar[str] = "message.added"
    message: MessageView
    card: ThreadCard


class ThreadClaimed(DeskEvent):
    type: ClassVar[str] = "thread.claimed"
    thread_id: int
    holder: UserRef
    fencing_token: int
    expires_at: str
    taken_over_from: UserRef | None
    card: ThreadCard


class ThreadReleased(DeskEvent):
    type: ClassVar[str] = "thread.released"
    thread_id: int
    previous_holder: UserRef
    reason: Literal["released", "expired"]
    card: ThreadCard


class ThreadAssigned(DeskEvent):
    type: ClassVar[str] = "thread.assigned"
    thread_id: int
    assignee: UserRef | None
    by: UserRef
    card: ThreadCard


class ThreadStatusChanged(DeskEvent):
    type: ClassVar[str] = "thread.status_changed"
    thread_id: int
    status: str
    by: UserRef | None
    card: ThreadCard
