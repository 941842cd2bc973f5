"""Data protection: export what the desk holds about a customer, erase it on request."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from server.actions.privacy import do_erase_customer
from server.commands.customers import CUSTOMER, CustomerRef
from server.commands.inputs import CommandInput, Id
from server.commands.registry import Call, Command, Rest
from server.commands.results import Result
from server.errors import NotFound
from server.queries.privacy import customer_export


class EraseInput(CommandInput):
    customer_id: Id
    confirm: Literal[True] = Field(description="true: erasing cannot be undone")


class CustomerExport(Result):
    exported_at: str
    customer: dict[str, Any]
    contacts: list[dict[str, Any]]
    identities: list[dict[str, Any]]
    threads: list[dict[str, Any]]
    thread_notes: list[dict[str, Any]]
    drafts: list[dict[str, Any]]
    customer_notes: list[dict[str, Any]]


class CustomerErasedAnswer(Result):
    customer_id: int
    threads: int
    messages: int


async def export(call: Call, data: CustomerRef) -> dict[str, object]:
    document = await customer_export(call.desk.db, data.customer_id)
    async with call.desk.db.write() as tx:
        tx.audit("customer.export", call.actor.id, customer_id=data.customer_id)
    return document


async def erase(call: Call, data: EraseInput) -> dict[str, object]:
    done = await do_erase_customer(call.desk.db, call.actor, data.customer_id)
    return {"customer_id": done.customer_id, "threads": done.threads,
            "messages": done.messages}


COMMANDS = [
    Command("customer.export", CustomerRef, export,
            "Everything the desk holds about a customer, as one JSON document (audited).",
            permission="customer.privacy", result=CustomerExport,
            rest=Rest("GET", CUSTOMER + "/export"), errors=(NotFound,), tags=("customers",)),
    Command("customer.erase", EraseInput, erase,
            "Erase a customer: messages redacted, identities, notes and drafts deleted, "
            "the audit kept with ids only. Cannot be undone.",
            permission="customer.privacy", result=CustomerErasedAnswer,
            rest=Rest("POST", CUSTOMER + "/erase"), errors=(NotFound,), tags=("customers",)),
]
