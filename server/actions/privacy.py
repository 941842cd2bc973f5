"""Erasing a customer on request: what the desk holds about them goes, the record of what
the desk did stays.

In one transaction: the customer's messages (both ways: a reply may name them) are
redacted, their contacts renamed and cut off from the network's ids (a new message from
them starts a new contact), their identities, customer notes, and the thread notes and
drafts of their threads deleted, the events that carried their words or name deleted (boards
get each thread's redacted card instead), and the audit rows about them keep only ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlmodel import col

from server.db import Database
from server.errors import N_, NotFound
from server.events import UserRef, event_row
from server.events.privacy import CustomerErased, ThreadRedacted
from server.models import (
    AuditEntry,
    Contact,
    ContactIdentity,
    Customer,
    CustomerNote,
    Draft,
    Event,
    Message,
    Note,
    Thread,
    utcnow,
)
from server.permissions import Actor
from server.queries.cards import cards_by_id

ERASED_NAME = "Erased customer"
ERASED_TEXT = "[erased]"


@dataclass(frozen=True)
class Erased:
    customer_id: int
    threads: int
    messages: int


def ids_only(detail: dict[str, Any]) -> dict[str, Any]:
    """An audit row's detail without what could name a person: its ids stay."""
    return {k: v for k, v in detail.items() if k.endswith(("_id", "_ids"))} | {"erased": True}


async def do_erase_customer(db: Database, actor: Actor, customer_id: int) -> Erased:
    async with db.write() as tx:
        s = tx.session
        customer = await s.get(Customer, customer_id)
        if customer is None or customer.merged_into_id is not None:
            raise NotFound(N_("There is no customer %(id)s."), id=customer_id)
        contact_ids = [i for i in (await s.scalars(select(col(Contact.id)).where(
            col(Contact.customer_id) == customer_id))).all() if i is not None]
        thread_ids = [i for i in (await s.scalars(select(col(Thread.id)).where(
            col(Thread.customer_id) == customer_id))).all() if i is not None]
        messages = 0
        if thread_ids:
            redacted = await s.execute(
                update(Message).where(col(Message.thread_id).in_(thread_ids))
                .values(text=ERASED_TEXT, language=None, sentiment_score=None,
                        sentiment_label=None, delivery_error=None)
                .returning(col(Message.id)))
            messages = len(redacted.all())
            await s.execute(update(Thread).where(col(Thread.id).in_(thread_ids))
                            .values(subject="", excerpt=ERASED_TEXT, updated_at=utcnow()))
            await s.execute(delete(Note).where(col(Note.thread_id).in_(thread_ids)))
            await s.execute(delete(Draft).where(col(Draft.thread_id).in_(thread_ids)))
            await s.execute(delete(Event).where(col(Event.thread_id).in_(thread_ids)))
        if contact_ids:
            await s.execute(delete(ContactIdentity).where(
                col(ContactIdentity.contact_id).in_(contact_ids)))
            for contact_id in contact_ids:
                await s.execute(update(Contact).where(col(Contact.id) == contact_id).values(
                    name=ERASED_NAME, handle=None, external_id=f"erased-{contact_id}"))
        await s.execute(delete(CustomerNote).where(col(CustomerNote.customer_id) == customer_id))
        customer.display_name, customer.language = ERASED_NAME, None
        customer.vip, customer.tags, customer.attributes = False, [], {}
        customer.updated_at = utcnow()
        await _scrub_log(tx.session, customer_id, thread_ids)
        await s.flush()
        cards = await cards_by_id(s, thread_ids) if thread_ids else {}
        for thread_id, card in cards.items():
            tx.emit(event_row(ThreadRedacted(card=card), thread_id=thread_id))
        tx.emit(event_row(CustomerErased(customer_id=customer_id,
                                         by=UserRef(id=actor.id, name=actor.name))))
        tx.audit("customer.erase", actor.id, customer_id=customer_id,
                 thread_ids=thread_ids, messages=messages)
    return Erased(customer_id, len(thread_ids), messages)


async def _scrub_log(session: Any, customer_id: int, thread_ids: list[int]) -> None:
    """Audit rows about the customer keep only ids; customer events naming them go."""
    about = [col(AuditEntry.action).like("customer.%")]
    if thread_ids:
        about.append(col(AuditEntry.thread_id).in_(thread_ids))
    for row in (await session.scalars(select(AuditEntry).where(or_(*about)))).all():
        if row.thread_id in thread_ids or _names(row.detail, customer_id):
            await session.execute(update(AuditEntry).where(col(AuditEntry.id) == row.id)
                                  .values(detail=ids_only(row.detail)))
    for event in (await session.scalars(select(Event).where(
            col(Event.type).like("customer.%")))).all():
        if _names(event.payload, customer_id):
            await session.execute(delete(Event).where(col(Event.seq) == event.seq))


def _names(data: Any, customer_id: int) -> bool:
    """Whether a detail or payload is about this customer (its id, at any depth)."""
    if isinstance(data, dict):
        if data.get("customer_id") == customer_id or (
                isinstance(data.get("customer"), dict)
                and data["customer"].get("id") == customer_id):
            return True
        return any(_names(v, customer_id) for v in data.values())
    if isinstance(data, list):
        return any(_names(v, customer_id) for v in data)
    return False
