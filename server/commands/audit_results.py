"""What the audit trail's commands answer."""

from __future__ import annotations

from typing import Any

from server.commands.results import Result


class AuditEntryView(Result):
    id: int
    at: str
    actor_id: int | None
    actor_name: str | None
    action: str
    thread_id: int | None
    detail: dict[str, Any]
    request_id: str | None


class AuditList(Result):
    entries: list[AuditEntryView]
    next_before: int | None  # the next page's `before`; null on the last page


class AuditPerson(Result):
    id: int
    name: str


class AuditChoices(Result):
    actions: list[str]
    people: list[AuditPerson]
