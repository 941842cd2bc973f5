"""Changing a thread: status, priority, tags and contact reason."""

from __future__ import annotations

from server.actions import service_levels
from server.actions.claims import check_may_act, release_claim
from server.db import Database, Tx
from server.errors import Invalid
from server.events import ThreadStatusChanged, UserRef, event_row
from server.models import Thread, utcnow
from server.permissions import Actor
from server.queries.cards import PRIORITIES, card
from server.statuses import DONE, status_named

MAX_TAGS = 20


def check_tags(tags: list[str]) -> list[str]:
    cleaned = sorted({t.strip().lower() for t in tags if t.strip()})
    if len(cleaned) > MAX_TAGS or any(len(t) > 40 for t in cleaned):
        raise Invalid("At most %(count)d tags of up to 40 characters each.", count=MAX_TAGS)
    return cleaned


async def do_update_thread(
    db: Database,
    actor: Actor,
    thread_id: int,
    *,
    status: str | None = None,
    priority: str | None = None,
    tags: list[str] | None = None,
    reason: str | None = None,
) -> None:
    if status is not None:
        status = status_named(status)
    if priority is not None and priority not in PRIORITIES:
        raise Invalid("Unknown priority %(value)s.", value=priority)
    clean_tags = check_tags(tags) if tags is not None else None
    async with db.write() as tx:
        thread = await check_may_act(tx, actor, thread_id)
        was = thread.status
        changes: dict[str, object] = {}
        for name, value in (
            ("status", status),
            ("priority", priority),
            ("tags", clean_tags),
            ("reason", reason),
        ):
            if value is not None and getattr(thread, name) != value:
                changes[name] = value
                setattr(thread, name, value)
        if not changes:
            return
        thread.updated_at = utcnow()
        if "status" in changes:
            # The close-after and reopen windows count from here.
            if status not in DONE:
                thread.resolved_at = None
            elif thread.resolved_at is None:
                thread.resolved_at = thread.updated_at
        if "status" in changes:
            await _move_clocks(tx, thread, was, status)  # type: ignore[arg-type]
        if changes.get("status") in DONE:
            # A solved thread no longer waits; its SLA clock stops.
            thread.waiting_since = None
            thread.sla_due_at = None
            # ... and nobody works on it any more: the claim goes with it.
            released = release_claim(thread)
            if released is not None:
                changes["released_claim_of"] = released
        await tx.session.flush()
        tx.audit("thread.update", actor.id, thread_id, **changes)
        tx.emit(
            event_row(
                ThreadStatusChanged(
                    thread_id=thread_id,
                    status=thread.status,
                    by=UserRef(id=actor.id, name=actor.name),
                    card=await card(tx.session, thread_id),
                ),
                thread_id=thread_id,
            )
        )


async def _move_clocks(tx: Tx, thread: Thread, was: str, status: str) -> None:
    """Solved: the service-level clocks stop; waiting on the customer: they stand still;
    no longer waiting: they run on."""
    now = utcnow()
    if status in DONE:
        await service_levels.stop(tx, thread.id)  # type: ignore[arg-type]
    elif status == "waiting":
        await service_levels.pause(tx, thread.id, now)  # type: ignore[arg-type]
    elif was == "waiting":
        hours = await service_levels.team_hours(tx, [thread.team_id])
        await service_levels.resume(tx, [thread.id], {  # type: ignore[list-item]
            thread.id: hours.get(thread.team_id, service_levels.ALWAYS)}, now)  # type: ignore[dict-item]
