"""Bulk work: one change (assign, priority, tags, status) to many threads at once.

The threads go in chunks, each one transaction: every thread changed gets its own audit row
and its own thread event with its card, so every board follows as for a single change, and
after each chunk the caller gets a `bulk.progress` event. A thread somebody else holds is
skipped (as a single change on it would be refused), not the whole action. The answer says
what each changed thread's status was before, so a status change can be undone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import col

from server.actions.claims import release_claim
from server.actions.threads import check_tags
from server.db import Database, Tx
from server.errors import Invalid, NotFound
from server.events import ThreadAssigned, ThreadStatusChanged, UserRef, event_row
from server.events.bulk import BulkProgress
from server.models import Thread, User, utcnow
from server.permissions import Actor
from server.queries.cards import PRIORITIES, cards_by_id
from server.statuses import status_named

MAX_THREADS = 1000
CHUNK = 100  # threads per transaction: short write locks, and a progress step each


@dataclass(frozen=True)
class BulkChange:
    """What happens to each thread. `assign` set: assign to `assignee_id` (None: nobody)."""

    status: str | None = None
    priority: str | None = None
    add_tags: tuple[str, ...] = ()
    assign: bool = False
    assignee_id: int | None = None


@dataclass
class BulkOutcome:
    changed: list[int] = field(default_factory=list)
    # Threads left alone: held by someone else, or gone.
    skipped: list[dict[str, object]] = field(default_factory=list)
    # status -> the changed threads that had it before (for undo).
    previous_status: dict[str, list[int]] = field(default_factory=dict)


def check_change(change: BulkChange) -> BulkChange:
    status = status_named(change.status) if change.status is not None else None
    if change.priority is not None and change.priority not in PRIORITIES:
        raise Invalid("Unknown priority %(value)s.", value=change.priority)
    tags = tuple(check_tags(list(change.add_tags))) if change.add_tags else ()
    if not (change.status or change.priority or tags or change.assign):
        raise Invalid("Choose what to change.")
    return BulkChange(status, change.priority, tags, change.assign, change.assignee_id)


def _held_by_other(thread: Thread, actor: Actor) -> bool:
    return (thread.claim_holder_id not in (None, actor.id)
            and thread.claim_expires_at is not None and thread.claim_expires_at > utcnow())


async def do_bulk(db: Database, actor: Actor, thread_ids: Sequence[int], change: BulkChange,
                  job: str) -> BulkOutcome:
    ids = list(dict.fromkeys(thread_ids))
    if not ids or len(ids) > MAX_THREADS:
        raise Invalid("Choose between 1 and %(count)d threads.", count=MAX_THREADS)
    change = check_change(change)
    assignee: UserRef | None = None
    if change.assign and change.assignee_id is not None:
        async with db.read() as session:
            user = await session.get(User, change.assignee_id)
        if user is None or not user.active or user.id is None:
            raise NotFound("There is no active user %(id)s.", id=change.assignee_id)
        assignee = UserRef(id=user.id, name=user.name)
    outcome = BulkOutcome()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        async with db.write() as tx:
            await _apply_chunk(tx, actor, chunk, change, assignee, outcome)
            tx.emit(event_row(BulkProgress(job=job, done=min(start + CHUNK, len(ids)),
                                           total=len(ids)), user_id=actor.id))
    return outcome


async def _apply_chunk(tx: Tx, actor: Actor, chunk: list[int], change: BulkChange,
                       assignee: UserRef | None, outcome: BulkOutcome) -> None:
    threads = {t.id: t for t in (await tx.session.scalars(
        select(Thread).where(col(Thread.id).in_(chunk)))).all()}
    by = UserRef(id=actor.id, name=actor.name)
    now = utcnow()
    touched: list[tuple[int, dict[str, object], str]] = []
    for thread_id in chunk:
        thread = threads.get(thread_id)
        if thread is None:
            outcome.skipped.append({"id": thread_id, "reason": "not_found"})
            continue
        if _held_by_other(thread, actor) and not change.assign:
            outcome.skipped.append({"id": thread_id, "reason": "claim_held"})
            continue
        changes = _change_thread(thread, change)
        if not changes:
            continue
        thread.updated_at = now
        touched.append((thread_id, changes, "assign" if change.assign else "update"))
    if not touched:
        return
    await tx.session.flush()
    cards = await cards_by_id(tx.session, [thread_id for thread_id, _, _ in touched])
    for thread_id, changes, kind in touched:
        outcome.changed.append(thread_id)
        before = changes.pop("_status_before", None)
        if isinstance(before, str) and "status" in changes:
            outcome.previous_status.setdefault(before, []).append(thread_id)
        tx.audit("thread.assign" if kind == "assign" else "thread.update", actor.id, thread_id,
                 bulk=True, **changes)
        if kind == "assign":
            event = ThreadAssigned(thread_id=thread_id, assignee=assignee, by=by,
                                   card=cards[thread_id])
        else:
            event = ThreadStatusChanged(thread_id=thread_id, status=cards[thread_id].status,
                                        by=by, card=cards[thread_id])
        tx.emit(event_row(event, thread_id=thread_id))


def _change_thread(thread: Thread, change: BulkChange) -> dict[str, object]:
    """Change one thread in memory; what changed (empty: nothing to do)."""
    changes: dict[str, object] = {}
    if change.assign:
        if thread.assignee_id != change.assignee_id:
            thread.assignee_id = change.assignee_id
            changes["assignee_id"] = change.assignee_id
        return changes
    if change.status is not None and thread.status != change.status:
        changes["_status_before"] = thread.status
        changes["status"] = change.status
        thread.status = change.status
        if change.status == "resolved":
            # As for one thread: a solved thread no longer waits, and its claim goes.
            thread.waiting_since = None
            thread.sla_due_at = None
            released = release_claim(thread)
            if released is not None:
                changes["released_claim_of"] = released
    if change.priority is not None and thread.priority != change.priority:
        changes["priority"] = change.priority
        thread.priority = change.priority
    if change.add_tags:
        tags = sorted(set(thread.tags or []) | set(change.add_tags))
        if tags != sorted(thread.tags or []):
            changes["tags"] = tags
            thread.tags = tags
    return changes
