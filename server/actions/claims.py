"""Claims: at most one person works on a thread at a time, across every process.

A claim is taken with one conditional UPDATE (only if unclaimed or expired) that bumps the
thread's fencing token, never with a read followed by a write.

When many people grab the same thread at once (a crisis post everybody sees arrive), each
process sends one claim for it to the database at a time: the others wait for its outcome
and, if it made someone else the holder, are refused with that holder's name at once. That
answer is exact, not a guess from a cache: the thread was held by that person when the
claim they waited for committed, which happened while they waited.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, Update, bindparam, case, or_, select, update
from sqlmodel import col

from server.actions.windows import aware
from server.db import Database, Tx
from server.errors import ClaimHeld, Invalid, NotFound
from server.events import ThreadAssigned, ThreadClaimed, ThreadReleased, UserRef, event_row
from server.metrics import CLAIM_CONFLICTS
from server.models import Thread, User, utcnow
from server.models.time import iso
from server.permissions import Actor
from server.queries.cards import card
from server.statuses import TOUCHED


@dataclass(frozen=True)
class Claim:
    thread_id: int
    holder: UserRef
    fencing_token: int
    expires_at: datetime

    def as_json(self) -> dict[str, object]:
        return {
            "thread_id": self.thread_id,
            "holder": self.holder.model_dump(),
            "fencing_token": self.fencing_token,
            "expires_at": iso(self.expires_at),
        }


THREAD: Table = Thread.__table__  # type: ignore[attr-defined]
USER: Table = User.__table__  # type: ignore[attr-defined]

# The claim path's statements, built once with bound values (and on the tables, not the
# ORM): a claim is the desk's most frequent write, and building, keying and ORM-wrapping
# its statements anew each time was a third of its CPU.
_CLAIM_NOW = (
    select(THREAD.c.claim_holder_id, THREAD.c.claim_token, THREAD.c.claim_expires_at,
           USER.c.name.label("holder_name"))
    .select_from(THREAD.outerjoin(USER, USER.c.id == THREAD.c.claim_holder_id))
    .where(THREAD.c.id == bindparam("thread_id"))
)
_RENEW = (
    update(THREAD)
    .where(THREAD.c.id == bindparam("thread_id"),
           THREAD.c.claim_holder_id == bindparam("actor_id"))
    .values(claim_expires_at=bindparam("expires"))
    .returning(THREAD.c.claim_token)
)
_FREE = or_(THREAD.c.claim_holder_id.is_(None), THREAD.c.claim_expires_at < bindparam("now"))


def _taking(free: ColumnElement[bool]) -> Update:
    return (
        update(THREAD)
        .where(THREAD.c.id == bindparam("thread_id"), free)
        .values(claim_holder_id=bindparam("actor_id"), claim_expires_at=bindparam("expires"),
                claim_token=THREAD.c.claim_token + 1, updated_at=bindparam("now"),
                # Claimed, a new thread is somebody's work: open.
                status=case((THREAD.c.status == "new", TOUCHED), else_=THREAD.c.status))
        .returning(THREAD.c.claim_token)
    )


_TAKE = _taking(_FREE)
# Take over exactly the claim looked at; a change in between means a race lost.
_TAKE_OVER = _taking(or_(_FREE, THREAD.c.claim_token == bindparam("seen_token")))


async def _holder_error(tx: Tx, thread_id: int) -> Exception:
    row: Any = (await tx.session.execute(_CLAIM_NOW, {"thread_id": thread_id})).first()
    if row is None:
        return NotFound("There is no thread %(id)s.", id=thread_id)
    if row.claim_holder_id is None:
        return Invalid("Nobody holds this thread.")
    return ClaimHeld(row.claim_holder_id, row.holder_name)


async def check_may_act(tx: Tx, actor: Actor, thread_id: int) -> Thread:
    """Refuse to act on a thread someone else holds (an expired claim counts as free)."""
    thread = await tx.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound("There is no thread %(id)s.", id=thread_id)
    held_by_other = (
        thread.claim_holder_id not in (None, actor.id)
        and thread.claim_expires_at is not None
        and thread.claim_expires_at > utcnow()
    )
    if held_by_other:
        raise await _holder_error(tx, thread_id)
    return thread


@dataclass(frozen=True)
class _Outcome:
    """Who held the thread when a claim finished (None: the claim failed otherwise)."""

    holder: UserRef | None


class ClaimCoalescer:
    """The claim each thread has in flight in this process: one per desk (create_app builds
    it and keeps it on the Desk as `desk.claims`). Claims of one thread go to the database
    one at a time; those arriving meanwhile are answered from the outcome."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.flights: dict[int, asyncio.Future[_Outcome]] = {}


