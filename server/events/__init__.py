"""Typed events: every change the desk makes is one of these, with a sequence number."""

from server.events.base import EVENT_TYPES, DeskEvent, event_row, parse_event
from server.events.board import (
    MessageAdded,
    MessageView,
    ReadingView,
    ThreadAssigned,
    ThreadCard,
    ThreadClaimed,
    ThreadOpened,
    ThreadReleased,
    ThreadStatusChanged,
    UserRef,
)
from server.events.drafts import DraftInvited, DraftUninvited
from server.events.escalation import EscalationLinked, ThreadBackToPublic, ThreadTakenPrivate
from server.events.replies import (
    ApprovalDecided,
    ApprovalRequested,
    ApprovalView,
    CrisisChanged,
    DiffPart,
    Mentioned,
    MessageDelivery,
    NoteAdded,
    NoteView,
    ReplyDecided,
    ReplyState,
)

__all__ = [
    "EVENT_TYPES",
    "ApprovalDecided",
    "ApprovalRequested",
    "ApprovalView",
    "CrisisChanged",
    "DeskEvent",
    "DiffPart",
    "DraftInvited",
    "DraftUninvited",
    "EscalationLinked",
    "Mentioned",
    "MessageAdded",
    "MessageDelivery",
    "MessageView",
    "NoteAdded",
    "NoteView",
    "ReadingView",
    "ReplyDecided",
    "ReplyState",
    "ThreadAssigned",
    "ThreadBackToPublic",
    "ThreadCard",
    "ThreadClaimed",
    "ThreadOpened",
    "ThreadReleased",
    "ThreadStatusChanged",
    "ThreadTakenPrivate",
    "UserRef",
    "event_row",
    "parse_event",
]
