"""Outgoing webhooks: subscribing, turning committed events into deliveries, and the
outcome of each attempt.

An event becomes deliveries once across processes: whoever moves the one `hook_cursor` row
(a conditional UPDATE from the seq it read) writes that span's deliveries in the same
transaction; a process that lost the race rolls back. A delivery is taken for one attempt
by a conditional UPDATE with a lease, like the outbox, and its request runs outside any
transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlmodel import col

from server.crypto import SecretBox
from server.db import Database, Tx, compact_json
from server.errors import N_, Invalid, NotFound
from server.events.base import EVENT_TYPES
from server.models import Event, utcnow
from server.models.hooks import HookAttempt, HookCursor, HookDelivery, HookSubscription
from server.models.time import iso
from server.permissions import Actor

MAX_URL = 2000
MAX_ATTEMPTS = 8
LEASE_SECONDS = 60
LAST_RETRY_SECONDS = 3600
SPAN = 500  # events read per round


class LostRace(Exception):
    """Another process moved the cursor first: this round's deliveries are rolled back."""


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        raise Invalid(N_("The URL must be an http:// or https:// address of at most "
                         "%(n)s characters."), n=MAX_URL)
    return url


def check_event_types(names: list[str]) -> list[str]:
    unknown = sorted(set(names) - set(EVENT_TYPES))
    if not names:
        raise Invalid(N_("Choose at least one event type."))
    if unknown:
        raise Invalid(N_("Unknown event types: %(names)s."), names=", ".join(unknown))
    return sorted(set(names))


async def do_subscribe(db: Database, box: SecretBox, actor: Actor, url: str,
                       event_types: list[str]) -> tuple[HookSubscription, str]:
    """A new subscription; returns it with its signing secret (shown this once)."""
    url, event_types = check_url(url), check_event_types(event_types)
    secret = secrets.token_urlsafe(32)
    async with db.write() as tx:
        await _cursor(tx)  # from now on: a subscription hears of no event before it
        row = HookSubscription(url=url, event_types=event_types, secret=box.seal(secret),
                               created_by_id=actor.id)
        tx.session.add(row)
        await tx.session.flush()
        tx.audit("hook.subscribe", actor.id, hook_id=row.id, url=url, event_types=event_types)
    return row, secret


async def do_unsubscribe(db: Database, actor: Actor, hook_id: int) -> None:
    async with db.write() as tx:
        row = await tx.session.get(HookSubscription, hook_id)
        if row is None or not row.active:
            raise NotFound(N_("There is no webhook %(id)s."), id=hook_id)
        row.active = False
        # What waits is not sent any more; the log keeps what was.
        await tx.session.execute(
            update(HookDelivery)
            .where(col(HookDelivery.subscription_id) == hook_id,
                   col(HookDelivery.status).in_(("queued", "retry")))
            .values(status="failed"))
        tx.audit("hook.unsubscribe", actor.id, hook_id=hook_id)


async def do_send_again(db: Database, actor: Actor, delivery_id: int) -> HookDelivery:
    """Queue a delivery once more, under its idempotency key, with a fresh set of attempts.
    An attempt under way meanwhile is logged but decides nothing (record_attempt)."""
    async with db.write() as tx:
        delivery = await tx.session.get(HookDelivery, delivery_id)
        subscription = (await tx.session.get(HookSubscription, delivery.subscription_id)
                        if delivery else None)
        if delivery is None or subscription is None or not subscription.active:
            raise NotFound(N_("There is no delivery %(id)s."), id=delivery_id)
        delivery.status, delivery.attempts = "queued", 0
        delivery.next_attempt_at = utcnow()
        tx.audit("hook.send_again", actor.id, hook_id=subscription.id, delivery_id=delivery_id)
    return delivery


async def _cursor(tx: Tx) -> HookCursor:
    cursor = await tx.session.get(HookCursor, 1)
    if cursor is None:
        latest = await tx.session.scalar(select(col(Event.seq)).order_by(
            col(Event.seq).desc()).limit(1))
        cursor = HookCursor(id=1, seq=int(latest or 0))
        tx.session.add(cursor)
        await tx.session.flush()
    return cursor


def delivery_body(event: Event, key: str) -> str:
    return compact_json({"id": key, "type": event.type, "seq": event.seq,
                         "occurred_at": iso(event.created_at), "thread_id": event.thread_id,
                         "data": event.payload})


