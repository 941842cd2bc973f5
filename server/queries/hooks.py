"""Reading the outgoing webhooks: the subscriptions and each one's delivery log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from server.db import Database
from server.errors import N_, NotFound
from server.models.hooks import HookAttempt, HookDelivery, HookSubscription
from server.models.time import iso

LOG_LENGTH = 100


def subscription_json(row: HookSubscription) -> dict[str, Any]:
    return {"id": row.id, "url": row.url, "event_types": row.event_types,
            "created_at": iso(row.created_at)}


async def subscriptions(db: Database) -> list[dict[str, Any]]:
    async with db.read() as session:
        rows = (await session.scalars(
            select(HookSubscription).where(col(HookSubscription.active))
            .order_by(col(HookSubscription.id)))).all()
    return [subscription_json(r) for r in rows]


def delivery_json(delivery: HookDelivery, attempts: list[HookAttempt]) -> dict[str, Any]:
    return {
        "id": delivery.id, "event_seq": delivery.event_seq, "event_type": delivery.event_type,
        "idempotency_key": delivery.idempotency_key, "status": delivery.status,
        "attempts": [{"at": iso(a.at), "status_code": a.status_code, "answer": a.answer}
                     for a in attempts],
        "next_attempt_at": iso(delivery.next_attempt_at)
        if delivery.status in ("queued", "retry") else None,
        "created_at": iso(delivery.created_at), "delivered_at": iso(delivery.delivered_at),
        "body": json.loads(delivery.body),
    }


async def delivery_log(db: Database, hook_id: int) -> list[dict[str, Any]]:
    """The newest deliveries of a subscription, each with its attempts and answers."""
    async with db.read() as session:
        if await session.get(HookSubscription, hook_id) is None:
            raise NotFound(N_("There is no webhook %(id)s."), id=hook_id)
        deliveries = (await session.scalars(
            select(HookDelivery).where(col(HookDelivery.subscription_id) == hook_id)
            .order_by(col(HookDelivery.id).desc()).limit(LOG_LENGTH))).all()
        attempts = (await session.scalars(
            select(HookAttempt)
            .where(col(HookAttempt.delivery_id).in_([d.id for d in deliveries]))
            .order_by(col(HookAttempt.id)))).all() if deliveries else []
    by_delivery: dict[int, list[HookAttempt]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
    return [delivery_json(d, by_delivery.get(d.id or 0, [])) for d in deliveries]
