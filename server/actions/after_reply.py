"""What a sent reply does to its thread's status: a desk setting.

A reply answers the customer, so an open thread usually stops being work for now. Which
status it moves to is the desk's choice: waiting on the customer by default (the setting's
former name for it, "pending", is still understood). Only a thread being worked on moves
(new, open, or pending approval, whose reply just left): a waiting one stays waiting, and a
reply on a resolved thread does not reopen it.
"""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy.ext.asyncio import AsyncSession

from server.actions import service_levels
from server.actions.claims import release_claim
from server.db import Database, Tx
from server.errors import Invalid
from server.models import DeskSetting, Thread, utcnow
from server.permissions import Actor
from server.statuses import FORMER_NAMES

KEY = "after_reply"
AfterReply = Literal["open", "waiting", "resolved"]  # "open": the thread stays open
CHOICES: tuple[AfterReply, ...] = ("open", "waiting", "resolved")
DEFAULT: AfterReply = "waiting"
# What a reply moves; a new thread someone answered is open at least.
_MOVES = frozenset({"new", "open", "pending_approval"})


async def after_reply(session: AsyncSession) -> AfterReply:
    row = await session.get(DeskSetting, KEY)
    chosen = row.value.get("status") if row is not None else None
    chosen = FORMER_NAMES.get(chosen, chosen)
    return cast(AfterReply, chosen) if chosen in CHOICES else DEFAULT


async def do_set_after_reply(db: Database, actor: Actor, status: str) -> AfterReply:
    status = FORMER_NAMES.get(status, status)
    if status not in CHOICES:
        raise Invalid("Unknown status %(value)s.", value=status)
    async with db.write() as tx:
        row = await tx.session.get(DeskSetting, KEY)
        if row is None:
            tx.session.add(DeskSetting(key=KEY, value={"status": status}))
        else:
            row.value = {"status": status}
            row.updated_at = utcnow()
        tx.audit("after_reply.set", actor.id, status=status)
    return cast(AfterReply, status)


async def move_after_reply(tx: Tx, thread: Thread, author_id: int) -> None:
    """Apply the setting to `thread`, which just got a reply (in the same transaction)."""
    if thread.status not in _MOVES:
        return
    status = await after_reply(tx.session)
    if status == thread.status:
        return
    thread.status = status
    if status == "resolved":
        thread.resolved_at = utcnow()
        release_claim(thread)
        await service_levels.stop(tx, thread.id)  # type: ignore[arg-type]
    elif status == "waiting":
        await service_levels.pause(tx, thread.id, utcnow())  # type: ignore[arg-type]
    tx.audit("thread.update", author_id, thread.id, status=status, via="reply")
