"""Reading the audit trail: who did what, when, on which thread; the page at /audit and its
CSV export run these too."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from server.commands.audit_results import AuditChoices, AuditList
from server.commands.inputs import Chars, CommandInput, Id, NoInput
from server.commands.registry import Call, Command, Rest
from server.errors import N_, Invalid
from server.queries.audit import AuditFilter, audit_choices, audit_page

MAX_PAGE = 500
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)
Day = Annotated[str, Chars(10), StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]


class AuditInput(CommandInput):
    person_id: Id | None = Field(None, description="only what this user did")
    action: Annotated[str, Chars(64)] | None = Field(None, description="e.g. thread.claim")
    thread_id: Id | None = None
    since: Day | None = Field(None, description="first day (UTC), YYYY-MM-DD")
    until: Day | None = Field(None, description="last day (UTC), YYYY-MM-DD, inclusive")
    limit: int = Field(100, ge=1, le=MAX_PAGE)
    before: Id | None = Field(None, description="only entries older than this id (paging)")


def day_of(name: str, text: str | None) -> date | None:
    if text is None or text == "":
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid(N_("%(name)s must be a date (YYYY-MM-DD)."), name=name) from None
    # Room for a period's next day and a report's previous period on either side.
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(N_("%(name)s must be between %(first)s and %(last)s."), name=name,
                      first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat())
    return day


def audit_filter(data: AuditInput) -> AuditFilter:
    """The rows the input asks for; a period that ends before it starts is refused."""
    since, until = day_of("since", data.since), day_of("until", data.until)
    if since and until and until < since:
        raise Invalid(N_("The period ends before it starts."))
    return AuditFilter(person_id=data.person_id, action=data.action or None,
                       thread_id=data.thread_id, since=since, until=until)


async def list_audit(call: Call, data: AuditInput) -> dict[str, Any]:
    return await audit_page(call.desk.db, audit_filter(data), limit=data.limit,
                            before=data.before)


async def choices(call: Call, _: NoInput) -> dict[str, Any]:
    return await audit_choices(call.desk.db)


TAGS = ("audit",)
COMMANDS = [
    Command("audit.list", AuditInput, list_audit,
            "The audit trail, newest first: who did what, when, on which thread; by person, "
            "action, thread and period, paged by id.", permission="audit.view",
            result=AuditList, rest=Rest("GET", "/api/audit"), tags=TAGS),
    Command("audit.choices", NoInput, choices,
            "What the audit trail's filters offer: the actions written so far, the people.",
            permission="audit.view", result=AuditChoices, rest=Rest("GET", "/api/audit/choices"),
            tags=TAGS),
]
