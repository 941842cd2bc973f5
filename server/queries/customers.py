"""Reading customers: one customer's whole picture (contacts, threads on every network in
one timeline, notes, merges), and the list people search."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.actions.customer_attributes import definition_view, definitions
from server.errors import NotFound
from server.events import CustomerNoteView, CustomerView, UserRef
from server.models import (
    Channel,
    Contact,
    ContactIdentity,
    Customer,
    CustomerMerge,
    CustomerNote,
    Message,
    Thread,
)
from server.models.time import iso
from server.queries.cards import cards_by_id
from server.queries.notes import names_of

TIMELINE = 200  # threads on the customer page, newest activity first
RECENT_MESSAGES = 100


def customer_view(c: Customer) -> CustomerView:
    return CustomerView(id=c.id, display_name=c.display_name, language=c.language,
                        vip=c.vip, tags=list(c.tags), attributes=dict(c.attributes),
                        merged_into_id=c.merged_into_id)


def note_view(note: CustomerNote, names: dict[int, str]) -> CustomerNoteView:
    return CustomerNoteView(id=note.id, customer_id=note.customer_id,
                            author=UserRef(id=note.author_id,
                                           name=names.get(note.author_id, "?")),
                            text=note.text, created_at=iso(note.created_at))


async def live_customer(session: AsyncSession, customer_id: int) -> Customer:
    """The customer, or NotFound; a merged one is followed to where it was merged."""
    found = await session.get(Customer, customer_id)
    seen = set()
    while found is not None and found.merged_into_id is not None and found.id not in seen:
        seen.add(found.id)
        found = await session.get(Customer, found.merged_into_id)
    if found is None:
        raise NotFound("There is no customer %(id)s.", id=customer_id)
    return found


async def contacts_of(session: AsyncSession, customer_ids: list[int]
                      ) -> dict[int, list[dict[str, Any]]]:
    """Each customer's identities on the networks, with the addresses their profiles name."""
    rows: Any = (await session.execute(
        select(Contact, col(Channel.network), col(Channel.name).label("channel_name"))
        .join(Channel, col(Channel.id) == col(Contact.channel_id))
        .where(col(Contact.customer_id).in_(customer_ids)).order_by(col(Contact.id))
    )).all()
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in customer_ids}
    for contact, network, channel_name in rows:
        found[contact.customer_id or 0].append({
            "id": contact.id, "network": network, "channel_id": contact.channel_id,
            "channel_name": channel_name, "external_id": contact.external_id,
            "name": contact.name, "handle": contact.handle})
    return found


async def addresses_of(session: AsyncSession, customer_id: int) -> list[dict[str, Any]]:
    """The e-mail addresses and phone numbers known for the customer, once each, and where
    from (a profile says more than a message)."""
    rows = (await session.execute(
        select(col(ContactIdentity.kind), col(ContactIdentity.value),
               col(ContactIdentity.source), col(ContactIdentity.contact_id))
        .join(Contact, col(Contact.id) == col(ContactIdentity.contact_id))
        .where(col(Contact.customer_id) == customer_id,
               col(ContactIdentity.kind).in_(("email", "phone")))
        .order_by(col(ContactIdentity.kind), col(ContactIdentity.value),
                  col(ContactIdentity.source).desc())  # profile before network, message
    )).all()
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, value, source, contact_id in rows:
        found.setdefault((kind, value), {"kind": kind, "value": value, "source": source,
                                         "contact_id": contact_id})
    return list(found.values())


