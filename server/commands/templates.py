"""Commands for reply templates: search, render for a thread, and manage."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.actions.templates import (
    MAX_BODY,
    MAX_NAME,
    do_create_template,
    do_delete_template,
    do_update_template,
)
from server.commands.inputs import AnyFlag, Chars, CommandInput, Id
from server.commands.registry import Call, Command, Rest
from server.commands.results import Deleted, Rendered, TemplateAnswer, Templates
from server.errors import Conflict, NotFound
from server.queries.templates import render_template, search_templates

Language = Literal["en", "de"]


class SearchInput(CommandInput):
    q: Annotated[str, Chars(200)] | None = Field(None, description="in the name, text or tags")
    language: Language | None = None
    holding: AnyFlag = Field(None, description="only holding statements (true) or none (false)")


class TemplateFieldsInput(CommandInput):
    name: Annotated[str, Chars(MAX_NAME)] | None = None
    language: Language | None = None
    body: Annotated[str, Chars(MAX_BODY)] | None = None
    tags: list[Annotated[str, Chars(40)]] | None = Field(None, max_length=20)
    holding_statement: bool | None = None


class NewTemplate(TemplateFieldsInput):
    name: Annotated[str, Chars(MAX_NAME)]
    language: Language
    body: Annotated[str, Chars(MAX_BODY)]


class TemplateRef(CommandInput):
    template_id: Id


class TemplateChange(TemplateFieldsInput, TemplateRef):
    pass


class RenderInput(TemplateRef):
    thread_id: Id | None = Field(None, description="fills in the customer, network, link")
    language: Language | None = Field(None, description="the version in this language")


def _fields(data: TemplateFieldsInput) -> dict[str, object]:
    return data.model_dump(include=set(TemplateFieldsInput.model_fields), exclude_none=True)


async def search(call: Call, data: SearchInput) -> dict[str, object]:
    found = await search_templates(call.desk.db, q=data.q, language=data.language,
                                   holding=data.holding)
    return {"templates": found}


async def create(call: Call, data: NewTemplate) -> dict[str, object]:
    return {"template": await do_create_template(call.desk.db, call.actor, _fields(data))}


async def change(call: Call, data: TemplateChange) -> dict[str, object]:
    return {"template": await do_update_template(call.desk.db, call.actor, data.template_id,
                                                 _fields(data))}


async def delete(call: Call, data: TemplateRef) -> dict[str, object]:
    await do_delete_template(call.desk.db, call.actor, data.template_id)
    return {"deleted": data.template_id}


async def render(call: Call, data: RenderInput) -> dict[str, object]:
    return await render_template(call.desk.db, call.desk.settings, call.actor,
                                 data.template_id, data.thread_id, data.language)


TEMPLATE = "/api/templates/{template_id}"
COMMANDS = [
    Command("template.list", SearchInput, search,
            "Templates whose name, text or tags contain q; holding statements first.",
            permission="thread.view", result=Templates, rest=Rest("GET", "/api/templates"),
            tags=("templates",)),
    Command("template.create", NewTemplate, create, "Add a template.",
            permission="template.manage", result=TemplateAnswer,
            rest=Rest("POST", "/api/templates", status=201), errors=(Conflict,),
            tags=("templates",)),
    Command("template.update", TemplateChange, change, "Change a template's fields.",
            permission="template.manage", result=TemplateAnswer, rest=Rest("PATCH", TEMPLATE),
            errors=(NotFound, Conflict), tags=("templates",)),
    Command("template.delete", TemplateRef, delete, "Delete a template.",
            permission="template.manage", result=Deleted, rest=Rest("DELETE", TEMPLATE),
            errors=(NotFound,), tags=("templates",)),
    Command("template.render", RenderInput, render,
            "A template's text with {customer_name}, {agent_name}, {thread_link}, {network}, "
            "{channel_name}, {customer_handle} and {date} filled in.",
            permission="thread.view", result=Rendered, rest=Rest("POST", f"{TEMPLATE}/render"),
            errors=(NotFound,), tags=("templates",)),
]
