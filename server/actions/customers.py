"""Changing what the desk knows about a customer: name, language, VIP, tags, attributes,
and notes about them."""

from __future__ import annotations

from typing import Any

from server.actions.customer_attributes import check_value, definitions
from server.db import Database, Tx
from server.errors import Invalid
from server.events import CustomerNoteAdded, CustomerUpdated, CustomerView, UserRef, event_row
from server.models import Customer, CustomerNote, utcnow
from server.permissions import Actor
from server.queries.customers import customer_view, live_customer, note_view

MAX_NOTE = 5000
MAX_TAGS = 20


def clean_tags(tags: list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(t.strip() for t in tags if t.strip()))
    if len(cleaned) > MAX_TAGS:
        raise Invalid("%(name)s may have at most %(limit)s entries.", name="tags",
                      limit=MAX_TAGS)
    return cleaned


async def _attributes(tx: Tx, current: dict[str, Any], given: dict[str, Any]
                      ) -> dict[str, Any]:
    """The customer's attributes with `given` applied; null removes a value."""
    defined = {d.key: d for d in await definitions(tx.session)}
    changed = dict(current)
    for key, value in given.items():
        if key not in defined:
            where = f"attributes.{key}"
            raise Invalid("%(name)s is not an attribute the desk defines.", name=where)
        if value is None or value == "":
            changed.pop(key, None)
        else:
            changed[key] = check_value(defined[key], value)
    return changed


async def do_update_customer(db: Database, actor: Actor, customer_id: int,
                             fields: dict[str, Any]) -> CustomerView:
    """Apply the fields given (display_name, language, vip, tags, attributes)."""
    async with db.write() as tx:
        customer = await live_customer(tx.session, customer_id)
        if "display_name" in fields:
            name = fields["display_name"].strip()
            if not name:
                raise Invalid("%(name)s must not be empty.", name="display_name")
            customer.display_name = name
        if "language" in fields:
            customer.language = fields["language"] or None
        if "vip" in fields:
            customer.vip = fields["vip"]
        if "tags" in fields:
            customer.tags = clean_tags(fields["tags"])
        if "attributes" in fields:
            customer.attributes = await _attributes(tx, customer.attributes,
                                                    fields["attributes"])
        customer.updated_at = utcnow()
        await tx.session.flush()
        view = customer_view(customer)
        tx.audit("customer.update", actor.id, None, customer_id=customer.id,
                 **{k: view.model_dump()[k] for k in fields})
        tx.emit(event_row(CustomerUpdated(customer=view, changed=sorted(fields),
                                          by=UserRef(id=actor.id, name=actor.name))))
    return view


async def do_add_customer_note(db: Database, actor: Actor, customer_id: int, text: str
                               ) -> dict[str, Any]:
    text = text.strip()
    if not text:
        raise Invalid("A note needs some text.")
    async with db.write() as tx:
        customer: Customer = await live_customer(tx.session, customer_id)
        note = CustomerNote(customer_id=customer.id, author_id=actor.id, text=text)  # type: ignore[arg-type]
        tx.session.add(note)
        await tx.session.flush()
        view = note_view(note, {actor.id: actor.name})
        tx.audit("customer.note", actor.id, None, customer_id=customer.id, note_id=note.id)
        tx.emit(event_row(CustomerNoteAdded(note=view)))
    return view.model_dump(mode="json")
