"""An agent's availability for new work: online, away, busy or offline.

Set by hand (the board's menu), or by presence: someone whose last live connection closed
a while ago is away (server/services/presence.py). Automatic assignment gives work only
to people who are online.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, select, update

from server.db import Database, Tx
from server.errors import Invalid
from server.events import UserRef, event_row
from server.events.routing import AvailabilityChanged
from server.models import Availability, User, utcnow
from server.permissions import Actor
from server.queries.teams import AVAILABILITY_STATES


async def do_set_availability(db: Database, actor: Actor, state: str) -> None:
    if state not in AVAILABILITY_STATES:
        raise Invalid("Unknown availability %(value)s.", value=state)
    async with db.write() as tx:
        await set_availability(tx, actor.id, actor.name, state, by_hand=True, now=utcnow())


async def set_availability(tx: Tx, user_id: int, name: str, state: str, *, by_hand: bool,
                           now: datetime) -> bool:
    """Write `state` (in the caller's transaction) and tell every board; False when it
    was so already."""
    row = await tx.session.get(Availability, user_id, with_for_update=True)
    if row is None:
        row = Availability(user_id=user_id, state=state, by_hand=by_hand, changed_at=now)
        tx.session.add(row)
    elif row.state == state and row.by_hand == by_hand:
        return False
    else:
        row.state, row.by_hand, row.changed_at = state, by_hand, now
    await tx.session.flush()
    tx.audit("availability.set", user_id if by_hand else None, user_id=user_id, state=state,
             by_hand=by_hand)
    tx.emit(event_row(AvailabilityChanged(user=UserRef(id=user_id, name=name), state=state,
                                          by_hand=by_hand)))
    return True



async def see_connected(db: Database, user_ids: Iterable[int], now: datetime) -> None:
    """People with a live connection to this process: seen now, and back online if
    presence had made them away (what they set by hand stays, and so does never set)."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    async with db.write() as tx:
        await tx.session.execute(
            update(Availability).where(col(Availability.user_id).in_(ids))
            .values(seen_at=now))
        back = (await tx.session.execute(
            select(col(User.id), col(User.name))
            .join(Availability, col(Availability.user_id) == col(User.id))
            .where(col(User.id).in_(ids), col(Availability.state) == "away",
                   col(Availability.by_hand).is_(False)))).all()
        for user_id, name in back:
            await set_availability(tx, user_id, name, "online", by_hand=False, now=now)


async def mark_away(db: Database, away_after: timedelta, now: datetime) -> int:
    """Online people no process has seen connected for `away_after` are away. Each is taken
    by one conditional UPDATE, so with several processes sweeping each change is announced
    once. Returns how many."""
    cutoff = now - away_after
    async with db.write() as tx:
        gone = (await tx.session.execute(
            update(Availability)
            .where(col(Availability.state) == "online",
                   func.coalesce(col(Availability.seen_at), col(Availability.changed_at))
                   < cutoff)
            .values(state="away", by_hand=False, changed_at=now)
            .returning(col(Availability.user_id)))).scalars().all()
        names = dict((await tx.session.execute(
            select(col(User.id), col(User.name)).where(col(User.id).in_(gone)))).all()
        ) if gone else {}
        for user_id in gone:
            tx.audit("availability.set", None, user_id=user_id, state="away", by_hand=False)
            tx.emit(event_row(AvailabilityChanged(
                user=UserRef(id=user_id, name=names.get(user_id, "")), state="away",
                by_hand=False)))
    return len(gone)
