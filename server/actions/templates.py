"""Reply templates: canned replies with {variables}, one per name and language.

Crisis holding statements are templates too (`holding_statement`). Anyone who can see the
board can search and render them; managing them needs template.manage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from server.actions.reply_views import user_refs
from server.db import Database
from server.errors import Conflict, Invalid, NotFound
from server.i18n import LANGUAGES
from server.models import Channel, Contact, Template, Thread, utcnow
from server.models.time import iso
from server.permissions import Actor
from server.settings import Settings

MAX_BODY = 10000
MAX_NAME = 120
VARIABLE = re.compile(r"\{(\w+)\}")
# What a template may say; anything else in braces stays as it is.
VARIABLES = ("customer_name", "customer_handle", "agent_name", "thread_link", "network",
             "channel_name", "date")


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
    tags = raw.get("tags", current.tags if current else [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags) or len(tags) > 20:
        raise Invalid("tags must be a list of words.")
    holding = raw.get("holding_statement", current.holding_statement if current else False)
    if not isinstance(holding, bool):
        raise Invalid("holding_statement must be true or false.")
    return TemplateFields(name, language, body, sorted({t.strip().lower() for t in tags if
                                                        t.strip()}), holding)


def template_json(template: Template, updated_by: str | None = None) -> dict[str, Any]:
    return {
        "id": template.id, "name": template.name, "language": template.language,
        "body": template.body, "tags": list(template.tags),
        "holding_statement": template.holding_statement,
        "variables": sorted(set(VARIABLE.findall(template.body))),
        "updated_by": updated_by, "updated_at": iso(template.updated_at),
    }


async def search_templates(
    db: Database, actor: Actor, *, q: str | None = None, language: str | None = None,
    holding: bool | None = None, limit: int = 100,
) -> list[dict[str, Any]]:
    """Templates whose name, text or tags contain `q`; holding statements first."""
    actor.require("thread.view")
    query = select(Template)
    if q and q.strip():
        pattern = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Template.name).like(pattern),
                                func.lower(Template.body).like(pattern),
                                func.lower(cast(Template.tags, Text)).like(pattern)))
    if language:
        query = query.where(col(Template.language) == language)
    if holding is not None:
        query = query.where(col(Template.holding_statement) == holding)
    query = query.order_by(col(Template.holding_statement).desc(),
                           func.lower(Template.name), col(Template.language)).limit(limit)
    async with db.read() as session:
        rows = (await session.scalars(query)).all()
        names = await user_refs(session, [t.updated_by_id for t in rows])
    return [template_json(t, names[t.updated_by_id].name if t.updated_by_id in names else None)
            for t in rows]


async def do_create_template(db: Database, actor: Actor, raw: dict[str, Any]) -> dict[str, Any]:
    actor.require("template.manage")
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
    actor.require("template.manage")
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
                       name=raw.get("name"), language=raw.get("language")) from None
    return template_json(template, actor.name)


async def do_delete_template(db: Database, actor: Actor, template_id: int) -> None:
    actor.require("template.manage")
    async with db.write() as tx:
        template = await tx.session.get(Template, template_id)
        if template is None:
            raise NotFound("There is no template %(id)s.", id=template_id)
        await tx.session.delete(template)
        tx.audit("template.delete", actor.id, template_id=template_id, name=template.name,
                 language=template.language)


def fill(body: str, values: dict[str, str]) -> str:
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


async def render_template(
    db: Database, settings: Settings, actor: Actor, template_id: int, thread_id: int | None,
    language: str | None = None,
) -> dict[str, Any]:
    """The template's text for one thread, in `language` when a version in it exists."""
    actor.require("thread.view")
    async with db.read() as session:
        template = await session.get(Template, template_id)
        if template is None:
            raise NotFound("There is no template %(id)s.", id=template_id)
        if language and language != template.language:
            template = await session.scalar(
                select(Template).where(col(Template.name) == template.name,
                                       col(Template.language) == language)
            ) or template
        values = {"agent_name": actor.name, "date": utcnow().date().isoformat()}
        if thread_id is not None:
            row = (await session.execute(
                select(Thread, Channel, Contact)
                .join(Channel, col(Channel.id) == col(Thread.channel_id))
                .join(Contact, col(Contact.id) == col(Thread.contact_id))
                .where(col(Thread.id) == thread_id)
            )).first()
            if row is None:
                raise NotFound("There is no thread %(id)s.", id=thread_id)
            thread, channel, contact = row
            values |= {
                "customer_name": contact.name, "customer_handle": contact.handle or contact.name,
                "network": channel.network, "channel_name": channel.name,
                "thread_link": f"{settings.base_url.rstrip('/')}/threads/{thread.id}",
            }
    return {"template_id": template.id, "name": template.name, "language": template.language,
            "text": fill(template.body, values)}
