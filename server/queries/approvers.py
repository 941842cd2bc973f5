"""Who may approve a reply: active people (never service accounts) whose role has
reply.approve, less its authors and whoever corrected it. A small team where every
supervisor co-wrote the draft finds out here, before it waits for nobody."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.actions.reply_policy import needs_approval
from server.db import Database
from server.events import UserRef
from server.models import Approval, Channel, Role, Thread, User
from server.models.replies import OPEN_APPROVAL
from server.permissions import Actor


async def approver_pool(session: AsyncSession) -> list[UserRef]:
    """Everyone who may approve replies at all, by name."""
    rows = (await session.execute(
        select(col(User.id), col(User.name), col(Role.permissions))
        .join(Role, col(Role.id) == col(User.role_id))
        .where(col(User.active), col(User.service_account).is_(False))
        .order_by(col(User.name))
    )).all()
    return [UserRef(id=uid, name=name) for uid, name, permissions in rows
            if "reply.approve" in permissions]


def approval_excludes(approval: Approval) -> set[int]:
    """The people four eyes rules out for this approval."""
    left = {approval.submitted_by_id, *approval.authors}
    if approval.corrected_by_id is not None:
        left.add(approval.corrected_by_id)
    return left


def eligible(pool: Iterable[UserRef], excluded: Iterable[int | None]) -> list[UserRef]:
    ruled_out = set(excluded)
    return [person for person in pool if person.id not in ruled_out]


async def approvers_of(session: AsyncSession, approval: Approval) -> list[UserRef]:
    return eligible(await approver_pool(session), approval_excludes(approval))


async def who_approves(db: Database, actor: Actor, reply: dict[str, Any], online: set[int]
                       ) -> dict[str, Any]:
    """For the reply panel: who may approve the open approval, or (before it is submitted)
    the draft if the caller submitted it now; and whether the caller's submit needs it."""
    async with db.read() as session:
        thread = await session.get(Thread, reply["thread_id"])
        channel = await session.get(Channel, thread.channel_id) if thread else None
        needed = thread is not None and await needs_approval(
            session, actor, network=channel.network if channel else "",
            visibility=thread.visibility)
        approval = reply.get("approval")
        if approval is not None and approval["status"] in OPEN_APPROVAL:
            people = [UserRef.model_validate(p) for p in approval["approvers"]]
        else:
            people = eligible(await approver_pool(session), {actor.id, *reply["authors"]})
    return {"needed": needed,
            "people": [{**p.model_dump(), "online": p.id in online} for p in people]}
