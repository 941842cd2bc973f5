"""Linking a taken-private thread to the customer's private identity, once the network says it.

On Facebook a commenter's id is not the id Messenger uses for them (the PSID); the answer to
a private reply names it (`recipient_id`). After such a send is recorded, the private thread
is re-keyed to "dm:<PSID>" (the key ingest gives that customer's messages) with a contact
for that id (same name, same customer), so their answers land in the linked thread. If they
had written to the page privately before, the conversation continues in that thread.

This runs after the commit of the delivery, as an `after_commit` hook of the database in the
process that sent; the network's answer is kept on the outbox item, so the link survives a
restart between the two.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from server.actions.customer_intake import identity_rows, record_identities
from server.actions.windows import aware
from server.db import Database, Tx
from server.events import event_row
from server.events.escalation import EscalationLinked
from server.models import Contact, Customer, Message, NewEvent, OutboxItem, Thread, utcnow
from server.queries.cards import card
from server.statuses import DONE

log = logging.getLogger("tandem.escalation")
ATTEMPTS = 3


async def _recipient(db: Database, message_id: int) -> tuple[int, str] | None:
    """(private thread id, the customer's private id) when the thread must be re-keyed."""
    async with db.read() as session:
        row = (await session.execute(
            select(Thread, col(OutboxItem.answer))
            .join(Message, col(Message.thread_id) == col(Thread.id))
            .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
            .where(col(Message.id) == message_id)
        )).first()
    if row is None:
        return None
    thread, answer = row
    if thread.visibility != "private" or thread.public_thread_id is None:
        return None
    recipient = answer.get("recipient_id")
    if not isinstance(recipient, str) or not recipient or len(recipient) > 250:
        return None
    if thread.external_key == f"dm:{recipient}":
        return None
    return thread.id, recipient


async def _contact_for(tx: Tx, thread: Thread, recipient: str) -> Contact:
    """The customer's contact under their private id: one customer with the commenter."""
    known = await tx.session.get(Contact, thread.contact_id)
    assert known is not None
    if known.customer_id is None:
        customer = Customer(display_name=known.name)
        tx.session.add(customer)
        await tx.session.flush()
        known.customer_id = customer.id
        for linked in (thread, await tx.session.get(Thread, thread.public_thread_id)):
            if linked is not None and linked.customer_id is None:
                linked.customer_id = customer.id
    contact = await tx.session.scalar(select(Contact).where(
        col(Contact.channel_id) == thread.channel_id, col(Contact.external_id) == recipient))
    if contact is None:
        contact = Contact(channel_id=thread.channel_id, external_id=recipient, name=known.name,
                          handle=known.handle, customer_id=known.customer_id)
        tx.session.add(contact)
        await tx.session.flush()
    elif contact.customer_id is None and known.customer_id is not None:
        contact.customer_id = known.customer_id
    elif contact.customer_id != known.customer_id:
        # They wrote to the page privately before, as a customer of their own: the network
        # just proved both are one person, which the desk suggests merging (no merge
        # happens behind people's backs).
        proof = [("link", f"contact:{known.id}")]
        await record_identities(tx, [
            *identity_rows(known.id, proof, "network", None, utcnow()),  # type: ignore[arg-type]
            *identity_rows(contact.id, proof, "network", None, utcnow()),  # type: ignore[arg-type]
        ])
    return contact


async def _relink(tx: Tx, thread_id: int, recipient: str) -> None:
    thread = await tx.session.get(Thread, thread_id)
    key = f"dm:{recipient}"
    if thread is None or thread.external_key == key or thread.public_thread_id is None:
        return
    contact = await _contact_for(tx, thread, recipient)
    existing = await tx.session.scalar(select(Thread).where(
        col(Thread.channel_id) == thread.channel_id, col(Thread.external_key) == key))
    public = await tx.session.get(Thread, thread.public_thread_id)
    assert public is not None
    changed = [thread, public]
    if existing is None:
        thread.external_key = key
        thread.contact_id = contact.id  # type: ignore[assignment]
    else:
        # They wrote to the page privately before: the conversation continues there.
        await tx.session.execute(update(Message).where(col(Message.thread_id) == thread.id)
                                 .values(thread_id=existing.id))
        public.private_thread_id = existing.id
        existing.public_thread_id = public.id
        existing.customer_id = existing.customer_id or contact.customer_id
        existing.message_count += thread.message_count
        existing.last_message_at = max(aware(existing.last_message_at),
                                       aware(thread.last_message_at))
        if existing.status in DONE:
            existing.status = "open"
            existing.resolved_at = None
        thread.message_count = 0
        thread.public_thread_id = None
        thread.status = "resolved"
        thread.resolved_at = utcnow()
        changed.append(existing)
    await tx.session.flush()
    tx.audit("escalation.linked", None, thread.id, recipient_id=recipient,
             continued_in=existing.id if existing else None)
    for linked in changed:
        await tx.session.refresh(linked)
        tx.emit(event_row(EscalationLinked(
            thread_id=linked.id, public_thread_id=linked.public_thread_id,
            card=await card(tx.session, linked.id),  # type: ignore[arg-type]
        ), thread_id=linked.id))


async def link_after_send(db: Database, message_id: int) -> None:
    found = await _recipient(db, message_id)
    if found is None:
        return
    thread_id, recipient = found
    for attempt in range(ATTEMPTS):
        try:
            async with db.write() as tx:
                await _relink(tx, thread_id, recipient)
            return
        except IntegrityError:
            # The customer's first answer raced us to the key; run again and join it.
            if attempt == ATTEMPTS - 1:
                raise


class EscalationLinker:
    """The after-commit hook: watches deliveries of private messages in linked threads."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def __call__(self, events: Sequence[NewEvent]) -> None:
        for event in events:
            payload = event.payload or {}
            if event.type != "message.delivery" or payload.get("status") != "sent":
                continue
            try:
                await link_after_send(self.db, int(payload["message_id"]))
            except Exception:
                log.exception("could not link the private thread of message %s",
                              payload.get("message_id"))
