"""Merging two customers into one, and splitting them again, without losing anything.

A merge moves the other customer's contacts, threads and notes to the one that stays and
records exactly which it moved (`CustomerMerge`); the merged customer's row stays, marked
`merged_into_id`, with its own name, tags and attributes as they were. Splitting that merge
moves back what was recorded, and what the moved contacts wrote since (new threads follow
their contact). Messages never move: they belong to threads and contacts.

Splitting off contacts (no merge to undo) makes a new customer of them and their threads;
merging it back undoes that.
"""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlmodel import col

from server.db import Database, Tx
from server.errors import Conflict, Invalid, NotFound
from server.events import (
    CustomerMerged,
    CustomerSplit,
    CustomerView,
    ThreadCustomerChanged,
    UserRef,
    event_row,
)
from server.models import Contact, Customer, CustomerMerge, CustomerNote, Thread, utcnow
from server.permissions import Actor
from server.queries.cards import cards_by_id
from server.queries.customers import customer_view


async def _customer(tx: Tx, customer_id: int) -> Customer:
    found = await tx.session.get(Customer, customer_id)
    if found is None:
        raise NotFound("There is no customer %(id)s.", id=customer_id)
    if found.merged_into_id is not None:
        raise Conflict("Customer %(id)s was merged into customer %(into)s.", id=customer_id,
                       into=found.merged_into_id)
    return found


async def _ids(tx: Tx, column: object, where: object) -> list[int]:
    return sorted((await tx.session.scalars(select(column).where(where))).all())  # type: ignore[call-overload]


async def _move(tx: Tx, contacts: list[int], threads: list[int], notes: list[int],
                to: int) -> None:
    if contacts:
        await tx.session.execute(update(Contact).where(col(Contact.id).in_(contacts))
                                 .values(customer_id=to))
    if threads:
        await tx.session.execute(update(Thread).where(col(Thread.id).in_(threads))
                                 .values(customer_id=to))
    if notes:
        await tx.session.execute(update(CustomerNote).where(col(CustomerNote.id).in_(notes))
                                 .values(customer_id=to))


async def _announce_threads(tx: Tx, threads: list[int], customer_id: int) -> None:
    cards = await cards_by_id(tx.session, threads)
    for thread_id in threads:
        tx.emit(event_row(ThreadCustomerChanged(thread_id=thread_id, customer_id=customer_id,
                                                card=cards[thread_id]), thread_id=thread_id))


def _absorb(target: Customer, source: Customer) -> None:
    """What the merged customer knew that the one staying did not."""
    target.tags = list(dict.fromkeys([*target.tags, *source.tags]))
    target.attributes = {**source.attributes, **target.attributes}
    target.vip = target.vip or source.vip
    target.language = target.language or source.language
    target.updated_at = utcnow()


async def do_merge(db: Database, actor: Actor, customer_id: int, other_id: int,
                   reason: str | None = None) -> tuple[CustomerView, int]:
    """Merge `other_id` into `customer_id`; returns the customer and the merge's id."""
    if customer_id == other_id:
        raise Invalid("A customer cannot be merged with itself.")
    async with db.write() as tx:
        # In id order, so two merges of the same pair lock their rows in the same order.
        first, second = sorted((customer_id, other_id))
        found = {first: await _customer(tx, first), second: await _customer(tx, second)}
        target, source = found[customer_id], found[other_id]
        contacts = await _ids(tx, Contact.id, col(Contact.customer_id) == other_id)
        threads = await _ids(tx, Thread.id, col(Thread.customer_id) == other_id)
        notes = await _ids(tx, CustomerNote.id, col(CustomerNote.customer_id) == other_id)
        await _move(tx, contacts, threads, notes, customer_id)
        _absorb(target, source)
        source.merged_into_id = customer_id
        source.updated_at = utcnow()
        merge = CustomerMerge(target_id=customer_id, source_id=other_id, contact_ids=contacts,
                              thread_ids=threads, note_ids=notes, reason=reason,
                              merged_by_id=actor.id)
        tx.session.add(merge)
        await tx.session.flush()
        view = customer_view(target)
        tx.audit("customer.merge", actor.id, None, merge_id=merge.id, customer_id=customer_id,
                 merged_id=other_id, contact_ids=contacts, thread_ids=threads,
                 note_ids=notes, reason=reason)
        tx.emit(event_row(CustomerMerged(customer=view, merged_id=other_id,
                                         merge_id=merge.id,
                                         by=UserRef(id=actor.id, name=actor.name))))
        await _announce_threads(tx, threads, customer_id)
    return view, merge.id  # type: ignore[return-value]


