"""Release every claim a person holds at once: the end of a shift, or a handover."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import col

from server.db import Database
from server.events import ThreadReleased, UserRef, event_row
from server.models import Thread, utcnow
from server.permissions import Actor
from server.queries.cards import cards_by_id


async def do_release_all(db: Database, actor: Actor) -> list[int]:
    """One conditional UPDATE over the person's claims; each released thread gets its audit
    row and its `thread.released` event, as a single release would."""
    async with db.write() as tx:
        released = await tx.session.execute(
            update(Thread)
            .where(col(Thread.claim_holder_id) == actor.id)
            .values(claim_holder_id=None, claim_expires_at=None,
                    claim_token=Thread.claim_token + 1, updated_at=utcnow())
            .returning(col(Thread.id))
        )
        ids = sorted(released.scalars().all())
        if not ids:
            return []
        cards = await cards_by_id(tx.session, ids)
        me = UserRef(id=actor.id, name=actor.name)
        for thread_id in ids:
            tx.audit("thread.release", actor.id, thread_id, all_claims=True)
            tx.emit(event_row(ThreadReleased(thread_id=thread_id, previous_holder=me,
                                             reason="released", card=cards[thread_id]),
                              thread_id=thread_id))
    return ids
