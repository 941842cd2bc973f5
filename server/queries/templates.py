"""Reading templates: search, and a template's text filled in for one thread."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlmodel import col

from server.db import Database
from server.errors import Invalid, NotFound
from server.models import Channel, Contact, Template, Thread, utcnow
from server.models.time import iso
from server.permissions import Actor
from server.queries.replies import user_refs
from server.settings import Settings

VARIABLE = re.compile(r"\{(\w+)\}")
# What a template may say. Anything else in braces is refused when the template is saved
# and when it is rendered, so a typo never reaches a customer as "{custmer_name}".
VARIABLES = ("customer_name", "customer_handle", "agent_name", "thread_link", "network",
             "channel_name", "date")


def check_variables(body: str) -> None:
    """Refuse a template text that names a variable the desk does not know."""
    unknown = sorted(set(VARIABLE.findall(body)) - set(VARIABLES))
    if unknown:
        raise Invalid(
            "Unknown variables in the template: %(unknown)s. Known variables: %(known)s.",
            name="body", unknown=", ".join(f"{{{v}}}" for v in unknown),
            known=", ".join(f"{{{v}}}" for v in VARIABLES),
        )


def template_json(template: Template, updated_by: str | None = None) -> dict[str, Any]:
    return {
        "id": template.id, "name": template.name, "language": template.language,
        "body": template.body, "tags": list(template.tags),
        "holding_statement": template.holding_statement,
        "variables": sorted(set(VARIABLE.findall(template.body))),
        "updated_by": updated_by, "updated_at": iso(template.updated_at),
    }


async def search_templates(
    db: Database, *, q: str | None = None, language: str | None = None,
    holding: bool | None = None, limit: int = 100,
) -> list[dict[str, Any]]:
    """Templates whose name, text or tags contain `q`; holding statements first."""
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


def fill(body: str, values: dict[str, str]) -> str:
    """The text with the variables filled in; a known variable without a value (no thread
    given) stays as written."""
    check_variables(body)
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


async def render_template(
    db: Database, settings: Settings, actor: Actor, template_id: int, thread_id: int | None,
    language: str | None = None,
) -> dict[str, Any]:
    """The template's text for one thread, in `language` when a version in it exists."""
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
