"""Events of answering: submit and approval, sending and delivery, notes, mentions, crisis.

Events that change a thread's card carry it (`message.delivery`); the others change no
card. `notification.*` events are personal: each reaches one user only.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from server.events.base import DeskEvent, Strict
from server.events.board import ThreadCard, UserRef


class DiffPart(Strict):
    op: Literal["same", "del", "ins"]
    text: str


class AnsweredMessage(Strict):
    """The customer's message a reply answers: their newest one the authors had seen."""

    id: int
    author_name: str
    text: str
    created_at: str


class ApprovalView(Strict):
    id: int
    thread_id: int
    status: Literal["pending", "corrected", "held", "approved", "rejected", "withdrawn"]
    network: str
    channel_name: str
    visibility: Literal["public", "private"]
    customer_name: str
    excerpt: str  # the thread's newest message, whoever wrote it
    answering: AnsweredMessage | None = None
    submitted_by: UserRef
    authors: list[UserRef]
    submitted_text: str
    final_text: str | None
    # Word by word from the submitted to the final text; empty when nobody corrected it.
    diff: list[DiffPart]
    comment: str | None
    decided_by: UserRef | None
    # A correction awaits confirmation (status corrected): who made it, and who confirms,
    # "author" (an author of the reply) or "approver" (a second approver).
    corrected_by: UserRef | None
    confirm_by: Literal["author", "approver"] | None
    # The colleague a supervisor handed the approval to.
    handed_to: UserRef | None
    # Who may still approve it (four eyes rules out its authors and its corrector), so a
    # team sees when nobody can.
    approvers: list[UserRef]
    message_id: int | None
    created_at: str
    decided_at: str | None


class ApprovalRequested(DeskEvent):
    """A reply waits for a second pair of eyes: every approvals queue adds it."""

    type: ClassVar[str] = "approval.requested"
    approval: ApprovalView
    card: ThreadCard


class ApprovalDecided(DeskEvent):
    """Corrected (a second person confirms), approved (queued for sending), held for new
    messages, rejected or withdrawn."""

    type: ClassVar[str] = "approval.decided"
    approval: ApprovalView
    card: ThreadCard


class ReplyState(DeskEvent):
    """The thread's draft changed state: locked while pending, editable again, or sent."""

    type: ClassVar[str] = "reply.state"
    thread_id: int
    state: Literal["editing", "pending"]
    reason: Literal["submitted", "corrected", "held", "rejected", "withdrawn", "sent"]
    approval_id: int | None
    text: str  # the draft's text now (empty once it was sent)


class MessageDelivery(DeskEvent):
    type: ClassVar[str] = "message.delivery"
    message_id: int
    thread_id: int
    status: Literal["queued", "sending", "sent", "delivered", "read", "failed"]
    error: str | None
    external_id: str | None
    attempts: int
    next_attempt_at: str | None
    card: ThreadCard


class NoteView(Strict):
    id: int
    thread_id: int
    author: UserRef
    text: str
    mentions: list[UserRef]
    created_at: str


class NoteAdded(DeskEvent):
    type: ClassVar[str] = "note.added"
    note: NoteView


class Mentioned(DeskEvent):
    type: ClassVar[str] = "notification.mentioned"
    personal: ClassVar[bool] = True
    note_id: int
    thread_id: int
    by: UserRef
    text: str
    thread_excerpt: str


class ReplyDecided(DeskEvent):
    """Told to each author of a reply: what the approver did, and what they changed."""

    type: ClassVar[str] = "notification.reply_decided"
    personal: ClassVar[bool] = True
    approval_id: int
    thread_id: int
    status: Literal["corrected", "held", "approved", "rejected"]
    by: UserRef
    # For a correction: who confirms it, "author" (you) or "approver" (a second approver).
    confirm_by: Literal["author", "approver"] | None
    comment: str | None
    submitted_text: str
    final_text: str | None
    diff: list[DiffPart]


class ApprovalHanded(DeskEvent):
    """A supervisor handed an approval to a named colleague: every queue shows to whom."""

    type: ClassVar[str] = "approval.handed"
    approval: ApprovalView
    by: UserRef


class ApprovalHandedToYou(DeskEvent):
    """Told to the colleague an approval was handed to."""

    type: ClassVar[str] = "notification.approval_handed"
    personal: ClassVar[bool] = True
    approval_id: int
    thread_id: int
    by: UserRef
    customer_name: str
    excerpt: str


class CrisisChanged(DeskEvent):
    type: ClassVar[str] = "crisis.changed"
    on: bool
    message: str
    by: UserRef
    at: str
