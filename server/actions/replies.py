"""Sending a reply: submit, approve (possibly corrected), reject, withdraw.

A submitted draft either goes straight to the outbox or, when the policy (or crisis mode)
says so, waits as an Approval while the draft is locked (state "pending"). Nobody approves
a reply they wrote. A reply never answers a conversation its authors have not seen: newer
messages stop it until an author confirms them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from channels.registry import capabilities
from server.actions.claims import check_may_act
from server.actions.drafts import clear_draft
from server.actions.outbox import enqueue_reply
from server.actions.reply_policy import needs_approval
from server.actions.windows import closed_window_template, windows
from server.db import Database, Tx
from server.errors import N_, Conflict, DeskError, Invalid, NotFound
from server.events import (
    ApprovalDecided,
    ApprovalRequested,
    ReplyDecided,
    ReplyState,
    UserRef,
    event_row,
)
from server.models import Approval, Channel, Draft, Message, Thread, User, utcnow
from server.permissions import Actor
from server.queries.cards import card
from server.queries.replies import approval_view, messages_json

MAX_REPLY = 10000
MAX_COMMENT = 2000
OPEN = ("pending", "held")


class UnseenMessages(Conflict):
    code = "unseen_messages"

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        super().__init__(
            N_("New messages reached this thread since you last saw it (%(count)d). "
               "Read them, then confirm to send."),
            count=len(messages), messages=messages, newest_id=messages[-1]["id"],
        )


class FourEyes(DeskError):
    status = 403
    code = "four_eyes"

    def __init__(self) -> None:
        super().__init__(N_("You wrote this reply; somebody else has to approve it."))


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | pending | held | rejected | withdrawn
    approval_id: int | None = None
    message_id: int | None = None
    unseen: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"status": self.status, "approval_id": self.approval_id,
                "message_id": self.message_id, "unseen": self.unseen}


def _ref(actor: Actor) -> UserRef:
    return UserRef(id=actor.id, name=actor.name)


async def _unseen(tx: Tx, thread_id: int, seen_upto: int, writer_id: int) -> list[dict[str, Any]]:
    """Messages after `seen_upto`, but not the writer's own replies."""
    rows = (await tx.session.scalars(
        select(Message).where(col(Message.thread_id) == thread_id, col(Message.id) > seen_upto)
        .order_by(col(Message.id))
    )).all()
    fresh = [m for m in rows if not (m.direction == "out" and m.author_user_id == writer_id)]
    return await messages_json(tx.session, fresh)


async def _newest(tx: Tx, thread_id: int) -> int | None:
    return await tx.session.scalar(
        select(col(Message.id)).where(col(Message.thread_id) == thread_id)
        .order_by(col(Message.id).desc()).limit(1)
    )


async def _open_approval(tx: Tx, thread_id: int) -> Approval | None:
    return await tx.session.scalar(
        select(Approval).where(col(Approval.thread_id) == thread_id,
                               col(Approval.status).in_(OPEN))
    )


def _state_event(tx: Tx, thread_id: int, draft: Draft, reason: str, approval_id: int | None
                 ) -> None:
    tx.emit(event_row(
        ReplyState(thread_id=thread_id, state=draft.state, reason=reason,
                   approval_id=approval_id, text=draft.text),
        thread_id=thread_id,
    ))


async def announce_request(tx: Tx, approval: Approval) -> None:
    """Every approvals queue adds the request; boards mark the thread as awaiting approval."""
    await tx.session.flush()
    tx.emit(event_row(ApprovalRequested(approval=await approval_view(tx.session, approval),
                                        card=await card(tx.session, approval.thread_id)),
                      thread_id=approval.thread_id))


async def _decided(tx: Tx, approval: Approval, actor: Actor, notify: bool) -> None:
    """Tell every queue, and (for a decision by someone else) each author personally."""
    await tx.session.flush()
    view = await approval_view(tx.session, approval)
    tx.emit(event_row(ApprovalDecided(approval=view, card=await card(tx.session, view.thread_id)),
                      thread_id=approval.thread_id))
    if not notify:
        return
    for user_id in dict.fromkeys([approval.submitted_by_id, *approval.authors]):
        tx.emit(event_row(
            ReplyDecided(
                approval_id=view.id, thread_id=view.thread_id, status=view.status,
                by=_ref(actor), comment=view.comment, submitted_text=view.submitted_text,
                final_text=view.final_text, diff=view.diff,
            ),
            thread_id=approval.thread_id, user_id=user_id,
        ))