async def do_claim(
    claims: ClaimCoalescer, actor: Actor, thread_id: int, grace_seconds: float, *,
    take_over: bool = False,
) -> Claim:
    db = claims.db
    if take_over:
        actor.require("thread.takeover")
        return await _claim(db, actor, thread_id, grace_seconds, take_over=True)
    flights = claims.flights
    while (pending := flights.get(thread_id)) is not None:
        # Shielded: a waiter that goes away must not cancel the claim it waits for.
        outcome = await asyncio.shield(pending)
        if outcome.holder is not None and outcome.holder.id != actor.id:
            CLAIM_CONFLICTS.inc()
            raise ClaimHeld(outcome.holder.id, outcome.holder.name)
    mine: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
    flights[thread_id] = mine
    holder: UserRef | None = None
    try:
        claim = await _claim(db, actor, thread_id, grace_seconds, take_over=False)
        holder = claim.holder
        return claim
    except ClaimHeld as held:
        CLAIM_CONFLICTS.inc()
        holder = UserRef(id=held.params["holder_id"], name=held.params["holder_name"])
        raise
    finally:
        del flights[thread_id]
        mine.set_result(_Outcome(holder))


async def _claim(
    db: Database, actor: Actor, thread_id: int, grace_seconds: float, *, take_over: bool
) -> Claim:
    async with db.write() as tx:
        now = utcnow()
        expires = now + timedelta(seconds=grace_seconds)
        values = {"thread_id": thread_id, "actor_id": actor.id, "now": now, "expires": expires}
        # The thread's claim as it is now, with the holder's name for a refusal.
        previous: Any = (await tx.session.execute(_CLAIM_NOW, values)).first()
        if previous is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        held_by_other = (
            previous.claim_holder_id not in (None, actor.id)
            and previous.claim_expires_at is not None
            and aware(previous.claim_expires_at) >= now
        )
        if held_by_other and not take_over:
            # Someone holds it: answer from the row in hand, without writing.
            raise ClaimHeld(previous.claim_holder_id, previous.holder_name)
        if previous.claim_holder_id == actor.id:
            # Claiming again what you hold only renews it.
            token = (await tx.session.execute(_RENEW, values)).scalar()
            if token is not None:
                return Claim(thread_id, UserRef(id=actor.id, name=actor.name), token, expires)
        if take_over:
            taking, values = _TAKE_OVER, {**values, "seen_token": previous.claim_token}
        else:
            taking = _TAKE
        token = (await tx.session.execute(taking, values)).scalar()
        if token is None:
            # Free when we looked, taken since: a race we lost.
            raise await _holder_error(tx, thread_id)
        from_user = None
        if previous.claim_holder_id not in (None, actor.id):
            from_user = UserRef(id=previous.claim_holder_id, name=previous.holder_name)
        holder = UserRef(id=actor.id, name=actor.name)
        tx.audit(
            "thread.take_over" if from_user and take_over else "thread.claim",
            actor.id,
            thread_id,
            fencing_token=token,
            previous_holder_id=previous.claim_holder_id,
        )
        # The session never loaded the thread, so card() reads it as the UPDATE left it.
        tx.emit(
            event_row(
                ThreadClaimed(
                    thread_id=thread_id,
                    holder=holder,
                    fencing_token=token,
                    expires_at=iso(expires),
                    taken_over_from=from_user if take_over else None,
                    card=await card(tx.session, thread_id),
                ),
                thread_id=thread_id,
            )
        )
    return Claim(thread_id, holder, token, expires)


def release_claim(thread: Thread) -> int | None:
    """Let go of `thread`'s claim within a change that ends the work (resolving it); the
    fencing token moves on, so the former holder's late writes are refused. Returns who held
    it."""
    holder = thread.claim_holder_id
    if holder is not None:
        thread.claim_holder_id = None
        thread.claim_expires_at = None
        thread.claim_token += 1
    return holder


