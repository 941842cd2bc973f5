"""The outbox: outgoing replies are written with the transaction that decides them, and a
sender hands them to the network later, outside any transaction.

An item is taken with one conditional UPDATE (queued or retry and due, or a sending lease
that ran out) which also bumps its attempt counter; the attempt number fences the result,
so a sender that lost its lease cannot overwrite a newer attempt. The idempotency key
stays the same across attempts, so the network publishes a reply at most once.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from channels.base import (
    ChannelAccount,
    PermanentError,
    SendError,
    SendResult,
    TemporaryError,
    ThreadRef,
)
from server.actions import service_levels
from server.actions.after_reply import move_after_reply
from server.crypto import SecretBox
from server.db import Database, Tx
from server.errors import Conflict, Invalid, NotFound
from server.events import MessageAdded, MessageDelivery, MessageView, ReplyAuthor, event_row
from server.models import Channel, Contact, Message, OutboxItem, Thread, utcnow
from server.models.time import iso
from server.permissions import Actor
from server.queries.cards import card

LEASE_SECONDS = 120  # longer than any send may take
BACKOFF_BASE = 1.0
BACKOFF_CAP = 300.0
MAX_ATTEMPTS = 8
# The longest wait a network may ask for (YouTube's quota: until midnight Pacific Time).
LONGEST_ASKED_WAIT = 2 * 24 * 3600.0


@dataclass(frozen=True)
class SendJob:
    item_id: int
    attempt: int
    message_id: int
    thread_id: int
    adapter: str
    account: ChannelAccount
    ref: ThreadRef
    text: str
    idempotency_key: str


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds until the next attempt: what the network asked for if it did (a rate limit's
    reset, a quota's new day), else doubling from BACKOFF_BASE with jitter, capped."""
    if retry_after is not None:
        return min(max(retry_after, BACKOFF_BASE), LONGEST_ASKED_WAIT)
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    return delay * random.uniform(0.8, 1.2)


def new_key() -> str:
    return f"tdm-{secrets.token_hex(16)}"


async def enqueue_reply(tx: Tx, thread: Thread, text: str, author_id: int, author_name: str,
                        authors: list[ReplyAuthor] | None = None) -> Message:
    """Write the outgoing message and its outbox item; the sender picks it up after commit.
    `authors`: everyone whose words are in it (the sender alone when not given)."""
    credits = authors or [ReplyAuthor(id=author_id, name=author_name, part="submitted")]
    now = utcnow()
    answered = await tx.session.scalar(
        select(col(Message.external_id))
        .where(col(Message.thread_id) == thread.id, col(Message.direction) == "in",
               col(Message.external_id).is_not(None))
        .order_by(col(Message.id).desc()).limit(1)
    )
    message = Message(
        thread_id=thread.id,  # type: ignore[arg-type]
        channel_id=thread.channel_id, direction="out", author_user_id=author_id, text=text,
        authors=[a.model_dump() for a in credits],
        visibility=thread.visibility, reply_to_external_id=answered, created_at=now,
        received_at=now, delivery_status="queued",
    )
    tx.session.add(message)
    await tx.session.flush()
    tx.session.add(OutboxItem(
        message_id=message.id,  # type: ignore[arg-type]
        channel_id=thread.channel_id, idempotency_key=new_key(), next_attempt_at=now,
    ))
    thread.message_count += 1
    thread.last_message_at = now
    thread.updated_at = now
    # The customer has an answer: their SLA clock stops until they write again.
    thread.waiting_since = None
    thread.sla_due_at = None
    await service_levels.stop(tx, thread.id, service_levels.RESPONSES)  # type: ignore[arg-type]
    await move_after_reply(tx, thread, author_id)
    await tx.session.flush()
    view = MessageView(
        id=message.id,
        thread_id=thread.id,
        direction="out", visibility=thread.visibility,
        author_name=author_name, text=text, created_at=iso(now),
        delivery_status="queued", authors=credits,
    )
    tx.emit(event_row(MessageAdded(message=view, card=await card(tx.session, thread.id)),  # type: ignore[arg-type]
                      thread_id=thread.id))
    return message