async def customer_detail(session: AsyncSession, customer_id: int) -> dict[str, Any]:
    customer = await live_customer(session, customer_id)
    cid: int = customer.id  # type: ignore[assignment]
    thread_ids: list[int] = list((await session.scalars(  # type: ignore[arg-type]
        select(col(Thread.id)).where(col(Thread.customer_id) == cid)
        .order_by(col(Thread.last_message_at).desc(), col(Thread.id).desc()).limit(TIMELINE)
    )).all())
    cards = await cards_by_id(session, thread_ids)
    messages = (await session.execute(
        select(col(Message.id), col(Message.thread_id), col(Message.direction),
               col(Message.visibility), col(Message.text), col(Message.created_at))
        .where(col(Message.thread_id).in_(thread_ids))
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(RECENT_MESSAGES)
    )).all() if thread_ids else []
    notes = (await session.scalars(
        select(CustomerNote).where(col(CustomerNote.customer_id) == cid)
        .order_by(col(CustomerNote.id)))).all()
    merges = (await session.scalars(
        select(CustomerMerge).where(col(CustomerMerge.target_id) == cid,
                                    col(CustomerMerge.split_at).is_(None))
        .order_by(col(CustomerMerge.id)))).all()
    merged_names = dict((await session.execute(
        select(col(Customer.id), col(Customer.display_name))
        .where(col(Customer.id).in_([m.source_id for m in merges])))).all())
    names = await names_of(session, {n.author_id for n in notes})
    return {
        "customer": customer_view(customer).model_dump(mode="json"),
        "contacts": (await contacts_of(session, [cid]))[cid],
        "addresses": await addresses_of(session, cid),
        "threads": [cards[i].model_dump(mode="json") for i in thread_ids if i in cards],
        "messages": [{"id": m.id, "thread_id": m.thread_id, "direction": m.direction,
                      "visibility": m.visibility, "text": m.text,
                      "network": cards[m.thread_id].network if m.thread_id in cards else "",
                      "created_at": iso(m.created_at)} for m in messages],
        "notes": [note_view(n, names).model_dump(mode="json") for n in notes],
        "merges": [{"id": m.id, "merged_id": m.source_id,
                    "merged_name": merged_names.get(m.source_id, ""),
                    "contacts": len(m.contact_ids), "threads": len(m.thread_ids),
                    "reason": m.reason, "merged_at": iso(m.merged_at)} for m in merges],
        "attributes": [definition_view(d) for d in await definitions(session)],
    }


async def search_customers(session: AsyncSession, q: str | None, *, vip: bool | None,
                           tag: str | None, limit: int, before: int | None
                           ) -> list[dict[str, Any]]:
    """Live customers (not merged away) whose name, contacts, addresses or tags match."""
    query = select(Customer).where(col(Customer.merged_into_id).is_(None))
    if q:
        needle = q.strip().lower()
        named = select(col(Contact.customer_id)).where(or_(
            func.lower(col(Contact.name)).contains(needle, autoescape=True),
            func.lower(col(Contact.handle)).contains(needle, autoescape=True),
            func.lower(col(Contact.external_id)).contains(needle, autoescape=True)))
        addressed = (select(col(Contact.customer_id))
                     .join(ContactIdentity, col(ContactIdentity.contact_id) == col(Contact.id))
                     .where(col(ContactIdentity.kind).in_(("email", "phone")),
                            col(ContactIdentity.value) == needle.lstrip("+")))
        query = query.where(or_(
            func.lower(col(Customer.display_name)).contains(needle, autoescape=True),
            col(Customer.id).in_(named), col(Customer.id).in_(addressed)))
    if vip is not None:
        query = query.where(col(Customer.vip) == vip)
    if before is not None:
        query = query.where(col(Customer.id) < before)
    # Tags are a JSON list: filtered here, on a page at most a few times the limit.
    rows = (await session.scalars(query.order_by(col(Customer.id).desc())
                                  .limit(limit if tag is None else limit * 5))).all()
    if tag is not None:
        rows = [c for c in rows if tag in c.tags][:limit]
    ids: list[int] = [c.id for c in rows]  # type: ignore[misc]
    contacts = await contacts_of(session, ids)
    counts = dict((await session.execute(
        select(col(Thread.customer_id), func.count()).where(col(Thread.customer_id).in_(ids))
        .group_by(col(Thread.customer_id)))).all()) if ids else {}
    return [{**customer_view(c).model_dump(mode="json"),
             "contacts": contacts[c.id],  # type: ignore[index]
             "thread_count": counts.get(c.id, 0)} for c in rows]


async def customer_of_thread(session: AsyncSession, thread_id: int) -> int | None:
    return await session.scalar(select(col(Thread.customer_id)).where(col(Thread.id) == thread_id))
