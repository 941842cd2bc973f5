"""Commands for answering: the reply panel, submit and approval, retries of failed sends."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from server.actions.approvers import do_hand_over
from server.actions.outbox import do_retry_send
from server.actions.replies import (
    MAX_COMMENT,
    MAX_REPLY,
    FourEyes,
    NotAnAuthor,
    ServiceAccount,
    UnseenMessages,
    do_approve,
    do_confirm,
    do_reject,
    do_submit,
    do_withdraw,
)
from server.commands.inputs import Chars, CommandInput, Id, ThreadRef
from server.commands.registry import Call, Command, Rest
from server.commands.results import Approvals, HandedOver, Queued, ReplyOutcome, ReplyPanel
from server.errors import Conflict, NotFound
from server.queries.approvers import who_approves
from server.queries.replies import approvals_queue, thread_reply


class SubmitInput(ThreadRef):
    seen_upto: Id | None = Field(None, description="the newest message id the writer has seen")
    confirm_seen_upto: Id | None = Field(
        None, description="resubmit after unseen_messages: the newest id now read")


class ApprovalRef(CommandInput):
    approval_id: Id


class ApproveInput(ApprovalRef):
    text: Annotated[str, Chars(MAX_REPLY)] | None = Field(None, description="the corrected text")


class ConfirmInput(ApprovalRef):
    seen_upto: Id | None = Field(
        None, description="the newest message the confirmer has read (needed for a held reply)")


class HandOverInput(ApprovalRef):
    user_id: Id = Field(description="the colleague who should decide")


class RejectInput(ApprovalRef):
    comment: Annotated[str, Chars(MAX_COMMENT)] = Field("", description="why: the author reads it")


class RetryInput(CommandInput):
    message_id: Id


class ApprovalsInput(CommandInput):
    status: Literal["open", "pending", "corrected", "held", "approved", "rejected",
                    "withdrawn"] = Field(
        "open", description="open: pending, corrected and held, oldest first; others newest "
        "first")
    thread_id: Id | None = None


async def get_reply(call: Call, data: ThreadRef) -> dict[str, object]:
    reply = await thread_reply(call.desk.db, data.thread_id)
    reply["approvers"] = await who_approves(call.desk.db, call.actor, reply,
                                            await call.desk.live.online())
    return {"reply": reply}


async def submit(call: Call, data: SubmitInput) -> dict[str, object]:
    # Keystrokes this process holds in memory go into the draft before its text is read.
    await call.desk.live.flush_draft(data.thread_id)
    outcome = await do_submit(call.desk.db, call.actor, data.thread_id,
                              seen_upto=data.seen_upto,
                              confirm_seen_upto=data.confirm_seen_upto)
    return outcome.as_json()


async def approve(call: Call, data: ApproveInput) -> dict[str, object]:
    return (await do_approve(call.desk.db, call.actor, data.approval_id, data.text)).as_json()


async def confirm(call: Call, data: ConfirmInput) -> dict[str, object]:
    return (await do_confirm(call.desk.db, call.actor, data.approval_id,
                             data.seen_upto)).as_json()


async def hand_over(call: Call, data: HandOverInput) -> dict[str, object]:
    colleague = await do_hand_over(call.desk.db, call.actor, data.approval_id, data.user_id)
    return {"approval_id": data.approval_id, "handed_to": colleague.model_dump()}


async def reject(call: Call, data: RejectInput) -> dict[str, object]:
    return (await do_reject(call.desk.db, call.actor, data.approval_id, data.comment)).as_json()


async def withdraw(call: Call, data: ApprovalRef) -> dict[str, object]:
    return (await do_withdraw(call.desk.db, call.actor, data.approval_id)).as_json()


async def retry(call: Call, data: RetryInput) -> dict[str, object]:
    await do_retry_send(call.desk.db, call.actor, data.message_id)
    return {"message_id": data.message_id, "status": "queued"}


async def approvals(call: Call, data: ApprovalsInput) -> dict[str, object]:
    views = await approvals_queue(call.desk.db, data.status, data.thread_id)
    return {"approvals": [v.model_dump(mode="json") for v in views]}


THREAD = "/api/threads/{thread_id}"
APPROVAL = "/api/approvals/{approval_id}"
COMMANDS = [
    Command("reply.get", ThreadRef, get_reply,
            "The reply panel: the draft's state, its open or last approval, deliveries.",
            permission="thread.view", result=ReplyPanel, rest=Rest("GET", f"{THREAD}/reply"),
            errors=(NotFound,), tags=("replies",)),
    Command("reply.submit", SubmitInput, submit,
            "Submit the thread's draft: sent at once, or to approval when the policy says so.",
            permission="reply.submit", result=ReplyOutcome,
            rest=Rest("POST", f"{THREAD}/reply/submit"),
            errors=(NotFound, Conflict, UnseenMessages), tags=("replies",)),
    Command("reply.approve", ApproveInput, approve,
            "Approve a pending reply. A changed text is a correction: status corrected, sent "
            "only once a second person confirms it (an author with reply.confirm, or another "
            "approver with reply.approve, as the policy's corrections say). The permission "
            "is checked first, then four eyes: no author, no corrector, no service account.",
            permission="reply.approve", result=ReplyOutcome,
            rest=Rest("POST", f"{APPROVAL}/approve"),
            errors=(NotFound, Conflict, FourEyes, ServiceAccount), tags=("replies",)),
    Command("reply.confirm", ConfirmInput, confirm,
            "The second look before it goes out: an author confirms an approver's correction, "
            "or an author or approver who read the new messages confirms a held reply.",
            permission="reply.submit", result=ReplyOutcome,
            rest=Rest("POST", f"{APPROVAL}/confirm"),
            errors=(NotFound, Conflict, NotAnAuthor, UnseenMessages), tags=("replies",)),
    Command("reply.hand_over", HandOverInput, hand_over,
            "Hand an approval to a named colleague who may approve it; they are notified.",
            permission="reply.approve", result=HandedOver,
            rest=Rest("POST", f"{APPROVAL}/hand-over"), errors=(NotFound, Conflict),
            tags=("replies",)),
    Command("reply.reject", RejectInput, reject, "Reject a pending reply with a comment.",
            permission="reply.approve", result=ReplyOutcome,
            rest=Rest("POST", f"{APPROVAL}/reject"), errors=(NotFound, Conflict),
            tags=("replies",)),
    Command("reply.withdraw", ApprovalRef, withdraw,
            "Withdraw your own reply from approval; it becomes an editable draft again.",
            permission="reply.submit", result=ReplyOutcome,
            rest=Rest("POST", f"{APPROVAL}/withdraw"), errors=(NotFound, Conflict, NotAnAuthor),
            tags=("replies",)),
    Command("reply.retry", RetryInput, retry,
            "Queue a failed send again, with the same idempotency key.",
            permission="reply.submit", result=Queued,
            rest=Rest("POST", "/api/messages/{message_id}/retry"), errors=(NotFound, Conflict),
            tags=("replies",)),
    Command("approvals.list", ApprovalsInput, approvals, "The approvals queue.",
            permission="reply.approve", result=Approvals, rest=Rest("GET", "/api/approvals"),
            tags=("replies",)),
]