async def _undo_merge(tx: Tx, actor: Actor, target: Customer, merge_id: int
                      ) -> tuple[Customer, list[int], list[int], list[int]]:
    merge = await tx.session.get(CustomerMerge, merge_id)
    if merge is None or merge.target_id != target.id:
        raise NotFound("Customer %(id)s has no merge %(merge)s.", id=target.id, merge=merge_id)
    if merge.split_at is not None:
        raise Conflict("Merge %(merge)s was split already.", merge=merge_id)
    source = await tx.session.get(Customer, merge.source_id)
    assert source is not None  # a foreign key
    # Only what is still here: a contact split off since stays where it went.
    contacts = await _ids(tx, Contact.id, (col(Contact.id).in_(merge.contact_ids))
                          & (col(Contact.customer_id) == target.id))
    threads = await _ids(tx, Thread.id, (col(Thread.customer_id) == target.id) & or_(
        col(Thread.id).in_(merge.thread_ids), col(Thread.contact_id).in_(contacts)))
    notes = await _ids(tx, CustomerNote.id, (col(CustomerNote.id).in_(merge.note_ids))
                       & (col(CustomerNote.customer_id) == target.id))
    source.merged_into_id = None
    source.updated_at = utcnow()
    merge.split_at = utcnow()
    merge.split_by_id = actor.id
    return source, contacts, threads, notes


async def _split_off(tx: Tx, target: Customer, contact_ids: list[int]
                     ) -> tuple[Customer, list[int], list[int], list[int]]:
    contacts = await _ids(tx, Contact.id, (col(Contact.id).in_(contact_ids))
                          & (col(Contact.customer_id) == target.id))
    if sorted(set(contact_ids)) != contacts:
        raise Invalid("%(name)s names contacts that are not this customer's.",
                      name="contact_ids")
    remaining = await _ids(tx, Contact.id, (col(Contact.customer_id) == target.id)
                           & col(Contact.id).not_in(contacts))
    if not remaining:
        raise Invalid("A customer keeps at least one contact: split off fewer.")
    first = await tx.session.get(Contact, contacts[0])
    assert first is not None
    source = Customer(display_name=first.name)
    tx.session.add(source)
    await tx.session.flush()
    threads = await _ids(tx, Thread.id, (col(Thread.customer_id) == target.id)
                         & col(Thread.contact_id).in_(contacts))
    return source, contacts, threads, []


async def do_split(db: Database, actor: Actor, customer_id: int, *, merge_id: int | None,
                   contact_ids: list[int] | None) -> tuple[CustomerView, CustomerView]:
    """Undo a merge (`merge_id`), or split contacts off into a new customer."""
    if (merge_id is None) == (contact_ids is None):
        raise Invalid("Give either merge_id (undo a merge) or contact_ids (split them off).")
    async with db.write() as tx:
        target = await _customer(tx, customer_id)
        if merge_id is not None:
            source, contacts, threads, notes = await _undo_merge(tx, actor, target, merge_id)
        else:
            source, contacts, threads, notes = await _split_off(tx, target, contact_ids or [])
        await _move(tx, contacts, threads, notes, source.id)  # type: ignore[arg-type]
        target.updated_at = utcnow()
        await tx.session.flush()
        view, restored = customer_view(target), customer_view(source)
        tx.audit("customer.split", actor.id, None, customer_id=customer_id,
                 restored_id=source.id, merge_id=merge_id, contact_ids=contacts,
                 thread_ids=threads, note_ids=notes)
        tx.emit(event_row(CustomerSplit(customer=view, restored=restored, merge_id=merge_id,
                                        by=UserRef(id=actor.id, name=actor.name))))
        await _announce_threads(tx, threads, source.id)  # type: ignore[arg-type]
    return view, restored

