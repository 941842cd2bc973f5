"""Taking scheduled posts at their time, once across processes, and recording the answer.

A post is taken with a conditional UPDATE (approved, not paused, due, no retry waiting)
that sets status `publishing` and a lease; the answer is written only while that lease is
still held. A lease that ran out means its process died or hung during the send: the
outcome is unknown. On a network that honours an idempotency key (Mastodon) the post is
taken again and sent with the same key, which publishes it at most once; elsewhere it goes
to `unsure` for a person to check, because sending again could publish it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from channels.base import ChannelAccount, PostPublisher, Published
from server.actions.publishing import _emit
from server.actions.watches import account_of
from server.crypto import SecretBox
from server.db import Database
from server.models import Channel, ScheduledPost

TAKEN_AT_ONCE = 10
UNSURE = ("The desk lost track of this post while sending it (its process stopped). Check "
          "the network before publishing it again.")


@dataclass(frozen=True)
class TakenPost:
    post_id: int
    text: str
    idempotency_key: str
    account: ChannelAccount
    adapter: str


async def _take(db: Database, box: SecretBox, post_id: int, holder: str, now: datetime,
                lease: timedelta, *, status: str) -> TakenPost | None:
    async with db.write() as tx:
        conditions = [col(ScheduledPost.id) == post_id, col(ScheduledPost.status) == status]
        if status == "approved":
            conditions.append(~col(ScheduledPost.paused))
        else:  # publishing: only once the lease ran out
            conditions.append(col(ScheduledPost.lease_until) < now)
        taken = (await tx.session.scalars(
            update(ScheduledPost).where(*conditions)
            .values(status="publishing", holder=holder, lease_until=now + lease,
                    attempts=ScheduledPost.attempts + 1, retry_at=None, updated_at=now)
            .returning(ScheduledPost))).one_or_none()
        if taken is None:
            return None
        channel = await tx.session.get(Channel, taken.channel_id)
        assert channel is not None
        tx.audit("post.publishing", None, post_id=post_id, attempt=taken.attempts,
                 holder=holder)
        await _emit(tx, taken)
    return TakenPost(post_id, taken.text, taken.idempotency_key, account_of(channel, box),
                     channel.adapter)


async def take_due(db: Database, box: SecretBox, publishers: Mapping[str, PostPublisher],
                   holder: str, now: datetime, lease: timedelta) -> list[TakenPost]:
    """The posts this process publishes now: due ones, and those whose sender died on a
    network that makes a second send harmless (the others become `unsure`)."""
    async with db.read() as session:
        due = (await session.execute(
            select(col(ScheduledPost.id), col(ScheduledPost.status), col(Channel.adapter))
            .join(Channel, col(Channel.id) == col(ScheduledPost.channel_id))
            .where(((col(ScheduledPost.status) == "approved") & ~col(ScheduledPost.paused) &
                    (col(ScheduledPost.publish_at) <= now) &
                    (col(ScheduledPost.retry_at).is_(None) |
                     (col(ScheduledPost.retry_at) <= now))) |
                   ((col(ScheduledPost.status) == "publishing") &
                    (col(ScheduledPost.lease_until) < now)))
            .order_by(col(ScheduledPost.publish_at)).limit(TAKEN_AT_ONCE))).all()
    taken = []
    for post_id, status, adapter in due:
        publisher = publishers.get(adapter)
        if status == "publishing" and not (publisher and publisher.publish_idempotent):
            await _settle(db, post_id, None, now, status="unsure", error=UNSURE,
                          expired=True)
            continue
        if publisher is None:
            continue
        if (got := await _take(db, box, post_id, holder, now, lease, status=status)):
            taken.append(got)
    return taken


async def _settle(db: Database, post_id: int, holder: str | None, now: datetime, *,
                  expired: bool = False, **values: Any) -> bool:
    """Write the outcome while `holder` still holds the lease (or, `expired`, once the
    lease ran out with nobody answering)."""
    async with db.write() as tx:
        owned = [col(ScheduledPost.id) == post_id, col(ScheduledPost.status) == "publishing"]
        owned.append(col(ScheduledPost.lease_until) < now if expired
                     else col(ScheduledPost.holder) == holder)
        done = (await tx.session.scalars(
            update(ScheduledPost).where(*owned)
            .values(holder=None, lease_until=None, updated_at=now, **values)
            .returning(ScheduledPost))).one_or_none()
        if done is None:
            return False
        tx.audit(f"post.{done.status}", None, post_id=post_id, error=done.error)
        await _emit(tx, done)
    return True


async def published(db: Database, post_id: int, holder: str, now: datetime,
                    answer: Published) -> bool:
    return await _settle(db, post_id, holder, now, status="published",
                         external_id=answer.external_id[:255],
                         url=answer.url[:500] if answer.url else None, answer=answer.raw,
                         published_at=now, error=None)


async def retry_later(db: Database, post_id: int, holder: str, now: datetime, error: str,
                      wait: float) -> bool:
    return await _settle(db, post_id, holder, now, status="approved", error=error[:500],
                         retry_at=now + timedelta(seconds=wait))


async def failed(db: Database, post_id: int, holder: str, now: datetime, error: str) -> bool:
    return await _settle(db, post_id, holder, now, status="failed", error=error[:500])