async def check_message_window(tx: Tx, thread: Thread) -> None:
    """Refuse what the network would refuse: a private message after its window closed."""
    if thread.visibility != "private":
        return
    channel = await tx.session.get(Channel, thread.channel_id)
    if channel is None:
        return
    last = await tx.session.scalar(
        select(func.max(col(Message.created_at))).where(
            col(Message.thread_id) == thread.id, col(Message.direction) == "in")
    )
    caps = capabilities(channel.adapter, channel.network)
    until = windows(caps, "private", None, last).message_window_until
    if until is not None and until < utcnow():
        hours = caps.message_window_hours if caps and caps.message_window_hours else 0
        if closed_window_template(channel.adapter, channel.config, hours):
            return  # the adapter sends the channel's approved template instead of text
        raise Conflict(
            "The network takes messages only within %(hours)d hours of the customer's last "
            "message, and that time is over. Answer in public or wait for the customer.",
            hours=caps.message_window_hours if caps else 0,
        )


async def _send(tx: Tx, thread: Thread, draft: Draft | None, text: str, author_id: int,
                actor: Actor, approval: Approval | None) -> Message:
    await check_message_window(tx, thread)
    author = await tx.session.get(User, author_id) if author_id != actor.id else None
    name = author.name if author else actor.name
    message = await enqueue_reply(tx, thread, text, author_id, name)
    if draft is not None:
        # The reply left: the draft starts over, empty and editable (as a CRDT edit, so
        # editors still online merge the deletion).
        await clear_draft(tx, thread.id)  # type: ignore[arg-type]
        draft.updated_by_id = actor.id
        _state_event(tx, thread.id, draft, "sent", approval.id if approval else None)  # type: ignore[arg-type]
    tx.audit("reply.queued", actor.id, thread.id, message_id=message.id, text=text,
             author_id=author_id, approval_id=approval.id if approval else None)
    return message


def check_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise Invalid("The reply is empty.")
    if len(text) > MAX_REPLY:
        raise Invalid("A reply has at most %(count)d characters.", count=MAX_REPLY)
    return text


async def do_submit(
    db: Database, actor: Actor, thread_id: int, *, seen_upto: int | None = None,
    confirm_seen_upto: int | None = None,
) -> Outcome:
    """Send the thread's draft, or put it up for approval; or confirm a held approval."""
    async with db.write() as tx:
        thread = await check_may_act(tx, actor, thread_id)
        draft = await tx.session.scalar(select(Draft).where(col(Draft.thread_id) == thread_id))
        waiting = await _open_approval(tx, thread_id)
        if waiting is not None:
            if waiting.status == "held" and confirm_seen_upto is not None:
                submitted = draft if draft is not None and draft.state == "pending" else None
                return await _confirm_held(tx, actor, thread, submitted, waiting,
                                           confirm_seen_upto)
            raise Conflict("A reply on this thread waits for approval already.")
        text = check_text(draft.text if draft else "")
        assert draft is not None
        await check_message_window(tx, thread)
        seen = max(draft.seen_message_id or 0, seen_upto or 0, confirm_seen_upto or 0)
        unseen = await _unseen(tx, thread_id, seen, actor.id)
        if unseen:
            raise UnseenMessages(unseen)
        authors = list(dict.fromkeys([*draft.authors, actor.id]))
        channel = await tx.session.get(Channel, thread.channel_id)
        network = channel.network if channel else ""
        if not await needs_approval(tx.session, actor, network=network,
                                    visibility=thread.visibility):
            message = await _send(tx, thread, draft, text, actor.id, actor, None)
            tx.audit("reply.submit", actor.id, thread_id, text=text, authors=authors,
                     approval=False, message_id=message.id)
            return Outcome("sent", message_id=message.id)
        approval = Approval(
            thread_id=thread_id, submitted_by_id=actor.id, authors=authors, submitted_text=text,
            seen_message_id=await _newest(tx, thread_id),
        )
        tx.session.add(approval)
        draft.state = "pending"
        draft.updated_at = utcnow()
        await tx.session.flush()
        tx.audit("reply.submit", actor.id, thread_id, text=text, authors=authors, approval=True,
                 approval_id=approval.id)
        await announce_request(tx, approval)
        _state_event(tx, thread_id, draft, "submitted", approval.id)
        return Outcome("pending", approval_id=approval.id)


async def _confirm_held(tx: Tx, actor: Actor, thread: Thread, draft: Draft | None,
                        approval: Approval, confirm_seen_upto: int) -> Outcome:
    """An author read what came in while their approved reply was held: send it now."""
    if actor.id not in (approval.submitted_by_id, *approval.authors):
        raise Conflict("Only an author of this reply can confirm it.")
    unseen = await _unseen(tx, thread.id, confirm_seen_upto, approval.submitted_by_id)  # type: ignore[arg-type]
    if unseen:
        raise UnseenMessages(unseen)
    text = approval.final_text or approval.submitted_text
    message = await _send(tx, thread, draft, text, approval.submitted_by_id, actor, approval)
    approval.status = "approved"
    approval.message_id = message.id
    approval.seen_message_id = confirm_seen_upto
    tx.audit("reply.confirm", actor.id, thread.id, approval_id=approval.id,
             seen_upto=confirm_seen_upto)
    await _decided(tx, approval, actor, notify=False)
    return Outcome("sent", approval_id=approval.id, message_id=message.id)


