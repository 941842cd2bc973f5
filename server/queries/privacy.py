"""Everything the desk holds about one customer, as one JSON document (a data-protection
request's answer)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.errors import N_, NotFound
from server.models import (
    Channel,
    Contact,
    ContactIdentity,
    Customer,
    CustomerNote,
    Draft,
    Message,
    Note,
    Thread,
    User,
    utcnow,
)
from server.models.time import iso


async def customer_export(db: Database, customer_id: int) -> dict[str, Any]:
    async with db.read() as session:
        customer = await session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(N_("There is no customer %(id)s."), id=customer_id)
        contacts = (await session.scalars(select(Contact).where(
            col(Contact.customer_id) == customer_id).order_by(col(Contact.id)))).all()
        contact_ids = [c.id for c in contacts]
        channels = {c.id: c.name for c in (await session.scalars(select(Channel))).all()}
        identities = (await session.scalars(select(ContactIdentity).where(
            col(ContactIdentity.contact_id).in_(contact_ids)))).all() if contact_ids else []
        threads = (await session.scalars(select(Thread).where(
            col(Thread.customer_id) == customer_id).order_by(col(Thread.id)))).all()
        thread_ids = [t.id for t in threads]
        messages = (await session.scalars(select(Message).where(
            col(Message.thread_id).in_(thread_ids)).order_by(col(Message.id)))).all() \
            if thread_ids else []
        notes = (await session.scalars(select(Note).where(
            col(Note.thread_id).in_(thread_ids)).order_by(col(Note.id)))).all() \
            if thread_ids else []
        drafts = (await session.scalars(select(Draft).where(
            col(Draft.thread_id).in_(thread_ids)))).all() if thread_ids else []
        customer_notes = (await session.scalars(select(CustomerNote).where(
            col(CustomerNote.customer_id) == customer_id).order_by(col(CustomerNote.id)))).all()
        names = dict((await session.execute(select(col(User.id), col(User.name)))).all())
    by_thread: dict[int, list[Message]] = {}
    for message in messages:
        by_thread.setdefault(message.thread_id, []).append(message)
    return {
        "exported_at": iso(utcnow()),
        "customer": {
            "id": customer.id, "display_name": customer.display_name,
            "language": customer.language, "vip": customer.vip, "tags": customer.tags,
            "attributes": customer.attributes, "created_at": iso(customer.created_at),
        },
        "contacts": [{"id": c.id, "channel": channels.get(c.channel_id),
                      "external_id": c.external_id, "name": c.name, "handle": c.handle,
                      "created_at": iso(c.created_at)} for c in contacts],
        "identities": [{"contact_id": i.contact_id, "kind": i.kind, "value": i.value,
                        "source": i.source} for i in identities],
        "threads": [{
            "id": t.id, "channel": channels.get(t.channel_id), "visibility": t.visibility,
            "status": t.status, "subject": t.subject, "tags": t.tags,
            "created_at": iso(t.created_at),
            "messages": [{"id": m.id, "direction": m.direction, "text": m.text,
                          "visibility": m.visibility, "created_at": iso(m.created_at),
                          "delivery_status": m.delivery_status}
                         for m in by_thread.get(t.id or 0, [])],
        } for t in threads],
        "thread_notes": [{"thread_id": n.thread_id, "author": names.get(n.author_id),
                          "text": n.text, "created_at": iso(n.created_at)} for n in notes],
        "drafts": [{"thread_id": d.thread_id, "text": d.text} for d in drafts],
        "customer_notes": [{"author": names.get(n.author_id), "text": n.text,
                            "created_at": iso(n.created_at)} for n in customer_notes],
    }
