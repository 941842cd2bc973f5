"""What a sent reply does to its thread's status: a desk setting.

A reply answers the customer, so an open thread usually stops being work for now. Which
status it moves to is the desk's choice ("waiting on customer" does not exist yet, so the
default is pending). Only an open thread moves: a pending one stays pending, and a reply
on a resolved thread does not reopen it.
"""

from __future__ import annotations

from typing import Literal, cast

from sqlalchemy.ext.asyncio import AsyncSession

from server.actions.claims import release_claim
from server.db import Database, Tx
from server.errors import Invalid
from server.models import DeskSetting, Thread, utcnow
from server.permissions import Actor

KEY = "after_reply"
AfterReply = Literal["open", "pending", "resolved"]  # "open": the status stays as it is
CHOICES: tuple[AfterReply, ...] = ("open", "pending", "resolved")
DEFAULT: AfterReply = "pending"


async def after_reply(session: AsyncSession) -> AfterReply:
    row = await session.get(DeskSetting, KEY)
    chosen = row.value.get("status") if row is not None else None
    return cast(AfterReply, chosen) if chosen in CHOICES else DEFAULT


async def do_set_after_reply(db: Database, actor: Actor, status: str) -> AfterReply:
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
    if thread.status != "open":
        return
    status = await after_reply(tx.session)
    if status == "open":
        return
    thread.status = status
    if status == "resolved":
        release_claim(thread)
    tx.audit("thread.update", author_id, thread.id, status=status, via="reply")