async def _approval(tx: Tx, approval_id: int) -> tuple[Approval, Thread, Draft | None]:
    """The approval, its thread, and the thread's draft if it is the one waiting (replies
    submitted otherwise, such as an escalation's holding reply, leave the draft alone)."""
    approval = await tx.session.get(Approval, approval_id)
    if approval is None:
        raise NotFound("There is no reply waiting for approval with id %(id)s.", id=approval_id)
    thread = await tx.session.get(Thread, approval.thread_id)
    assert thread is not None
    draft = await tx.session.scalar(select(Draft).where(col(Draft.thread_id) == thread.id))
    return approval, thread, draft if draft is not None and draft.state == "pending" else None


async def do_approve(db: Database, actor: Actor, approval_id: int, text: str | None = None
                     ) -> Outcome:
    """Approve a pending reply, optionally corrected; it is sent unless new messages came in."""
    async with db.write() as tx:
        approval, thread, draft = await _approval(tx, approval_id)
        if approval.status != "pending":
            raise Conflict("This reply was decided already.")
        if actor.id == approval.submitted_by_id or actor.id in approval.authors:
            raise FourEyes()
        final = check_text(text) if text is not None else approval.submitted_text
        approval.final_text = final
        approval.decided_by_id = actor.id
        approval.decided_at = utcnow()
        tx.audit("reply.approve", actor.id, thread.id, approval_id=approval_id,
                 submitted_text=approval.submitted_text, final_text=final,
                 corrected=final != approval.submitted_text, authors=approval.authors)
        unseen = await _unseen(tx, thread.id, approval.seen_message_id or 0,  # type: ignore[arg-type]
                               approval.submitted_by_id)
        if unseen:
            approval.status = "held"
            tx.audit("reply.held", actor.id, thread.id, approval_id=approval_id,
                     unseen=[m["id"] for m in unseen])
            await _decided(tx, approval, actor, notify=True)
            if draft is not None:
                _state_event(tx, thread.id, draft, "held", approval.id)  # type: ignore[arg-type]
            return Outcome("held", approval_id=approval_id, unseen=unseen)
        message = await _send(tx, thread, draft, final, approval.submitted_by_id, actor, approval)
        approval.status = "approved"
        approval.message_id = message.id
        await _decided(tx, approval, actor, notify=True)
        return Outcome("sent", approval_id=approval_id, message_id=message.id)


async def do_reject(db: Database, actor: Actor, approval_id: int, comment: str) -> Outcome:
    """Send a pending reply back to its authors, with a comment; the draft is editable again."""
    comment = comment.strip()
    if not comment:
        raise Invalid("Say why the reply is rejected.")
    if len(comment) > MAX_COMMENT:
        raise Invalid("A comment has at most %(count)d characters.", count=MAX_COMMENT)
    async with db.write() as tx:
        approval, thread, draft = await _approval(tx, approval_id)
        if approval.status not in OPEN:
            raise Conflict("This reply was decided already.")
        approval.status = "rejected"
        approval.comment = comment
        approval.decided_by_id = actor.id
        approval.decided_at = utcnow()
        tx.audit("reply.reject", actor.id, thread.id, approval_id=approval_id, comment=comment)
        await _decided(tx, approval, actor, notify=True)
        if draft is not None:
            draft.state = "editing"
            draft.updated_at = utcnow()
            _state_event(tx, thread.id, draft, "rejected", approval.id)  # type: ignore[arg-type]
        return Outcome("rejected", approval_id=approval_id)


async def do_withdraw(db: Database, actor: Actor, approval_id: int) -> Outcome:
    """An author takes their reply back from the queue, to change it."""
    async with db.write() as tx:
        approval, thread, draft = await _approval(tx, approval_id)
        if approval.status not in OPEN:
            raise Conflict("This reply was decided already.")
        if actor.id not in (approval.submitted_by_id, *approval.authors):
            raise Conflict("Only an author of this reply can withdraw it.")
        approval.status = "withdrawn"
        approval.decided_at = utcnow()
        tx.audit("reply.withdraw", actor.id, thread.id, approval_id=approval_id)
        await _decided(tx, approval, actor, notify=False)
        if draft is not None:
            draft.state = "editing"
            draft.updated_at = utcnow()
            _state_event(tx, thread.id, draft, "withdrawn", approval.id)  # type: ignore[arg-type]
        return Outcome("withdrawn", approval_id=approval_id)
