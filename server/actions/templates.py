"""Reply templates: canned replies with {variables}, one per name and language.

Crisis holding statements are templates too (`holding_statement`). Anyone who can see the
board can search and render them; managing them needs template.manage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from server.db import Database
from server.errors import Conflict, Invalid, NotFound
from server.i18n import LANGUAGES
from server.models import Template, utcnow
from server.permissions import Actor
from server.queries.templates import check_variables, template_json

MAX_BODY = 10000
MAX_NAME = 120


@dataclass(frozen=True)
class TemplateFields:
    name: str
    language: str
    body: str
    tags: list[str]
    holding_statement: bool


def check_fields(raw: dict[str, Any], current: Template | None = None) -> TemplateFields:
    def text(name: str, default: str) -> str:
        value = raw.get(name, default)
        if not isinstance(value, str):
            raise Invalid("%(name)s must be text.", name=name)
        return value.strip()

    name = text("name", current.name if current else "")
    if not name or len(name) > MAX_NAME:
        raise Invalid("A template needs a name of up to %(count)d characters.", count=MAX_NAME)
    language = text("language", current.language if current else "")
    if language not in LANGUAGES:
        raise Invalid("Unknown language %(value)s.", value=language)
    body = text("body", current.body if current else "")
    if not body or len(body) > MAX_BODY:
        raise Invalid("A template needs a text of up to %(count)d characters.", count=MAX_BODY)
    check_variables(body)
    tags = raw.get("tags", current.tags if current else [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags) or len(tags) > 20:
        raise Invalid("tags must be a list of words.")
    holding = raw.get("holding_statement", current.holding_statement if current else False)
    if not isinstance(holding, bool):
        raise Invalid("holding_statement must be true or false.")
    return TemplateFields(name, language, body, sorted({t.strip().lower() for t in tags if
                                                        t.strip()}), holding)


async def do_create_template(db: Database, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    fields = check_fields(raw)
    try:
        async with db.write() as tx:
            template = Template(name=fields.name, language=fields.language, body=fields.body,
                                tags=fields.tags, holding_statement=fields.holding_statement,
                                updated_by_id=actor.id)
            tx.session.add(template)
            await tx.session.flush()
            tx.audit("template.create", actor.id, template_id=template.id, name=fields.name,
                     language=fields.language, body=fields.body)
    except IntegrityError:
        raise Conflict("There is a template %(name)s in %(language)s already.",
                       name=fields.name, language=fields.language) from None
    return template_json(template, actor.name)


async def do_update_template(db: Database, actor: Actor, template_id: int, raw: dict[str, Any]
                             ) -> dict[str, Any]:
    try:
        async with db.write() as tx:
            template = await tx.session.get(Template, template_id)
            if template is None:
                raise NotFound("There is no template %(id)s.", id=template_id)
            fields = check_fields(raw, template)
            for name, value in vars(fields).items():
                setattr(template, name, value)
            template.updated_by_id = actor.id
            template.updated_at = utcnow()
            await tx.session.flush()
            tx.audit("template.update", actor.id, template_id=template_id, name=fields.name,
                     language=fields.language, body=fields.body)
    except IntegrityError:
        raise Conflict("There is a template %(name)s in %(language)s already.",
                       name=fields.name, language=fields.language) from None
    return template_json(template, actor.name)


async def do_delete_template(db: Database, actor: Actor, template_id: int) -> None:
    async with db.write() as tx:
        template = await tx.session.get(Template, template_id)
        if template is None:
            raise NotFound("There is no template %(id)s.", id=template_id)
        await tx.session.delete(template)
        tx.audit("template.delete", actor.id, template_id=template_id, name=template.name,
                 language=template.language)
