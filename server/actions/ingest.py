"""Ingest: store what a network sent, once, and tell every board."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from channels.base import InboundItem
from server.actions.cards import card
from server.db import Database, Tx
from server.errors import NotFound
from server.events import MessageAdded, MessageView, ThreadOpened, event_row
from server.models import Channel, Contact, Message, Thread, utcnow
from server.models.time import iso
from server.settings import Settings

EXCERPT = 280
# Concurrent deliveries of the same new thread or contact race on a unique key; the loser
# simply runs again and finds the winner's rows.
ATTEMPTS = 4


@dataclass(frozen=True)
class IngestResult:
    stored: list[int]  # message ids of the items that were new
    duplicates: int


async def do_ingest(
    db: Database, settings: Settings, channel_id: int, items: Sequence[InboundItem]
) -> IngestResult:
    for attempt in range(ATTEMPTS):
        try:
            async with db.write() as tx:
                return await _ingest(tx, settings, channel_id, items)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


async def _ingest(
    tx: Tx, settings: Settings, channel_id: int, items: Sequence[InboundItem]
) -> IngestResult:
    channel = await tx.session.get(Channel, channel_id)
    if channel is None:
        raise NotFound("There is no channel %(id)s.", id=channel_id)
    stored: list[int] = []
    seen: set[str] = set()
    for item in items:
        if item.external_id in seen or await tx.session.scalar(
            select(col(Message.id)).where(
                col(Message.channel_id) == channel_id, col(Message.external_id) == item.external_id
            )
        ):
            continue
        seen.add(item.external_id)
        stored.append(await _store(tx, settings, channel, item))
    return IngestResult(stored=stored, duplicates=len(items) - len(stored))


async def _contact(tx: Tx, channel: Channel, item: InboundItem) -> Contact:
    contact = await tx.session.scalar(
        select(Contact).where(
            col(Contact.channel_id) == channel.id, col(Contact.external_id) == item.author_id
        )
    )
    if contact is None:
        contact = Contact(
            channel_id=channel.id,  # type: ignore[arg-type]
            external_id=item.author_id,
            name=item.author_name,
            handle=item.author_handle,
        )
        tx.session.add(contact)
        await tx.session.flush()
    elif (contact.name, contact.handle) != (item.author_name, item.author_handle):
        contact.name, contact.handle = item.author_name, item.author_handle
    return contact


async def _store(tx: Tx, settings: Settings, channel: Channel, item: InboundItem) -> int:
    now = utcnow()
    contact = await _contact(tx, channel, item)
    thread = await tx.session.scalar(
        select(Thread).where(
            col(Thread.channel_id) == channel.id, col(Thread.external_key) == item.key()
        )
    )
    opened = thread is None
    if thread is None:
        thread = Thread(
            channel_id=channel.id,  # type: ignore[arg-type]
            external_key=item.key(),
            visibility=item.visibility,
            contact_id=contact.id,  # type: ignore[arg-type]
            customer_id=contact.customer_id,
            subject=item.text[:EXCERPT],
        )
        tx.session.add(thread)
        await tx.session.flush()
    elif thread.status == "resolved":
        thread.status = "open"
    message = Message(
        thread_id=thread.id,  # type: ignore[arg-type]
        channel_id=channel.id,  # type: ignore[arg-type]
        external_id=item.external_id,
        direction="in",
        contact_id=contact.id,
        text=item.text,
        visibility=item.visibility,
        reply_to_external_id=item.reply_to,
        created_at=item.created_at or now,
        received_at=now,
    )
    tx.session.add(message)
    thread.message_count += 1
    thread.last_message_at = message.created_at
    thread.excerpt = " ".join(item.text.split())[:EXCERPT]
    thread.updated_at = now
    if thread.waiting_since is None:
        minutes = (
            settings.sla_public_minutes
            if thread.visibility == "public"
            else settings.sla_private_minutes
        )
        thread.waiting_since = now
        thread.sla_due_at = now + timedelta(minutes=minutes)
    await tx.session.flush()
    tx.audit("message.received", None, thread.id, message_id=message.id, channel_id=channel.id)
    current = await card(tx.session, thread.id)  # type: ignore[arg-type]
    if opened:
        tx.emit(event_row(ThreadOpened(card=current), thread_id=thread.id))
    view = MessageView(
        id=message.id,
        thread_id=thread.id,
        direction="in",
        visibility=item.visibility,
        author_name=contact.name,
        text=message.text,
        created_at=iso(message.created_at),
        delivery_status=message.delivery_status,
    )
    tx.emit(event_row(MessageAdded(message=view, card=current), thread_id=thread.id))
    return message.id  # type: ignore[return-value]
