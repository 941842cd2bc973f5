"""Typed events: every change the desk makes is one of these, with a sequence number."""

from server.events.base import EVENT_TYPES, DeskEvent, event_row, parse_event
from server.events.board import (
    MessageAdded,
    MessageView,
    ThreadAssigned,
    ThreadCard,
    ThreadClaimed,
    ThreadOpened,
    ThreadReleased,
    ThreadStatusChanged,
    UserRef,
)

__all__ = [
    "EVENT_TYPES",
    "DeskEvent",
    "MessageAdded",
    "MessageView",
    "ThreadAssigned",
    "ThreadCard",
    "ThreadClaimed",
    "ThreadOpened",
    "ThreadReleased",
    "ThreadStatusChanged",
    "UserRef",
    "event_row",
    "parse_event",
]
