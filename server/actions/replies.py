"""Sending a reply: submit, approve (possibly corrected), confirm, reject, withdraw.

A submitted draft either goes straight to the outbox or, when the policy (or crisis mode)
says so, waits as an Approval while the draft is locked (state "pending"). Nobody approves
a reply they wrote, and no words go out that only one person saw: an approver's correction
waits ("corrected") until an author, or a second approver, confirms it. A reply never
answers a conversation its authors have not seen: newer messages stop it until an author
(or an approver) confirms them. The sent message names everyone whose words are in it.
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
from server.actions.reply_length import check_reply_length
from server.actions.reply_policy import approval_policy, needs_approval
from server.actions.windows import closed_window_template, windows
from server.db import Database, Tx
from server.errors import N_, Conflict, DeskError, Invalid, NotFound
from server.events import (
    ApprovalDecided,
    ApprovalRequested,
    ReplyAuthor,
    ReplyDecided,
    ReplyState,
    UserRef,
    event_row,
)
from server.models import Approval, Channel, Draft, Message, Thread, utcnow
from server.models.replies import OPEN_APPROVAL
from server.permissions import Actor
from server.queries.cards import card
from server.queries.replies import approval_view, messages_json, user_refs, word_diff

MAX_REPLY = 10000
MAX_COMMENT = 2000


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

    def __init__(self, message: str = N_("You wrote this reply; somebody else has to "
                                         "approve it.")) -> None:
        super().__init__(message)


class ServiceAccount(DeskError):
    status = 403
    code = "service_account"

    def __init__(self) -> None:
        super().__init__(N_("A service account never approves replies."))


class NotAnAuthor(DeskError):
    """A condition on the data, refused like a missing permission (403 forbidden)."""

    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Outcome:
    status: str  # sent | pending | corrected | held | rejected | withdrawn
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
                               col(Approval.status).in_(OPEN_APPROVAL))
    )


def _state_event(tx: Tx, thread_id: int, draft: Draft, reason: str, approval_id: int | None
                 ) -> None:
    tx.emit(event_row(
        ReplyState(thread_id=thread_id, state=draft.state, reason=reason,
                   approval_id=approval_id, text=draft.text),
        thread_id=thread_id,
    ))


async def announce_request(tx: Tx, approval: Approval) -> None:
    """Every approvals queue adds the request; boards mark the thread as awaiting approval,
    and a thread being worked on is pending approval until the reply is decided."""
    thread = await tx.session.get(Thread, approval.thread_id)
    if thread is not None and thread.status in ("new", "open"):
        thread.status = "pending_approval"
    await tx.session.flush()
    tx.emit(event_row(ApprovalRequested(approval=await approval_view(tx.session, approval),
                                        card=await card(tx.session, approval.thread_id)),
                      thread_id=approval.thread_id))


async def _decided(tx: Tx, approval: Approval, actor: Actor, notify: bool) -> None:
    """Tell every queue, and (for a decision by someone else) each author personally."""
    if approval.status in ("rejected", "withdrawn"):
        # Nothing waits for a supervisor any more: the reply is work again.
        thread = await tx.session.get(Thread, approval.thread_id)
        if thread is not None and thread.status == "pending_approval":
            thread.status = "open"
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
                by=_ref(actor), confirm_by=view.confirm_by, comment=view.comment,
                submitted_text=view.submitted_text, final_text=view.final_text, diff=view.diff,
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
    await check_reply_length(tx, thread, text)
    credits = await reply_authors(tx, author_id, approval, draft)
    message = await enqueue_reply(tx, thread, text, author_id, credits[0].name, credits)
    if draft is not None:
        # The reply left: the draft starts over, empty and editable (as a CRDT edit, so
        # editors still online merge the deletion).
        await clear_draft(tx, thread.id)  # type: ignore[arg-type]
        draft.updated_by_id = actor.id
        _state_event(tx, thread.id, draft, "sent", approval.id if approval else None)  # type: ignore[arg-type]
    tx.audit("reply.queued", actor.id, thread.id, message_id=message.id, text=text,
             author_id=author_id, approval_id=approval.id if approval else None,
             authors=[a.model_dump() for a in credits])
    return message


async def reply_authors(tx: Tx, submitter_id: int, approval: Approval | None,
                        draft: Draft | None) -> list[ReplyAuthor]:
    """Everyone whose words go out: the submitter, the draft's co-authors, the corrector."""
    co_writers = approval.authors if approval is not None else (draft.authors if draft else [])
    parts: dict[int, str] = {submitter_id: "submitted"}
    for user_id in co_writers:
        parts.setdefault(user_id, "co-wrote")
    if approval is not None and approval.corrected_by_id is not None:
        parts.setdefault(approval.corrected_by_id, "corrected")
    people = await user_refs(tx.session, parts)
    return [ReplyAuthor(id=uid, name=people[uid].name if uid in people else "?", part=part)
            for uid, part in parts.items()]


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
                return await _confirm(tx, actor, waiting, thread, submitted, confirm_seen_upto)
            raise Conflict("A reply on this thread waits for approval already.")
        text = check_text(draft.text if draft else "")
        assert draft is not None
        await check_message_window(tx, thread)
        await check_reply_length(tx, thread, text)
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


