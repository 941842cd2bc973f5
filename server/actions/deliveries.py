"""What the networks report about the messages the desk sent (WhatsApp's statuses): shown
on the message, live.

Reports come out of order and more than once (a provider retries a webhook it thinks was
lost), so a status only ever moves forward: sent, then delivered, then read. A failure ends
it, unless the message was delivered already; a late "sent" after "read" changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from channels.base import ChannelAdapter, DeliveryReporter, DeliveryUpdate, InboundItem
from server.actions.outbox import delivery_event
from server.db import Database
from server.models import Message, OutboxItem

PROGRESS = {"sent": 1, "delivered": 2, "read": 3}


def read_webhook(adapter: ChannelAdapter, headers: dict[str, str], body: bytes, secret: str,
                 now: float) -> tuple[list[InboundItem], list[DeliveryUpdate]]:
    """A webhook's items and, for networks that send them with it, its delivery reports,
    from one check of the signature."""
    if isinstance(adapter, DeliveryReporter):
        items, updates = adapter.parse_with_deliveries(headers, body, secret, now)
        return list(items), list(updates)
    return adapter.parse_webhook(headers, body, secret, now), []


def moves_forward(current: str, reported: str) -> bool:
    if current == "failed":
        return False
    if reported == "failed":
        return current not in ("delivered", "read")
    return PROGRESS[reported] > PROGRESS.get(current, 0)


async def do_record_deliveries(db: Database, channel_id: int, updates: list[DeliveryUpdate]
                               ) -> int:
    """Show each report on the outgoing message it names; returns how many changed one."""
    if not updates:
        return 0
    wanted = {u.external_id for u in updates}
    changed = 0
    async with db.write() as tx:
        rows = (await tx.session.execute(
            select(Message, OutboxItem)
            .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
            .where(col(Message.channel_id) == channel_id, col(Message.direction) == "out",
                   col(Message.external_id).in_(wanted))
        )).all()
        sent = {message.external_id: (message, item) for message, item in rows}
        for update in updates:  # in the order the network reported them
            found = sent.get(update.external_id)
            if found is None or not moves_forward(found[0].delivery_status, update.status):
                continue  # not ours (sent by another tool), or old news
            message, item = found
            message.delivery_status = update.status
            message.delivery_error = update.error[:500] if update.error else None
            if update.status == "failed":
                tx.audit("reply.delivery_failed", None, message.thread_id,
                         message_id=message.id, external_id=update.external_id,
                         error=message.delivery_error)
            await delivery_event(tx, message, item)
            changed += 1
    return changed
