"""The attributes admins define for customers (text, number, choice, date), and checking a
value against its definition."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from server.db import Database, Tx
from server.errors import Conflict, Invalid, NotFound
from server.models import AttributeDefinition
from server.permissions import Actor

KINDS = ("text", "number", "choice", "date")
KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_TEXT = 500
MAX_CHOICES = 50


def definition_view(d: AttributeDefinition) -> dict[str, Any]:
    return {"id": d.id, "key": d.key, "label": d.label, "kind": d.kind,
            "choices": list(d.choices), "position": d.position}


async def definitions(tx_or_session: Any) -> list[AttributeDefinition]:
    return list((await tx_or_session.scalars(
        select(AttributeDefinition).order_by(col(AttributeDefinition.position),
                                             col(AttributeDefinition.id))
    )).all())


def check_value(d: AttributeDefinition, value: Any) -> Any:
    """The value as stored, or Invalid naming the attribute."""
    field = f"attributes.{d.key}"
    if d.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or (
                isinstance(value, float) and not math.isfinite(value)):
            raise Invalid("%(name)s must be a number.", name=field)
        return value
    if not isinstance(value, str):
        raise Invalid("%(name)s must be text.", name=field)
    if d.kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise Invalid("%(name)s must be a date (YYYY-MM-DD).", name=field) from None
    if d.kind == "choice" and value not in d.choices:
        raise Invalid("%(name)s must be one of %(choices)s.", name=field,
                      choices=", ".join(d.choices))
    if len(value) > MAX_TEXT:
        raise Invalid("%(name)s may have at most %(limit)s characters.", name=field,
                      limit=MAX_TEXT)
    return value


def _check_fields(kind: str, choices: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(c.strip() for c in choices if c.strip()))
    if kind == "choice" and not cleaned:
        raise Invalid("A choice attribute needs at least one choice.")
    return cleaned if kind == "choice" else []


async def do_define_attribute(db: Database, actor: Actor, key: str, label: str, kind: str,
                              choices: list[str], position: int) -> dict[str, Any]:
    if not KEY.fullmatch(key):
        raise Invalid("The key is lower-case letters, digits and _, starting with a letter.")
    if not label.strip():
        raise Invalid("%(name)s must not be empty.", name="label")
    async with db.write() as tx:
        if await tx.session.scalar(select(AttributeDefinition)
                                   .where(col(AttributeDefinition.key) == key)):
            raise Conflict("There is an attribute %(key)s already.", key=key)
        made = AttributeDefinition(key=key, label=label.strip(), kind=kind,
                                   choices=_check_fields(kind, choices), position=position)
        tx.session.add(made)
        await tx.session.flush()
        tx.audit("customer.attribute_define", actor.id, None, **definition_view(made))
        return definition_view(made)


async def _definition(tx: Tx, definition_id: int) -> AttributeDefinition:
    found = await tx.session.get(AttributeDefinition, definition_id)
    if found is None:
        raise NotFound("There is no attribute %(id)s.", id=definition_id)
    return found


async def do_change_attribute(db: Database, actor: Actor, definition_id: int,
                              label: str | None, choices: list[str] | None,
                              position: int | None) -> dict[str, Any]:
    """Label, choices and order change; the key and kind stay (values are stored by key)."""
    async with db.write() as tx:
        found = await _definition(tx, definition_id)
        if label is not None:
            if not label.strip():
                raise Invalid("%(name)s must not be empty.", name="label")
            found.label = label.strip()
        if choices is not None:
            found.choices = _check_fields(found.kind, choices)
        if position is not None:
            found.position = position
        await tx.session.flush()
        tx.audit("customer.attribute_change", actor.id, None, **definition_view(found))
        return definition_view(found)


async def do_delete_attribute(db: Database, actor: Actor, definition_id: int) -> None:
    """The definition goes; customers' values under its key are no longer shown."""
    async with db.write() as tx:
        found = await _definition(tx, definition_id)
        tx.audit("customer.attribute_delete", actor.id, None, **definition_view(found))
        await tx.session.delete(found)