def is_author(user_id: int, approval: Approval) -> bool:
    return user_id == approval.submitted_by_id or user_id in approval.authors


def check_approval_open(approval: Approval) -> None:
    if approval.status not in OPEN_APPROVAL:
        raise Conflict("This reply was decided already.")


def check_may_approve(actor: Actor, approval: Approval) -> None:
    """Four eyes: not a service account, not an author, not the one who corrected the text.
    (The registry checked reply.approve already.)"""
    if actor.service_account:
        raise ServiceAccount()
    if is_author(actor.id, approval):
        raise FourEyes()
    if actor.id == approval.corrected_by_id:
        raise FourEyes(N_("You corrected this reply; somebody else has to confirm it."))


async def do_approve(db: Database, actor: Actor, approval_id: int, text: str | None = None
                     ) -> Outcome:
    """Approve a reply waiting for it. A changed text is a correction: it waits until a
    second person confirms it (an author or another approver, by policy). Approved, it is
    sent unless new messages came in."""
    async with db.write() as tx:
        approval, thread, draft = await _approval(tx, approval_id)
        if approval.status not in ("pending", "corrected"):
            raise Conflict("This reply was decided already.")
        check_may_approve(actor, approval)
        current = approval.final_text or approval.submitted_text
        final = check_text(text) if text is not None else current
        if final != current:
            return await _correct(tx, actor, approval, thread, draft, current, final)
        if approval.status == "corrected" and approval.confirm_by != "approver":
            raise Conflict("An author of this reply confirms the correction; you can still "
                           "send it back.")
        approval.final_text = final
        approval.decided_by_id = actor.id
        approval.decided_at = utcnow()
        tx.audit("reply.approve", actor.id, thread.id, approval_id=approval_id,
                 submitted_text=approval.submitted_text, final_text=final,
                 corrected=final != approval.submitted_text, authors=approval.authors,
                 corrected_by_id=approval.corrected_by_id)
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
        return await _send_approved(tx, actor, approval, thread, draft, notify=True)


async def _correct(tx: Tx, actor: Actor, approval: Approval, thread: Thread,
                   draft: Draft | None, before: str, after: str) -> Outcome:
    """The approver's words would go out under the authors' names: hold them until a
    second person confirms. The audit keeps what changed."""
    policy = await approval_policy(tx.session)
    approval.status = "corrected"
    approval.final_text = after
    approval.corrected_by_id = actor.id
    approval.confirm_by = policy.get("corrections", "author")
    approval.decided_by_id = actor.id
    approval.decided_at = utcnow()
    tx.audit("reply.correct", actor.id, thread.id, approval_id=approval.id, before=before,
             after=after, diff=[p.model_dump() for p in word_diff(before, after)],
             confirm_by=approval.confirm_by)
    await _decided(tx, approval, actor, notify=True)
    if draft is not None:
        _state_event(tx, thread.id, draft, "corrected", approval.id)  # type: ignore[arg-type]
    return Outcome("corrected", approval_id=approval.id)