async def delivery_event(tx: Tx, message: Message, item: OutboxItem) -> None:
    await tx.session.flush()
    tx.emit(event_row(
        MessageDelivery(
            message_id=message.id,
            thread_id=message.thread_id, status=message.delivery_status,
            error=message.delivery_error, external_id=message.external_id,
            attempts=item.attempts,
            next_attempt_at=iso(item.next_attempt_at) if item.status == "retry" else None,
            card=await card(tx.session, message.thread_id),
        ),
        thread_id=message.thread_id,
    ))


async def due_items(db: Database, limit: int = 50) -> list[int]:
    now = utcnow()
    async with db.read() as session:
        rows = await session.scalars(
            select(col(OutboxItem.id))
            .where(col(OutboxItem.status).in_(("queued", "retry", "sending")),
                   col(OutboxItem.next_attempt_at) <= now)
            .order_by(col(OutboxItem.next_attempt_at)).limit(limit)
        )
        # The ids are primary keys, never None; the check only tells the type checker so.
        return [i for i in rows.all() if i is not None]


async def start_sending(db: Database, box: SecretBox, item_id: int) -> SendJob | None:
    """Take one due item for this sender (None if another took it); mark its message sending."""
    now = utcnow()
    async with db.write() as tx:
        taken = await tx.session.execute(
            update(OutboxItem)
            # A "sending" item is due again only once its lease ran out.
            .where(col(OutboxItem.id) == item_id, col(OutboxItem.next_attempt_at) <= now,
                   col(OutboxItem.status).in_(("queued", "retry", "sending")))
            .values(status="sending", attempts=OutboxItem.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
            .returning(col(OutboxItem.attempts))
        )
        attempt = taken.scalar()
        if attempt is None:
            return None
        item = await tx.session.get(OutboxItem, item_id)
        await tx.session.refresh(item)
        assert item is not None
        message = await tx.session.get(Message, item.message_id)
        assert message is not None
        thread = await tx.session.get(Thread, message.thread_id)
        channel = await tx.session.get(Channel, item.channel_id)
        contact = await tx.session.get(Contact, thread.contact_id) if thread else None
        customer_last_at = await tx.session.scalar(
            select(col(Message.created_at))
            .where(col(Message.thread_id) == message.thread_id, col(Message.direction) == "in")
            .order_by(col(Message.created_at).desc()).limit(1)
        )
        if message.delivery_status != "sending":
            message.delivery_status = "sending"
            await delivery_event(tx, message, item)
    assert thread is not None and channel is not None
    return SendJob(
        item_id=item_id, attempt=attempt, message_id=message.id,  # type: ignore[arg-type]
        thread_id=thread.id, adapter=channel.adapter if channel.active else "",  # type: ignore[arg-type]
        account=ChannelAccount(
            channel_id=channel.id, network=channel.network, name=channel.name,  # type: ignore[arg-type]
            external_account_id=channel.external_account_id, config=dict(channel.config),
            secret=box.open(channel.secret_encrypted) if channel.secret_encrypted else "",
        ),
        ref=ThreadRef(
            thread_key=thread.external_key, in_reply_to=message.reply_to_external_id,
            recipient_id=contact.external_id if contact else None,
            visibility=message.visibility,  # type: ignore[arg-type]
            customer_last_at=customer_last_at,
        ),
        text=message.text, idempotency_key=item.idempotency_key,
    )


async def _current(tx: Tx, job: SendJob) -> tuple[OutboxItem, Message] | None:
    """The item and message, if this attempt still owns the item (its lease may have run out)."""
    item = await tx.session.get(OutboxItem, job.item_id)
    if item is None or item.status != "sending" or item.attempts != job.attempt:
        return None
    message = await tx.session.get(Message, job.message_id)
    return (item, message) if message else None


async def record_sent(db: Database, job: SendJob, result: SendResult) -> bool:
    async with db.write() as tx:
        current = await _current(tx, job)
        if current is None:
            return False
        item, message = current
        item.status = "sent"
        item.last_error = None
        item.answer = _kept(result.raw)
        message.external_id = result.external_id[:255]
        message.delivery_status = "sent"
        message.delivery_error = None
        tx.audit("reply.delivered", None, job.thread_id, message_id=job.message_id,
                 external_id=message.external_id, attempts=item.attempts,
                 idempotency_key=item.idempotency_key)
        await delivery_event(tx, message, item)
    return True


def _kept(answer: dict[str, Any]) -> dict[str, Any]:
    """The network's answer as stored: its plain top-level values (ids, statuses), which is
    what later steps read, without nested bodies of unknown size."""
    return {k: v for k, v in answer.items()
            if isinstance(k, str) and (v is None or isinstance(v, bool | int | float)
                                       or (isinstance(v, str) and len(v) <= 500))}


async def record_failure(db: Database, job: SendJob, error: SendError) -> bool:
    """A temporary error schedules the next attempt; a permanent one (or too many) fails."""
    async with db.write() as tx:
        current = await _current(tx, job)
        if current is None:
            return False
        item, message = current
        item.last_error = error.message
        message.delivery_error = error.message
        retry_after = error.retry_after if isinstance(error, TemporaryError) else None
        if retry_after is not None:
            # The network said when to come back: waiting as told is not a failed attempt,
            # so a reply held by a rate limit or a day's quota is sent, not given up.
            item.attempts = max(0, item.attempts - 1)
        give_up = isinstance(error, PermanentError) or item.attempts >= MAX_ATTEMPTS
        if give_up:
            item.status = "failed"
            message.delivery_status = "failed"
        else:
            item.status = "retry"
            item.next_attempt_at = utcnow() + timedelta(seconds=backoff(item.attempts, retry_after))
            message.delivery_status = "queued"
        tx.audit("reply.send_failed" if give_up else "reply.send_retry", None, job.thread_id,
                 message_id=job.message_id, attempts=item.attempts, error=error.message)
        await delivery_event(tx, message, item)
    return True


async def do_retry_send(db: Database, actor: Actor, message_id: int) -> None:
    """Send a failed reply again: with the same idempotency key if the network never took
    it, with a new one if it took it and later reported it undelivered (WhatsApp's
    "failed" status), since for the network that is a new message."""
    async with db.write() as tx:
        message = await tx.session.get(Message, message_id)
        item = await tx.session.scalar(
            select(OutboxItem).where(col(OutboxItem.message_id) == message_id)
        )
        if message is None or item is None:
            raise NotFound("There is no outgoing message %(id)s.", id=message_id)
        undelivered = item.status == "sent" and message.delivery_status == "failed"
        if item.status != "failed" and not undelivered:
            raise Conflict("Only a failed reply can be sent again.")
        if undelivered:
            item.idempotency_key = new_key()
            item.answer = {}
        item.status = "queued"
        item.attempts = 0
        item.next_attempt_at = utcnow()
        message.delivery_status = "queued"
        message.delivery_error = None
        tx.audit("reply.retry", actor.id, message.thread_id, message_id=message_id,
                 last_error=item.last_error)
        await delivery_event(tx, message, item)


def webhook_config(reply_url: object) -> dict[str, str]:
    """A generic webhook channel's config: where its replies are POSTed (if anywhere)."""
    if reply_url in (None, ""):
        return {}
    if not isinstance(reply_url, str) or not reply_url.startswith(("http://", "https://")) or (
        len(reply_url) > 2000
    ):
        raise Invalid("reply_url must be an http(s) URL.")
    return {"reply_url": reply_url}
