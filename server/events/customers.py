"""Events about customers: their profile changed, two became one, one became two again.

A merge or split also moves threads from one customer to another: each moved thread gets a
`thread.customer_changed` with its card, so boards replace the card as for any thread event.
"""

from __future__ import annotations

from typing import Any, ClassVar

from server.events.base import DeskEvent, Strict
from server.events.board import ThreadCard, UserRef


class CustomerView(Strict):
    id: int
    display_name: str
    language: str | None
    vip: bool
    tags: list[str]
    attributes: dict[str, Any]  # by the key of an attribute definition
    merged_into_id: int | None


class CustomerNoteView(Strict):
    id: int
    customer_id: int
    author: UserRef
    text: str
    created_at: str


class CustomerUpdated(DeskEvent):
    type: ClassVar[str] = "customer.updated"
    customer: CustomerView
    changed: list[str]  # the fields given: display_name, language, vip, tags, attributes
    by: UserRef


class CustomerMerged(DeskEvent):
    type: ClassVar[str] = "customer.merged"
    customer: CustomerView  # the one that stays
    merged_id: int  # the one merged into it
    merge_id: int
    by: UserRef


class CustomerSplit(DeskEvent):
    type: ClassVar[str] = "customer.split"
    customer: CustomerView  # the one split from
    restored: CustomerView  # the one that has its contacts and threads (back)
    merge_id: int | None  # the merge undone; null when contacts were split off
    by: UserRef


class CustomerNoteAdded(DeskEvent):
    type: ClassVar[str] = "customer.note_added"
    note: CustomerNoteView


class ThreadCustomerChanged(DeskEvent):
    type: ClassVar[str] = "thread.customer_changed"
    thread_id: int
    customer_id: int
    card: ThreadCard
