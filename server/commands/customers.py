"""Commands on customers: read, search, change, merge and split, suggested merges, and the
attributes admins define."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from server.actions.customer_attributes import (
    MAX_CHOICES,
    MAX_TEXT,
    definition_view,
    definitions,
    do_change_attribute,
    do_define_attribute,
    do_delete_attribute,
)
from server.actions.customer_merges import do_merge, do_split
from server.actions.customers import MAX_NOTE, MAX_TAGS, do_add_customer_note, do_update_customer
from server.commands.customer_results import (
    AttributeAnswer,
    Attributes,
    CustomerAnswer,
    CustomerDetail,
    CustomerList,
    CustomerNoteAnswer,
    Merged,
    SplitDone,
    Suggestions,
)
from server.commands.inputs import AnyFlag, Chars, CommandInput, Id, NoInput, ThreadRef
from server.commands.registry import Call, Command, Rest
from server.commands.results import Deleted
from server.errors import Conflict, NotFound
from server.queries.customer_matches import suggestions
from server.queries.customers import customer_detail, customer_of_thread, search_customers

Name = Annotated[str, Chars(200, min_length=1)]
Tag = Annotated[str, Chars(40)]
Language = Annotated[str, Chars(8), StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,4})?$")]
AttributeKey = Annotated[str, Chars(64)]
AttributeValue = Annotated[str, Chars(MAX_TEXT)] | int | float | None
Kind = Literal["text", "number", "choice", "date"]
Choices = list[Annotated[str, Chars(120)]]


class CustomerRef(CommandInput):
    customer_id: Id


class SearchInput(CommandInput):
    q: Annotated[str, Chars(200)] | None = Field(
        None, description="in the name, the contacts' names and handles; an exact e-mail "
                          "address or phone number")
    vip: AnyFlag = None
    tag: Tag | None = None
    limit: int = Field(50, ge=1, le=200)
    before: Id | None = Field(None, description="only customer ids below this one")


class UpdateInput(CustomerRef):
    display_name: Name | None = None
    language: Language | None = Field(None, description="e.g. de, en, pt-BR; null: unknown")
    vip: bool | None = None
    tags: list[Tag] | None = Field(None, max_length=MAX_TAGS)
    attributes: dict[AttributeKey, AttributeValue] | None = Field(
        None, max_length=50, description="by the attribute's key; null removes a value")


class NoteInput(CustomerRef):
    text: Annotated[str, Chars(MAX_NOTE, min_length=1)]


class MergeInput(CustomerRef):
    other_id: Id = Field(description="the customer merged into customer_id")
    reason: Annotated[str, Chars(200)] | None = None


class SplitInput(CustomerRef):
    merge_id: Id | None = Field(None, description="undo this merge into the customer")
    contact_ids: list[Id] | None = Field(
        None, min_length=1, max_length=100, description="or: make these a customer of their own")


class AttributeRef(CommandInput):
    attribute_id: Id


class NewAttribute(CommandInput):
    key: Annotated[str, Chars(64, min_length=1)]
    label: Annotated[str, Chars(120, min_length=1)]
    kind: Kind
    choices: Choices = Field(default_factory=list, max_length=MAX_CHOICES)
    position: int = Field(0, ge=0, le=10000)


class AttributeChange(AttributeRef):
    label: Annotated[str, Chars(120, min_length=1)] | None = None
    choices: Choices | None = Field(None, max_length=MAX_CHOICES)
    position: int | None = Field(None, ge=0, le=10000)


async def get(call: Call, data: CustomerRef) -> dict[str, Any]:
    async with call.desk.db.read() as session:
        return await customer_detail(session, data.customer_id)


async def of_thread(call: Call, data: ThreadRef) -> dict[str, Any]:
    async with call.desk.db.read() as session:
        customer_id = await customer_of_thread(session, data.thread_id)
        if customer_id is None:
            raise NotFound("There is no thread %(id)s.", id=data.thread_id)
        return await customer_detail(session, customer_id)


async def search(call: Call, data: SearchInput) -> dict[str, Any]:
    async with call.desk.db.read() as session:
        found = await search_customers(session, data.q, vip=data.vip, tag=data.tag,
                                       limit=data.limit, before=data.before)
    return {"customers": found}


async def update(call: Call, data: UpdateInput) -> dict[str, Any]:
    given = data.model_dump(include=data.model_fields_set - {"customer_id"})
    # Only the language can be unknown (null); null for the others means "leave it".
    fields = {k: v for k, v in given.items() if v is not None or k == "language"}
    view = await do_update_customer(call.desk.db, call.actor, data.customer_id, fields)
    return {"customer": view.model_dump(mode="json")}


async def add_note(call: Call, data: NoteInput) -> dict[str, Any]:
    return {"note": await do_add_customer_note(call.desk.db, call.actor, data.customer_id,
                                               data.text)}


async def merge(call: Call, data: MergeInput) -> dict[str, Any]:
    view, merge_id = await do_merge(call.desk.db, call.actor, data.customer_id, data.other_id,
                                    data.reason)
    return {"customer": view.model_dump(mode="json"), "merge_id": merge_id}


async def split(call: Call, data: SplitInput) -> dict[str, Any]:
    view, restored = await do_split(call.desk.db, call.actor, data.customer_id,
                                    merge_id=data.merge_id, contact_ids=data.contact_ids)
    return {"customer": view.model_dump(mode="json"),
            "restored": restored.model_dump(mode="json")}


async def suggest(call: Call, data: CustomerRef) -> dict[str, Any]:
    async with call.desk.db.read() as session:
        return {"suggestions": await suggestions(session, data.customer_id)}


async def list_attributes(call: Call, _: NoInput) -> dict[str, Any]:
    async with call.desk.db.read() as session:
        return {"attributes": [definition_view(d) for d in await definitions(session)]}


async def define(call: Call, data: NewAttribute) -> dict[str, Any]:
    return {"attribute": await do_define_attribute(
        call.desk.db, call.actor, data.key, data.label, data.kind, data.choices, data.position)}


async def change(call: Call, data: AttributeChange) -> dict[str, Any]:
    return {"attribute": await do_change_attribute(
        call.desk.db, call.actor, data.attribute_id, data.label, data.choices, data.position)}


async def delete(call: Call, data: AttributeRef) -> dict[str, Any]:
    await do_delete_attribute(call.desk.db, call.actor, data.attribute_id)
    return {"deleted": data.attribute_id}


CUSTOMER = "/api/customers/{customer_id}"
ATTRIBUTES = "/api/customer-attributes"
TAGS = ("customers",)
COMMANDS = [
    Command("customer.search", SearchInput, search,
            "Customers (not merged away) by name, contact, exact address or number, VIP, tag; "
            "newest first.", permission="customer.view", result=CustomerList,
            rest=Rest("GET", "/api/customers"), tags=TAGS),
    Command("customer.get", CustomerRef, get,
            "A customer: contacts on every network, addresses, every thread in one timeline, "
            "notes, attributes, merges that can be split. A merged customer answers as the "
            "one it was merged into.", permission="customer.view", result=CustomerDetail,
            rest=Rest("GET", CUSTOMER), errors=(NotFound,), tags=TAGS),
    Command("customer.for_thread", ThreadRef, of_thread,
            "The customer of a thread, as customer.get answers.", permission="customer.view",
            result=CustomerDetail, rest=Rest("GET", "/api/threads/{thread_id}/customer"),
            errors=(NotFound,), tags=TAGS),
    Command("customer.update", UpdateInput, update,
            "Change the name, language, VIP flag, tags or attributes given.",
            permission="customer.edit", result=CustomerAnswer, rest=Rest("PATCH", CUSTOMER),
            errors=(NotFound,), tags=TAGS),
    Command("customer.note_add", NoteInput, add_note, "Write a note about the customer.",
            permission="customer.edit", result=CustomerNoteAnswer,
            rest=Rest("POST", f"{CUSTOMER}/notes", status=201), errors=(NotFound,), tags=TAGS),
    Command("customer.merge", MergeInput, merge,
            "Merge other_id into the customer: its contacts, threads and notes move, and what "
            "moved is recorded so a split restores it.", permission="customer.merge",
            result=Merged, rest=Rest("POST", f"{CUSTOMER}/merge"), errors=(NotFound, Conflict),
            tags=TAGS),
    Command("customer.split", SplitInput, split,
            "Undo a merge into the customer (merge_id), or make contacts a customer of their "
            "own (contact_ids).", permission="customer.merge", result=SplitDone,
            rest=Rest("POST", f"{CUSTOMER}/split"), errors=(NotFound, Conflict), tags=TAGS),
    Command("customer.suggestions", CustomerRef, suggest,
            "Customers who may be the same person, each with its reasons and a confidence.",
            permission="customer.view", result=Suggestions,
            rest=Rest("GET", f"{CUSTOMER}/suggestions"), errors=(NotFound,), tags=TAGS),
    Command("attribute.list", NoInput, list_attributes,
            "The customer attributes admins defined, in order.", permission="customer.view",
            result=Attributes, rest=Rest("GET", ATTRIBUTES), tags=TAGS),
    Command("attribute.create", NewAttribute, define,
            "Define a customer attribute: text, number, choice (with its choices) or date.",
            permission="admin.attributes", result=AttributeAnswer,
            rest=Rest("POST", ATTRIBUTES, status=201), errors=(Conflict,), tags=TAGS),
    Command("attribute.update", AttributeChange, change,
            "Change an attribute's label, choices or position (key and kind stay).",
            permission="admin.attributes", result=AttributeAnswer,
            rest=Rest("PATCH", f"{ATTRIBUTES}/{{attribute_id}}"), errors=(NotFound,), tags=TAGS),
    Command("attribute.delete", AttributeRef, delete,
            "Delete an attribute definition; values under its key are no longer shown.",
            permission="admin.attributes", result=Deleted,
            rest=Rest("DELETE", f"{ATTRIBUTES}/{{attribute_id}}"), errors=(NotFound,),
            tags=TAGS),
]
