"""Reading replies: approval views with word diffs, the approvals queue, a thread's reply."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from server.db import Database
from server.errors import Invalid, NotFound
from server.events import ApprovalView, DiffPart, UserRef
from server.events.replies import AnsweredMessage
from server.models import Approval, Channel, Contact, Draft, Message, OutboxItem, Thread, User
from server.models.replies import OPEN_APPROVAL
from server.models.time import iso
from server.queries.approvers import approval_excludes, approver_pool, eligible

QUEUE_STATUSES = OPEN_APPROVAL
ALL_STATUSES = (*OPEN_APPROVAL, "approved", "rejected", "withdrawn")
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(before: str, after: str) -> list[DiffPart]:
    """What changed from `before` to `after`, word by word (whitespace kept as it is)."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    parts: list[DiffPart] = []

    def add(op: str, tokens: Sequence[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if parts and parts[-1].op == op:
            parts[-1] = DiffPart(op=op, text=parts[-1].text + text)
        else:
            parts.append(DiffPart(op=op, text=text))

    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            add("same", a[i1:i2])
        else:
            add("del", a[i1:i2])
            add("ins", b[j1:j2])
    return parts


async def user_refs(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, UserRef]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = (await session.execute(
        select(col(User.id), col(User.name)).where(col(User.id).in_(wanted))
    )).all()
    # The ids are primary keys, never None; the check only tells the type checker so.
    return {uid: UserRef(id=uid, name=name) for uid, name in rows if uid is not None}


async def _answered(session: AsyncSession, approvals: Sequence[Approval]
                    ) -> dict[int, AnsweredMessage]:
    """Per approval, the message its reply answers: the thread's customer's newest message
    up to what the authors had seen (not a bystander's "+1" that came in after, nor the
    thread's newest message)."""
    newest = (
        select(func.max(col(Message.id)))
        .where(col(Message.thread_id) == col(Approval.thread_id),
               col(Message.direction) == "in",
               col(Message.contact_id) == col(Thread.contact_id),
               or_(col(Approval.seen_message_id).is_(None),
                   col(Message.id) <= col(Approval.seen_message_id)))
        .correlate(Approval, Thread).scalar_subquery()
    )
    picked: dict[int, int | None] = dict((await session.execute(
        select(col(Approval.id), newest)
        .join(Thread, col(Thread.id) == col(Approval.thread_id))
        .where(col(Approval.id).in_([a.id for a in approvals]))
    )).all())
    ids = {m for m in picked.values() if m is not None}
    if not ids:
        return {}
    rows = (await session.execute(
        select(Message, Contact).join(Contact, col(Contact.id) == col(Message.contact_id))
        .where(col(Message.id).in_(ids))
    )).all()
    found = {m.id: AnsweredMessage(id=m.id, author_name=c.name, text=m.text,
                                   created_at=iso(m.created_at) or "")
             for m, c in rows}
    return {a: found[m] for a, m in picked.items() if m in found}


async def approval_views(
    session: AsyncSession, approvals: Sequence[Approval]
) -> list[ApprovalView]:
    if not approvals:
        return []
    answered = await _answered(session, approvals)
    thread_ids = {a.thread_id for a in approvals}
    rows = (await session.execute(
        select(Thread, Channel, Contact)
        .join(Channel, col(Channel.id) == col(Thread.channel_id))
        .join(Contact, col(Contact.id) == col(Thread.contact_id))
        .where(col(Thread.id).in_(thread_ids))
    )).all()
    threads = {t.id: (t, ch, co) for t, ch, co in rows}
    pool = await approver_pool(session)
    people = await user_refs(session, [
        uid for a in approvals
        for uid in (a.submitted_by_id, a.decided_by_id, a.corrected_by_id, a.handed_to_id,
                    *a.authors)
    ])
    views = []
    for a in approvals:
        thread, channel, contact = threads[a.thread_id]
        corrected = a.final_text is not None and a.final_text != a.submitted_text
        views.append(ApprovalView(
            id=a.id,
            thread_id=a.thread_id,
            status=a.status,
            network=channel.network,
            channel_name=channel.name,
            visibility=thread.visibility,
            customer_name=contact.name,
            excerpt=thread.excerpt,
            answering=answered.get(a.id),  # type: ignore[arg-type]
            submitted_by=people.get(a.submitted_by_id) or UserRef(id=a.submitted_by_id, name="?"),
            authors=[people[uid] for uid in a.authors if uid in people],
            submitted_text=a.submitted_text,
            final_text=a.final_text,
            diff=word_diff(a.submitted_text, a.final_text) if corrected else [],  # type: ignore[arg-type]
            comment=a.comment,
            decided_by=people.get(a.decided_by_id) if a.decided_by_id else None,
            corrected_by=people.get(a.corrected_by_id) if a.corrected_by_id else None,
            confirm_by=a.confirm_by if a.status == "corrected" else None,
            handed_to=people.get(a.handed_to_id) if a.handed_to_id else None,
            approvers=eligible(pool, approval_excludes(a)),
            message_id=a.message_id,
            created_at=iso(a.created_at),
            decided_at=iso(a.decided_at),
        ))
    return views


async def approval_view(session: AsyncSession, approval: Approval) -> ApprovalView:
    return (await approval_views(session, [approval]))[0]


async def approvals_queue(
    db: Database, status: str = "open", thread_id: int | None = None, limit: int = 200,
) -> list[ApprovalView]:
    """The approvals queue (pending and held, oldest first), or decided ones (newest first)."""
    if status not in ("open", *ALL_STATUSES):
        raise Invalid("Unknown status %(value)s.", value=status)
    query = select(Approval)
    if status == "open":
        query = query.where(col(Approval.status).in_(QUEUE_STATUSES)).order_by(col(Approval.id))
    else:
        query = query.where(col(Approval.status) == status).order_by(col(Approval.id).desc())
    if thread_id is not None:
        query = query.where(col(Approval.thread_id) == thread_id)
    async with db.read() as session:
        rows = (await session.scalars(query.limit(limit))).all()
        return await approval_views(session, rows)


def message_json(message: Message, author_name: str) -> dict[str, Any]:
    return {
        "id": message.id, "direction": message.direction, "visibility": message.visibility,
        "author_name": author_name, "text": message.text, "created_at": iso(message.created_at),
        "delivery_status": message.delivery_status,
    }


async def messages_json(session: AsyncSession, messages: Sequence[Message]) -> list[dict[str, Any]]:
    contacts = {m.contact_id for m in messages if m.contact_id}
    names: dict[int | None, str] = dict((await session.execute(
        select(col(Contact.id), col(Contact.name)).where(col(Contact.id).in_(contacts))
    )).all()) if contacts else {}
    people = await user_refs(session, [m.author_user_id for m in messages])
    return [
        message_json(m, names.get(m.contact_id, "") if m.direction == "in" else (
            people[m.author_user_id].name if m.author_user_id in people else ""))
        for m in messages
    ]


async def thread_reply(db: Database, thread_id: int) -> dict[str, Any]:
    """Everything the reply panel shows: the draft's state, its open or last approval, and
    the delivery of the thread's outgoing messages."""
    async with db.read() as session:
        if await session.get(Thread, thread_id) is None:
            raise NotFound("There is no thread %(id)s.", id=thread_id)
        draft = await session.scalar(select(Draft).where(col(Draft.thread_id) == thread_id))
        approval = await session.scalar(
            select(Approval).where(col(Approval.thread_id) == thread_id)
            .order_by(col(Approval.id).desc()).limit(1)
        )
        outgoing = (await session.execute(
            select(Message, OutboxItem)
            .outerjoin(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
            .where(col(Message.thread_id) == thread_id, col(Message.direction) == "out")
            .order_by(col(Message.id))
        )).all()
        newest = await session.scalar(
            select(col(Message.id)).where(col(Message.thread_id) == thread_id)
            .order_by(col(Message.id).desc()).limit(1)
        )
        view = await approval_view(session, approval) if approval else None
    return {
        "thread_id": thread_id,
        "state": draft.state if draft else "editing",
        "text": draft.text if draft else "",
        "version": draft.version if draft else 0,
        "authors": list(draft.authors) if draft else [],
        "seen_message_id": draft.seen_message_id if draft else None,
        "newest_message_id": newest,
        "approval": view.model_dump(mode="json") if view else None,
        "deliveries": [
            {"message_id": m.id, "status": m.delivery_status, "error": m.delivery_error,
             "external_id": m.external_id, "attempts": item.attempts if item else 0,
             "next_attempt_at": iso(item.next_attempt_at) if item and m.delivery_status == "queued"
             else None}
            for m, item in outgoing
        ],
    }
