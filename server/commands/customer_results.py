"""The shapes the customer commands answer with (see results.py for the rest)."""

from __future__ import annotations

from typing import Literal

from server.commands.results import Result
from server.events import CustomerNoteView, CustomerView, ThreadCard


class ContactView(Result):
    id: int
    network: str
    channel_id: int
    channel_name: str
    external_id: str
    name: str
    handle: str | None


class Address(Result):
    kind: Literal["email", "phone"]
    value: str
    source: Literal["profile", "message", "network"]
    contact_id: int


class TimelineMessage(Result):
    id: int
    thread_id: int
    direction: Literal["in", "out"]
    visibility: Literal["public", "private"]
    text: str
    network: str
    created_at: str


class MergeView(Result):
    id: int
    merged_id: int
    merged_name: str
    contacts: int
    threads: int
    reason: str | None
    merged_at: str


class AttributeView(Result):
    id: int
    key: str
    label: str
    kind: Literal["text", "number", "choice", "date"]
    choices: list[str]
    position: int


class CustomerDetail(Result):
    customer: CustomerView
    contacts: list[ContactView]
    addresses: list[Address]
    threads: list[ThreadCard]  # every network, newest activity first
    messages: list[TimelineMessage]  # the newest across all threads
    notes: list[CustomerNoteView]
    merges: list[MergeView]  # merges into this customer that can be split
    attributes: list[AttributeView]  # what admins defined, in order


class CustomerSummary(CustomerView):
    contacts: list[ContactView]
    thread_count: int


class CustomerList(Result):
    customers: list[CustomerSummary]


class CustomerAnswer(Result):
    customer: CustomerView


class Merged(Result):
    customer: CustomerView
    merge_id: int


class SplitDone(Result):
    customer: CustomerView
    restored: CustomerView


class Reason(Result):
    reason: Literal["network_link", "whatsapp_number", "same_email", "same_phone",
                    "same_handle", "similar_name"]
    confidence: float
    value: str
    score: int | None = None


class SuggestionView(Result):
    customer_id: int
    display_name: str
    vip: bool
    confidence: float  # 0..1, the strongest reason's
    reasons: list[Reason]
    contacts: list[ContactView]


class Suggestions(Result):
    suggestions: list[SuggestionView]


class CustomerNoteAnswer(Result):
    note: CustomerNoteView


class Attributes(Result):
    attributes: list[AttributeView]


class AttributeAnswer(Result):
    attribute: AttributeView