async def do_release(db: Database, actor: Actor, thread_id: int) -> None:
    async with db.write() as tx:
        released = await tx.session.execute(
            update(Thread)
            .where(col(Thread.id) == thread_id, col(Thread.claim_holder_id) == actor.id)
            .values(
                claim_holder_id=None,
                claim_expires_at=None,
                claim_token=Thread.claim_token + 1,
                updated_at=utcnow(),
            )
            .returning(col(Thread.claim_token))
        )
        if released.scalar() is None:
            error = await _holder_error(tx, thread_id)
            if isinstance(error, Invalid):
                return  # releasing what nobody holds changes nothing
            raise error
        tx.audit("thread.release", actor.id, thread_id)
        tx.emit(
            event_row(
                ThreadReleased(
                    thread_id=thread_id,
                    previous_holder=UserRef(id=actor.id, name=actor.name),
                    reason="released",
                    card=await card(tx.session, thread_id),
                ),
                thread_id=thread_id,
            )
        )


async def do_assign(db: Database, actor: Actor, thread_id: int, assignee_id: int | None) -> None:
    async with db.write() as tx:
        thread = await tx.session.get(Thread, thread_id)
        if thread is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        assignee = None
        if assignee_id is not None:
            user = await tx.session.get(User, assignee_id)
            if user is None or not user.active:
                raise NotFound("There is no active user %(id)s.", id=assignee_id)
            assignee = UserRef(id=user.id, name=user.name)
        if thread.assignee_id == assignee_id:
            return
        thread.assignee_id = assignee_id
        thread.updated_at = utcnow()
        await tx.session.flush()
        tx.audit("thread.assign", actor.id, thread_id, assignee_id=assignee_id)
        tx.emit(
            event_row(
                ThreadAssigned(
                    thread_id=thread_id,
                    assignee=assignee,
                    by=UserRef(id=actor.id, name=actor.name),
                    card=await card(tx.session, thread_id),
                ),
                thread_id=thread_id,
            )
        )


async def renew_claims(db: Database, user_ids: Iterable[int], grace_seconds: float) -> None:
    """Keep the claims of people with a live connection from expiring."""
    ids = list(user_ids)
    if not ids:
        return
    now = utcnow()
    async with db.write() as tx:
        await tx.session.execute(
            update(Thread)
            .where(col(Thread.claim_holder_id).in_(ids), col(Thread.claim_expires_at) > now)
            .values(claim_expires_at=now + timedelta(seconds=grace_seconds))
        )


async def expire_claims(db: Database) -> int:
    """Release every claim whose holder stopped renewing it; returns how many."""
    now = utcnow()
    async with db.read() as session:
        due = (
            await session.execute(
                select(col(Thread.id), col(Thread.claim_token), col(Thread.claim_holder_id)).where(
                    col(Thread.claim_holder_id).is_not(None),
                    col(Thread.claim_expires_at) < now,
                )
            )
        ).all()
    expired = 0
    for thread_id, token, holder_id in due:
        assert thread_id is not None  # a primary key
        async with db.write() as tx:
            # Only if it is still the same claim: another process may have expired it, or
            # the holder came back and renewed it.
            done = await tx.session.execute(
                update(Thread)
                .where(
                    col(Thread.id) == thread_id,
                    col(Thread.claim_token) == token,
                    col(Thread.claim_expires_at) < utcnow(),
                )
                .values(
                    claim_holder_id=None,
                    claim_expires_at=None,
                    claim_token=Thread.claim_token + 1,
                    updated_at=utcnow(),
                )
                .returning(col(Thread.id))
            )
            if done.scalar() is None:
                continue
            holder = await tx.session.get(User, holder_id)
            tx.audit("thread.claim_expired", None, thread_id, holder_id=holder_id)
            tx.emit(
                event_row(
                    ThreadReleased(
                        thread_id=thread_id,
                        previous_holder=UserRef(id=holder_id, name=holder.name if holder else "?"),
                        reason="expired",
                        card=await card(tx.session, thread_id),
                    ),
                    thread_id=thread_id,
                )
            )
            expired += 1
    return expired