async def _send_approved(tx: Tx, actor: Actor, approval: Approval, thread: Thread,
                         draft: Draft | None, *, notify: bool) -> Outcome:
    text = approval.final_text or approval.submitted_text
    message = await _send(tx, thread, draft, text, approval.submitted_by_id, actor, approval)
    approval.status = "approved"
    approval.message_id = message.id
    await _decided(tx, approval, actor, notify=notify)
    return Outcome("sent", approval_id=approval.id, message_id=message.id)


async def do_confirm(db: Database, actor: Actor, approval_id: int, seen_upto: int | None
                     ) -> Outcome:
    """The second look before a reply goes out: an author confirms an approver's correction
    (when the policy says the author confirms), or an author or approver who read what came
    in confirms a held reply. `seen_upto`: the newest message the confirmer has read."""
    async with db.write() as tx:
        approval, thread, draft = await _approval(tx, approval_id)
        return await _confirm(tx, actor, approval, thread, draft, seen_upto)


async def _confirm(tx: Tx, actor: Actor, approval: Approval, thread: Thread,
                   draft: Draft | None, seen_upto: int | None) -> Outcome:
    if approval.status == "corrected":
        if approval.confirm_by == "approver":
            raise Conflict("A second approver approves this correction.")
        if not is_author(actor.id, approval):
            raise NotAnAuthor(N_("Only an author of this reply can confirm the correction."))
        seen = max(approval.seen_message_id or 0, seen_upto or 0)
    elif approval.status == "held":
        approver = actor.can("reply.approve") and not actor.service_account
        if not (is_author(actor.id, approval) or approver):
            raise NotAnAuthor(N_("Only an author or an approver can confirm this reply."))
        # Without seen_upto the answer lists what came in (unseen_messages) to read first.
        seen = seen_upto if seen_upto is not None else approval.seen_message_id or 0
    else:
        raise Conflict("This reply waits for no confirmation.")
    unseen = await _unseen(tx, thread.id, seen, approval.submitted_by_id)  # type: ignore[arg-type]
    if unseen:
        raise UnseenMessages(unseen)
    approval.seen_message_id = max(seen, approval.seen_message_id or 0)
    tx.audit("reply.confirm", actor.id, thread.id, approval_id=approval.id,
             confirmed=approval.status, seen_upto=seen_upto,
             final_text=approval.final_text or approval.submitted_text)
    return await _send_approved(tx, actor, approval, thread, draft,
                                notify=actor.id != approval.submitted_by_id)


async def do_reject(db: Database, actor: Actor, approval_id: int, comment: str) -> Outcome:
    """Send a pending reply back to its authors, with a comment; the draft is editable again."""
    comment = comment.strip()
    if not comment:
        raise Invalid("Say why the reply is rejected.")
    if len(comment) > MAX_COMMENT:
        raise Invalid("A comment has at most %(count)d characters.", count=MAX_COMMENT)
    async with db.write() as tx:
        approval, thread, draft = await _approval(tx, approval_id)
        check_approval_open(approval)
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
        check_approval_open(approval)
        if not is_author(actor.id, approval):
            raise NotAnAuthor(N_("Only an author of this reply can withdraw it."))
        approval.status = "withdrawn"
        approval.decided_at = utcnow()
        tx.audit("reply.withdraw", actor.id, thread.id, approval_id=approval_id)
        await _decided(tx, approval, actor, notify=False)
        if draft is not None:
            draft.state = "editing"
            draft.updated_at = utcnow()
            _state_event(tx, thread.id, draft, "withdrawn", approval.id)  # type: ignore[arg-type]
        return Outcome("withdrawn", approval_id=approval_id)