async def plan_deliveries(db: Database) -> int | None:
    """Read the events after the cursor and make their deliveries; returns how many, or
    None when nobody subscribes (then nothing is due either)."""
    async with db.read() as session:
        subscriptions = (await session.scalars(
            select(HookSubscription).where(col(HookSubscription.active)))).all()
    if not subscriptions:
        return None
    made = 0
    try:
        async with db.write() as tx:
            cursor = await _cursor(tx)
            start = cursor.seq
            events = (await tx.session.scalars(
                select(Event).where(col(Event.seq) > start).order_by(col(Event.seq))
                .limit(SPAN))).all()
            if not events:
                return 0
            for event in events:
                if event.user_id is not None:
                    continue  # personal notices never leave the desk
                for sub in subscriptions:
                    if event.type in sub.event_types:
                        key = f"tandem-{sub.id}-{event.seq}"
                        tx.session.add(HookDelivery(
                            subscription_id=sub.id, event_seq=event.seq,  # type: ignore[arg-type]
                            event_type=event.type, idempotency_key=key,
                            body=delivery_body(event, key)))
                        made += 1
            moved = await tx.session.execute(
                update(HookCursor).where(col(HookCursor.id) == 1, col(HookCursor.seq) == start)
                .values(seq=events[-1].seq).returning(col(HookCursor.seq)))
            if moved.first() is None:
                raise LostRace()
    except LostRace:
        return 0
    return made


@dataclass(frozen=True)
class HookJob:
    delivery_id: int
    url: str
    secret: str
    key: str
    event_type: str
    body: str
    attempt: int


async def due_deliveries(db: Database, limit: int = 50) -> list[int]:
    async with db.read() as session:
        rows = await session.scalars(
            select(col(HookDelivery.id))
            .where(col(HookDelivery.status).in_(("queued", "retry", "sending")),
                   col(HookDelivery.next_attempt_at) <= utcnow())
            .order_by(col(HookDelivery.next_attempt_at)).limit(limit))
        return [i for i in rows.all() if i is not None]


async def take_delivery(db: Database, box: SecretBox, delivery_id: int) -> HookJob | None:
    """Take one due delivery for one attempt (None if another process took it)."""
    now = utcnow()
    async with db.write() as tx:
        taken = (await tx.session.execute(
            update(HookDelivery)
            .where(col(HookDelivery.id) == delivery_id, col(HookDelivery.next_attempt_at) <= now,
                   col(HookDelivery.status).in_(("queued", "retry", "sending")))
            .values(status="sending", attempts=HookDelivery.attempts + 1,
                    next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
            .returning(col(HookDelivery.attempts)))).scalar()
        if taken is None:
            return None
        delivery = await tx.session.get(HookDelivery, delivery_id)
        assert delivery is not None
        await tx.session.refresh(delivery)
        sub = await tx.session.get(HookSubscription, delivery.subscription_id)
        assert sub is not None
    return HookJob(delivery_id, sub.url, box.open(sub.secret), delivery.idempotency_key,
                   delivery.event_type, delivery.body, int(taken))


def backoff(attempt: int, retry_after: float | None, first: float) -> timedelta:
    seconds = min(first * 2 ** (attempt - 1), LAST_RETRY_SECONDS)
    if retry_after is not None:
        seconds = min(max(seconds, retry_after), LAST_RETRY_SECONDS)
    return timedelta(seconds=seconds)


async def record_attempt(db: Database, job: HookJob, status_code: int | None, answer: str,
                         *, first_retry: float, retry_after: float | None = None) -> str:
    """Write an attempt's outcome; returns the delivery's status after it."""
    now = utcnow()
    delivered = status_code is not None and 200 <= status_code < 300
    async with db.write() as tx:
        tx.session.add(HookAttempt(delivery_id=job.delivery_id, at=now,
                                   status_code=status_code, answer=answer[:2000]))
        if delivered:
            status, values = "delivered", {"delivered_at": now}
        elif job.attempt >= MAX_ATTEMPTS:
            status, values = "failed", {}
        else:
            status = "retry"
            values = {"next_attempt_at": now + backoff(job.attempt, retry_after, first_retry)}
        # Only the attempt that holds the delivery writes its status ("send again" meanwhile
        # reset it: that one's own attempt decides).
        await tx.session.execute(
            update(HookDelivery)
            .where(col(HookDelivery.id) == job.delivery_id,
                   col(HookDelivery.status) == "sending",
                   col(HookDelivery.attempts) == job.attempt)
            .values(status=status, **values))
    return status


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (the HTTP-date form is taken as no hint)."""
    if value and value.strip().isdigit():
        return float(value.strip())
    return None
